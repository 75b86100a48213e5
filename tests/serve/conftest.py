"""A small real linear model (so-titles rows) and the real server on a free localhost port, shared by the serve tests.

``server`` starts ``python -m multilabeltext serve`` in a subprocess on 127.0.0.1 and waits for ``/health``;
``client`` is an ``httpx.Client`` on it. Tests only ever talk to 127.0.0.1.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pandas as pd
import pytest
from conftest import CLI_ENV, REPO, SO_TITLES, describe, prepare_ok, run_cli

ROWS = 3000
MAX_BATCH = 64
MAX_TEXT_BYTES = 2000


@pytest.fixture(scope="session")
def serve_model(tmp_path_factory) -> Path:
    """A linear model trained on the first 3,000 so-titles questions (10 tags, word n-grams: a few seconds)."""
    root = tmp_path_factory.mktemp("serve")
    rows = pd.read_csv(SO_TITLES, sep="\t", dtype=str, keep_default_na=False, nrows=ROWS)[["title", "tags"]]
    rows.to_csv(root / "titles.tsv", sep="\t", index=False)
    dataset = prepare_ok(root / "titles.tsv", root / "ds", "--text-column", "title", "--label-column", "tags",
                         "--top-n", "10")
    result = run_cli("train", dataset, "--out", root / "model", "--quiet", "--param", "jobs=1")
    assert result.exit_code == 0, describe(result)
    return root / "model"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(model: Path, *options, timeout: float = 60) -> tuple[subprocess.Popen, str]:
    """``multilabeltext serve`` in a subprocess on a free 127.0.0.1 port; returns it and its URL once healthy."""
    port = free_port()
    python = REPO / ".venv" / "bin" / "python"
    python = python if python.exists() else Path(sys.executable)
    proc = subprocess.Popen([str(python), "-m", "multilabeltext", "serve", "--model", str(model), "--host",
                             "127.0.0.1", "--port", str(port), "--log-level", "warning", *map(str, options)],
                            cwd=REPO, env={**os.environ, **CLI_ENV}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"the server exited with {proc.returncode}\n--- stdout\n{out}\n--- stderr\n{err}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    stop_server(proc)
    raise AssertionError(f"the server did not answer /health within {timeout} s")


def stop_server(proc: subprocess.Popen) -> str:
    """Stop the server (SIGINT, as Ctrl-C would) and return its stderr."""
    import signal

    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.stderr.read() if proc.stderr else ""


@pytest.fixture(scope="session")
def server(serve_model):
    """The URL of a running server on ``serve_model`` (small limits, so the limit tests stay small)."""
    proc, url = start_server(serve_model, "--max-batch", MAX_BATCH, "--max-text-bytes", MAX_TEXT_BYTES)
    yield url
    stderr = stop_server(proc)
    assert "Traceback" not in stderr, stderr


@pytest.fixture(scope="session")
def client(server):
    with httpx.Client(base_url=server, timeout=30) as c:
        yield c


@pytest.fixture(scope="session")
def test_texts(serve_model) -> pd.DataFrame:
    """The model's saved test rows (text and the probabilities computed at training time)."""
    return pd.read_parquet(serve_model / "predictions.parquet")
