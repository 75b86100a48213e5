"""The README as a newcomer follows it: every ```bash block runs, in order, from a fresh copy of the checkout.

The way sqlite-utils tests its docs, but by running them: the checkout's files (tracked and new, as
``git ls-files`` lists them, with their modification times; committed there in a new git repository, as a
clone has one) are copied to a temporary directory with
``../shared`` beside it (a link to the real ``../shared``) and ``.venv`` linked to this checkout's
environment, then each ```bash block of README.md runs there with ``bash -euo pipefail``, from the
copy's root, in README order, so later blocks use what ``make run`` and earlier blocks wrote. A block
fails the test when any of its commands fails; the message names its README line and shows its output.

What the test does that a newcomer would not, and why:

* a block preceded by a line ``<!-- readme-test: skip (the reason) -->`` is not run (the user's own dump,
  a GPU, a cluster, a long run, or ``make test``, which is this suite);
* ``make`` is run as ``make -o .venv/.installed``: the environment is already installed (CI's ``.ci/run``
  runs ``make install`` just before), and a copy must never reinstall the shared ``.venv``;
* a block that starts a server (``multilabeltext serve`` / ``dashboard``, which run until Ctrl-C) is
  started in the background on a free port (``--port`` added), the test waits until it answers, the
  following blocks of the same section run against it (``localhost:8000``/``:8050`` rewritten to that port),
  and it is stopped at the next section.

After the run, nothing may have been written outside ``data/`` and ``models/`` (the examples' outputs).
Per-block timings go to ``tests/artifacts/readme-timings.json``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import DATASETS, REPO

README = REPO / "README.md"
ARTIFACTS = REPO / "tests" / "artifacts"
SKIP_MARK = re.compile(r"^<!--\s*readme-test:\s*skip\s*\((?P<reason>.+)\)\s*-->\s*$")
SERVER = re.compile(r"^\.venv/bin/multilabeltext\s+(?P<command>serve|dashboard)\b")
DEFAULT_PORTS = {"serve": 8000, "dashboard": 8050}
BARE_COMMAND = re.compile(r"(^|[|;&(]\s*)(multilabeltext|python3?|pip3?|pytest)\b")
OUTPUT_DIRS = ("data", "models")
IGNORED = ("__pycache__", ".pytest_cache", ".ruff_cache")
BLOCK_TIMEOUT = 1200  # seconds; `make run` is the longest block
PREAMBLE = "make() { command make -o .venv/.installed \"$@\"; }\n"


@dataclass
class Block:
    """One fenced ```bash block: its first code line's number in README.md, its section and code."""

    line: int
    section: str
    code: str
    skip: str | None = None

    def describe(self) -> str:
        return f"README.md line {self.line} (section {self.section!r}):\n{self.code}"


def bash_blocks(text: str) -> list[Block]:
    """The ```bash blocks of a Markdown text, in order, with the reason of a skip mark just above them.

    Example:
        >>> blocks = bash_blocks("## A\\n```bash\\necho 1\\n```\\n<!-- readme-test: skip (needs a GPU) -->\\n"
        ...                      "```bash\\n# ## not a heading\\necho 2\\n```\\n```python\\nx = 1\\n```\\n")
        >>> [(b.line, b.section, b.code, b.skip) for b in blocks]
        [(3, 'A', 'echo 1', None), (7, 'A', '# ## not a heading\\necho 2', 'needs a GPU')]
    """
    blocks: list[Block] = []
    section, fence, body, start, skip, previous = "", None, [], 0, None, ""
    for number, line in enumerate(text.splitlines(), 1):
        if fence is None:
            if line.startswith("```"):
                fence, body, start = line[3:].strip(), [], number + 1
                mark = SKIP_MARK.match(previous.strip())
                skip = mark.group("reason") if mark else None
            elif line.startswith("## "):
                section = line[3:].strip()
            if line.strip():
                previous = line
        elif line.startswith("```"):
            if fence == "bash":
                blocks.append(Block(start, section, "\n".join(body), skip))
            fence, previous = None, line
        else:
            body.append(line)
    assert fence is None, f"README.md: a ``` fence opened at line {start - 1} is never closed"
    return blocks


def command_lines(code: str) -> list[str]:
    """The block's commands without comments and blank lines (continuation lines joined)."""
    joined = re.sub(r"\\\n\s*", " ", code)
    return [line.split(" #")[0].strip() for line in joined.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _listed_files(root: Path) -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=root,
                         capture_output=True, check=True).stdout.decode()
    return [name for name in out.split("\0") if name and (root / name).is_file()]


def fresh_copy(work: Path) -> Path:
    """A copy of the checkout (what a fresh clone holds, plus new files, committed in a new git repository) in
    ``work/repo``, with ``../shared`` beside it."""
    repo = work / "repo"
    for name in _listed_files(REPO):
        target = repo / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, target)
    # a git repository, as a clone is (the README builds a wheel from git+file://$PWD), its files committed
    git = ["git", "-c", "user.name=readme-test", "-c", "user.email=readme-test@localhost", "-c", "commit.gpgsign=false"]
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "README test copy"]):
        subprocess.run([*git, *command], cwd=repo, check=True, capture_output=True)
    (work / "shared").symlink_to(DATASETS.parent.resolve(), target_is_directory=True)
    (repo / ".venv").symlink_to((REPO / ".venv").resolve(), target_is_directory=True)
    return repo


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")
            if p.is_file() and not any(part in IGNORED for part in p.relative_to(root).parts)
            and p.relative_to(root).parts[0] != ".venv"}


class Server:
    """A README server command started in the background on a free port, stopped with its process group."""

    def __init__(self, block: Block, repo: Path, env: dict):
        (line,) = command_lines(block.code)  # a server block holds just the server command
        self.command = SERVER.match(line).group("command")
        self.port = _free_port()
        self.default = DEFAULT_PORTS[self.command]
        if "--port" not in line:
            line += f" --port {self.port}"
        else:
            self.port = int(re.search(r"--port\s+(\d+)", line).group(1))
        self.block, self.log = block, repo.parent / f"server-{block.line}.log"
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(["bash", "-euo", "pipefail", "-c", line], cwd=repo, env=env, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        url = f"http://127.0.0.1:{self.port}/"
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(url, timeout=2).close()
                break
            except urllib.error.HTTPError:  # it answers (any status is an answer)
                break
            except OSError:
                assert self.proc.poll() is None, f"{block.describe()}\nthe server exited:\n{self.log.read_text()}"
                assert time.monotonic() < deadline, f"{block.describe()}\nno answer on {url} within 120 s"
                time.sleep(0.3)

    def rewrite(self, code: str) -> str:
        """``code`` with the server's documented port replaced by the port it runs on."""
        return re.sub(rf"\b(localhost|127\.0\.0\.1):{self.default}\b", rf"\g<1>:{self.port}", code)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)  # what Ctrl-C does
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def run_readme(repo: Path, blocks: list[Block]) -> list[dict]:
    """Run ``blocks`` in order in ``repo``; returns one timing row per block (fails the test on the first error)."""
    env = {**os.environ, "PYTHONPATH": str(repo), "COLUMNS": "120", "NO_COLOR": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}
    env.pop("VIRTUAL_ENV", None)
    timings, server = [], None
    try:
        for block in blocks:
            if server is not None and block.section != server.block.section:
                server.stop()
                server = None
            if block.skip:
                timings.append({"line": block.line, "section": block.section, "skipped": block.skip})
                continue
            started = time.monotonic()
            lines = command_lines(block.code)
            if lines and SERVER.match(lines[0]):
                if server is not None:
                    server.stop()
                server = Server(block, repo, env)
            else:
                code = server.rewrite(block.code) if server is not None else block.code
                try:
                    proc = subprocess.run(["bash", "-euo", "pipefail", "-c", PREAMBLE + code], cwd=repo, env=env,
                                          capture_output=True, text=True, timeout=BLOCK_TIMEOUT)
                except subprocess.TimeoutExpired:
                    pytest.fail(f"{block.describe()}\ntook more than {BLOCK_TIMEOUT} s")
                if proc.returncode != 0:
                    pytest.fail(f"{block.describe()}\nexit code {proc.returncode}\n--- stdout (end)\n"
                                f"{proc.stdout[-4000:]}\n--- stderr (end)\n{proc.stderr[-4000:]}")
            timings.append({"line": block.line, "section": block.section, "seconds": round(time.monotonic() - started, 1),
                            "code": block.code})
    finally:
        if server is not None:
            server.stop()
    return timings


# ------------------------------------------------------------------------------------------------ tests


def test_readme_commands_use_the_venv_and_name_real_files():
    """Commands are written ``.venv/bin/multilabeltext ...`` / ``.venv/bin/python ...`` everywhere (the README
    never asks to activate the venv), and every ``../shared/datasets`` path it names exists."""
    text = README.read_text(encoding="utf-8")
    blocks = bash_blocks(text)
    assert len(blocks) >= 10
    bare = [(b.line, line) for b in blocks for line in command_lines(b.code) if BARE_COMMAND.search(line)]
    assert not bare, f"write these as .venv/bin/...: {bare}"
    deprecated = [(b.line, line) for b in blocks for line in command_lines(b.code)
                  if re.search(r"multilabeltext\s+(report|dashboard|serve)\s+--model\b", line)]
    assert not deprecated, f"the model directory comes first now (--model is deprecated): {deprecated}"
    for path in sorted(set(re.findall(r"\.\./shared/datasets/[\w./-]+\w", text))):
        assert (REPO / path).exists(), f"README.md names {path}, which is not there"
    setup = [command_lines(b.code) for b in blocks if b.section.startswith("Setup")]
    assert ["make run"] in setup and ["make test"] in setup  # the two setup commands


@pytest.mark.long  # started first: the longest single test of the suite
def test_readme_bash_blocks_run_in_order(tmp_path):
    if not (REPO / ".venv" / "bin" / "multilabeltext").exists():
        pytest.fail(f"no installed environment at {REPO / '.venv'}: run `make install` first (CI runs it).")
    blocks = bash_blocks(README.read_text(encoding="utf-8"))
    repo = fresh_copy(tmp_path)
    before = _files(repo)
    timings = run_readme(repo, blocks)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "readme-timings.json").write_text(json.dumps(timings, indent=1) + "\n", encoding="utf-8")
    stray = sorted(f for f in _files(repo) - before if f.split("/")[0] not in OUTPUT_DIRS)
    assert not stray, f"README examples wrote outside data/ and models/: {stray}"
    assert sum(1 for t in timings if "seconds" in t) >= 8  # most of the README ran
