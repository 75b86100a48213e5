"""Checks of the address a server will listen on (``serve`` and ``dashboard``), before anything is loaded.

Example:
    >>> try:
    ...     check_listen_address("127.0.0.1", 70000)
    ... except ConfigError as exc:
    ...     print(exc.what)
    port must be a number from 1 to 65535, got 70000.
    >>> is_loopback("127.0.0.1"), is_loopback("0.0.0.0"), is_loopback("::1")
    (True, False, True)
"""

from __future__ import annotations

import errno
import ipaddress
import socket

from .errors import ConfigError


def check_listen_address(host: str, port: int) -> None:
    """Raise :class:`ConfigError` when ``host:port`` cannot be listened on: a port out of range, a host that
    does not resolve or is not an address of this machine, or a port already in use.

    The probe sets ``SO_REUSEADDR`` as uvicorn and Werkzeug do, so a port left in TIME_WAIT by a server that
    just stopped is not reported as taken.
    """
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ConfigError(f"port must be a number from 1 to 65535, got {port!r}.", fix="pass e.g. --port 8050.")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ConfigError(f"cannot resolve host {host!r} ({exc.strerror}).",
                          fix="pass --host 127.0.0.1 (this machine only) or --host 0.0.0.0 (all interfaces).") from None
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            what = "is already in use" if exc.errno == errno.EADDRINUSE else f"cannot be opened ({exc.strerror})"
            raise ConfigError(f"port {port} on {host} {what}.",
                              fix=f"pass another port, e.g. --port {port + 1}, or stop the program using it.") from None


def is_loopback(host: str) -> bool:
    """Whether every address ``host`` names is this machine's loopback (127.0.0.0/8, ::1)."""
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return False
    addresses = {info[4][0] for info in infos}
    return bool(addresses) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses)
