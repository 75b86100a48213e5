"""The one check of a server's listening address, shared by ``serve`` and ``dashboard``."""

from __future__ import annotations

import socket

import pytest

from multilabeltext.errors import ConfigError
from multilabeltext.listening import check_listen_address, is_loopback


@pytest.mark.parametrize("port", [0, 65536, -1, True, "8000"])
def test_a_port_out_of_range_is_refused(port):
    with pytest.raises(ConfigError, match="from 1 to 65535"):
        check_listen_address("127.0.0.1", port)


def test_a_port_in_use_is_refused_and_a_free_one_passes():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(ConfigError, match=f"port {port} on 127.0.0.1 is already in use") as info:
            check_listen_address("127.0.0.1", port)
        assert f"--port {port + 1}" in info.value.fix
    check_listen_address("127.0.0.1", port)  # released: free again


def test_a_port_a_stopped_server_left_in_time_wait_is_free():
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = server.accept()
    accepted.close()  # the server side closes first: its end of the connection goes to TIME_WAIT
    client.close()
    server.close()
    check_listen_address("127.0.0.1", port)


def test_loopback_hosts():
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("::")
