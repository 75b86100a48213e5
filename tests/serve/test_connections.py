"""Bounded loopback test of what one client may hold (issue 13, item 6): header size and count, idle and slow
connections, and descriptor exhaustion by idle sockets. Every socket here talks to 127.0.0.1 only."""

from __future__ import annotations

import resource
import socket
import subprocess
import time

import httpx
import pytest

from .conftest import free_port, stop_server

REQUEST_TIMEOUT = 1.0


@pytest.fixture(scope="module")
def guarded_server(serve_model):
    """A server with a 1 s request timeout and at most 256 open files (as under `ulimit -n 256`)."""
    import os
    import sys

    from conftest import CLI_ENV, REPO

    port = free_port()

    def limit_files():
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))

    python = REPO / ".venv" / "bin" / "python"
    proc = subprocess.Popen([str(python if python.exists() else sys.executable), "-m", "multilabeltext", "serve",
                             "--model", str(serve_model), "--host", "127.0.0.1", "--port", str(port), "--log-level",
                             "warning", "--request-timeout", str(REQUEST_TIMEOUT)], cwd=REPO,
                            env={**os.environ, **CLI_ENV}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=limit_files)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    yield port
    stop_server(proc)


def connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    return sock


def closed_within(sock: socket.socket, seconds: float) -> bool:
    """Whether the server closes ``sock`` (reads return EOF or a reset) within ``seconds``."""
    sock.settimeout(seconds)
    started = time.monotonic()
    try:
        while time.monotonic() - started < seconds:
            if sock.recv(65536) == b"":
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False
    return False


def health_ms(port: int) -> float:
    started = time.perf_counter()
    assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=10).status_code == 200
    return (time.perf_counter() - started) * 1000


def test_an_idle_connection_is_closed(guarded_server):
    with connect(guarded_server) as sock:
        assert closed_within(sock, REQUEST_TIMEOUT + 3)


def test_a_slow_request_is_closed(guarded_server):
    with connect(guarded_server) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        started = time.monotonic()
        closed = False
        while time.monotonic() - started < REQUEST_TIMEOUT + 4:  # one header byte every 0.2 s: never finishes
            try:
                sock.sendall(b"X")
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            if closed_within(sock, 0.2):
                closed = True
                break
        assert closed, "the server kept a request that arrives a byte at a time"


def test_a_huge_header_is_refused_quickly(guarded_server):
    with connect(guarded_server) as sock:
        started = time.monotonic()
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ")
        try:
            for _ in range(64):  # up to 4 MB, stopping as soon as the server gives up on it
                sock.sendall(b"a" * 65536)
        except (BrokenPipeError, ConnectionResetError):
            pass
        sock.settimeout(5)
        try:
            answer = sock.recv(4096)
        except ConnectionResetError:
            answer = b""
        assert answer == b"" or answer.startswith(b"HTTP/1.1 4"), answer[:200]
        assert time.monotonic() - started < 5
    assert health_ms(guarded_server) < 2000


def test_too_many_headers_are_refused(guarded_server):
    headers = {f"x-h{i}": "1" for i in range(150)}
    response = httpx.get(f"http://127.0.0.1:{guarded_server}/health", headers=headers, timeout=10)
    assert response.status_code in (400, 431)
    assert httpx.get(f"http://127.0.0.1:{guarded_server}/health", headers=dict(list(headers.items())[:20]),
                     timeout=10).status_code == 200


def test_idle_sockets_beyond_the_file_limit_do_not_lock_everyone_out(guarded_server):
    idle = []
    try:
        for _ in range(300):  # more than the server's 256 descriptors
            try:
                idle.append(connect(guarded_server))
            except OSError:
                break
        deadline = time.monotonic() + REQUEST_TIMEOUT + 10
        answered = False
        while time.monotonic() < deadline and not answered:
            try:
                answered = httpx.get(f"http://127.0.0.1:{guarded_server}/health", timeout=2).status_code == 200
            except httpx.TransportError:
                time.sleep(0.2)
        assert answered, "/health never answered while idle sockets were open"
    finally:
        for sock in idle:
            sock.close()


def test_a_normal_keep_alive_client_still_works(guarded_server):
    with httpx.Client(base_url=f"http://127.0.0.1:{guarded_server}", timeout=10) as client:
        for _ in range(3):
            assert client.get("/health").status_code == 200
            time.sleep(REQUEST_TIMEOUT * 1.5)  # longer than the request timeout, shorter than keep-alive's 5 s
