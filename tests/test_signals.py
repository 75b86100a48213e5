"""SIGTERM behaves like Ctrl-C (issue 13, item 4): exit 130, "nothing was written", no temporaries, no worker
processes or loky semaphores left behind. Real subprocesses, real workers."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO, SO_TITLES, leftovers, prepare_ok

PYTHON = REPO / ".venv" / "bin" / "python"


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def start(code: str, *args, log: Path) -> subprocess.Popen:
    """The code in a subprocess, stderr to ``log`` (a pipe would stay open as long as any orphan lives)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.Popen([str(PYTHON), "-c", code, *map(str, args)], stdout=subprocess.DEVNULL,
                            stderr=open(log, "w"), env=env)


def terminate_when_workers_run(proc: subprocess.Popen, n: int, timeout: float = 90) -> list[int]:
    """Wait until ``proc`` has ``n`` child processes, then SIGTERM it; returns those children."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "finished before its workers started"
        workers = children(proc.pid)
        if len(workers) >= n:
            time.sleep(0.5)  # let them take work
            workers = children(proc.pid)
            proc.send_signal(signal.SIGTERM)
            return workers
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("the workers never started")


def assert_clean_stop(proc: subprocess.Popen, workers: list[int], out: Path, log: Path) -> str:
    try:
        proc.wait(timeout=60)
        deadline = time.monotonic() + 15
        while any(alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        err = log.read_text()
        assert proc.returncode == 130, f"exit {proc.returncode}\n{err}"
        assert "nothing was written" in err and "Traceback" not in err, err
        assert not out.exists() and not leftovers(out.parent, out.name), list(out.parent.iterdir())
        assert not [w for w in workers if alive(w)], "worker processes outlived their parent"
    finally:  # never leave processes behind, whatever the outcome
        for pid in [proc.pid, *workers]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.wait()
    return err


@pytest.fixture(scope="module")
def titles_tsv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("signals") / "titles.tsv"
    rows = pd.read_csv(SO_TITLES, sep="\t", dtype=str, keep_default_na=False)[["title", "tags"]]
    pd.concat([rows] * 2).to_csv(path, sep="\t", index=False)
    return path


def test_sigterm_during_prepare_with_worker_processes(titles_tsv, tmp_path):
    out = tmp_path / "ds"
    code = ("import sys; import multilabeltext.data.prepare as p; p.PARALLEL_MIN_BYTES = 0; "
            "sys.argv = ['multilabeltext', 'prepare', sys.argv[1], '--out', sys.argv[2], '--jobs', '2', "
            "'--text-column', 'title', '--label-column', 'tags']; from multilabeltext.cli import app; app()")
    proc = start(code, titles_tsv, out, log=tmp_path / "log")
    workers = terminate_when_workers_run(proc, 2)
    assert_clean_stop(proc, workers, out, tmp_path / "log")


def test_sigterm_during_training_stops_the_solver_threads(titles_tsv, tmp_path):
    """The linear model fits tags in threads (models/svm_dual.py): SIGTERM mid-fold drops the tags not started."""
    dataset = prepare_ok(titles_tsv, tmp_path / "ds", "--text-column", "title", "--label-column", "tags",
                         "--top-n", "40")
    out, log = tmp_path / "model", tmp_path / "log"
    code = ("import sys; sys.argv = ['multilabeltext', 'train', sys.argv[1], '--out', sys.argv[2], '--param', "
            "'jobs=2', '--param', 'cross_fit=5']; from multilabeltext.cli import app; app()")
    proc = start(code, dataset, out, log=log)
    deadline = time.monotonic() + 90
    while "cross-fit fold 1/5" not in log.read_text() and time.monotonic() < deadline:
        assert proc.poll() is None, "finished before its first fold started"
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    started = time.monotonic()
    assert_clean_stop(proc, children(proc.pid), out, log)
    assert time.monotonic() - started < 20  # not after every tag of the fold
    shm = Path("/dev/shm")
    if shm.is_dir():
        assert not [p.name for p in shm.iterdir() if f"-{proc.pid}-" in p.name or p.name.endswith(f"-{proc.pid}")]
