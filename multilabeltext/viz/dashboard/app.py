"""Build the dashboard app for a model directory, and serve it on localhost.

Example (``serve_dashboard`` blocks until Ctrl-C, so this is not run as a doctest)::

    app = build_app("models/so-titles-linear")          # a dash.Dash app, e.g. to embed or test
    serve_dashboard("models/so-titles-linear", port=8050, on_ready=print)   # prints http://127.0.0.1:8050/
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from ...errors import ConfigError
from ...listening import check_listen_address, is_loopback


def build_app(model_dir: str | Path, *, data=None):
    """A ``dash.Dash`` app showing ``model_dir`` (loaded once; ``data``: an already loaded ``DashboardData``)."""
    import dash

    from .callbacks import MAX_REQUEST_BYTES, register
    from .data import DashboardData
    from .layout import INDEX_STRING, build_layout

    data = data if data is not None else DashboardData.load(model_dir)
    app = dash.Dash(__name__, title=f"multilabeltext: {data.description['name']}", include_assets_files=False,
                    update_title=None, serve_locally=True)
    app.index_string = INDEX_STRING
    app.server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES  # bigger request bodies get 413, unread
    app.layout = build_layout(data)
    register(app, data)
    app.dashboard_data = data  # for tests and embedding
    return app


def dashboard_url(host: str, port: int) -> str:
    """The address to open in a browser (``0.0.0.0`` / ``::`` listen everywhere: show localhost).

    Example:
        >>> dashboard_url("0.0.0.0", 8050)
        'http://127.0.0.1:8050/'
    """
    shown = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}.get(host, host)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def serve_dashboard(model_dir: str | Path, *, host: str = "127.0.0.1", port: int = 8050, debug: bool = False,
                    on_ready: Callable[[str], None] | None = None) -> None:
    """Load ``model_dir``, check the port, call ``on_ready(url)``, then serve until Ctrl-C (blocks).

    ``debug`` turns on Dash's dev tools (error pop-ups, callback graph) and request logging; no reloader. Its
    Werkzeug debugger runs Python code typed into an error page, for anyone who reaches the port: it is refused
    on an address other than loopback.
    """
    if debug and not is_loopback(host):
        raise ConfigError(f"--debug on host {host!r} would let anyone who reaches the port run code on this "
                          "machine (the Werkzeug debugger).", fix="use --debug only with --host 127.0.0.1, or "
                          "leave out --debug.")
    check_listen_address(host, port)
    app = build_app(model_dir)
    if not debug:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        app.logger.setLevel(logging.WARNING)
    if on_ready is not None:
        on_ready(dashboard_url(host, port))
    app.run(host=host, port=port, debug=debug, use_reloader=False)
