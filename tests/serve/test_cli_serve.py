"""``multilabeltext serve`` as a command: help, user errors (exit 2, no traceback), several worker processes."""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from conftest import describe, run_cli

from .conftest import start_server, stop_server


def test_help_teaches_with_examples():
    result = run_cli("serve", "--help")
    assert result.exit_code == 0, describe(result)
    for words in ("Examples", "--model", "--max-batch", "--max-text-bytes", "--workers", "/docs", "curl"):
        assert words in result.stdout, words


@pytest.mark.parametrize("case", ["missing-dir", "not-a-model", "max-batch-zero", "bad-port", "bad-log-level",
                                  "port-in-use"])
def test_user_errors_are_messages_with_a_fix(case, serve_model, tmp_path):
    holder = None
    if case == "missing-dir":
        args = ["--model", tmp_path / "nope"]
    elif case == "not-a-model":
        args = ["--model", tmp_path]
    elif case == "max-batch-zero":
        args = ["--model", serve_model, "--max-batch", "0"]
    elif case == "bad-port":
        args = ["--model", serve_model, "--port", "70000"]
    elif case == "bad-log-level":
        args = ["--model", serve_model, "--log-level", "loud"]
    else:
        holder = socket.socket()
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        args = ["--model", serve_model, "--port", holder.getsockname()[1]]
    try:
        result = run_cli("serve", *args)
    finally:
        if holder is not None:
            holder.close()
    assert result.exit_code == 2, describe(result)
    assert "Fix:" in result.stderr and "Traceback" not in result.output, describe(result)


def test_two_worker_processes_both_answer(serve_model):
    proc, url = start_server(serve_model, "--workers", "2")
    try:
        def ask(i):
            return httpx.post(f"{url}/predict", json={"text": f"python list question {i}"}, timeout=30).status_code

        with ThreadPoolExecutor(4) as pool:
            assert list(pool.map(ask, range(20))) == [200] * 20
        pids = set()
        for _ in range(50):  # new connections are spread over the processes by the kernel
            pids.add(httpx.get(f"{url}/health", timeout=10).json()["pid"])
            if len(pids) == 2:
                break
        assert len(pids) == 2, pids
    finally:
        stderr = stop_server(proc)
    assert "Traceback" not in stderr, stderr



def test_workers_die_with_a_killed_supervisor(serve_model):
    """``serve --workers 2`` killed with -9: the port stops answering (issue 13, item 4)."""
    import os
    import signal
    import time

    proc, url = start_server(serve_model, "--workers", "2")
    pids = {httpx.get(f"{url}/health", timeout=10).json()["pid"] for _ in range(20)}
    try:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 15
        answered = True
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{url}/health", timeout=1)
            except httpx.TransportError:
                answered = False
                break
            time.sleep(0.2)
        assert not answered, "the workers kept serving after their supervisor was killed"
    finally:
        for pid in pids:  # never leave a server behind, whatever the outcome
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
