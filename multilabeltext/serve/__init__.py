"""The HTTP API: a model directory behind FastAPI + uvicorn, with micro-batching and strict input checks.

Modules: :mod:`.settings` (``ServeSettings``), :mod:`.schemas` (request/response bodies), :mod:`.batching`
(the micro-batcher), :mod:`.problems` (JSON errors), :mod:`.app` (``create_app``), :mod:`.server` (``serve``).
Importing this package is cheap; FastAPI and uvicorn load when an app is built or served.

Example:
    >>> from multilabeltext.serve import ServeSettings
    >>> ServeSettings(port=8080).url
    'http://127.0.0.1:8080'
"""

from .settings import ServeSettings

__all__ = ["ServeSettings"]
