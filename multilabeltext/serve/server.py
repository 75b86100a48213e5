"""Run the service with uvicorn: one process that batches requests, or ``workers`` processes (each loads the model).

Example (serves until Ctrl-C, so it is not run as a doctest)::

    serve("models/so-titles-linear", ServeSettings(port=8000))
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from ..listening import check_listen_address
from .settings import ServeSettings

ENV = "MULTILABELTEXT_SERVE"  # how worker processes learn the model directory and settings


def serve(model_dir: str | Path, settings: ServeSettings | None = None, *,
          announce: Callable[[str], None] | None = None) -> None:
    """Load ``model_dir``, check the address is free, then serve until interrupted (Ctrl-C stops cleanly).

    Raises :class:`~multilabeltext.errors.MultilabeltextError` for a missing or bad model directory, or an
    address already in use, before anything listens. ``announce`` receives one line with the URLs.
    """
    import uvicorn

    from ..modeldir import read_model_meta

    settings = settings or ServeSettings()
    model_dir = Path(model_dir)
    meta = read_model_meta(model_dir)
    check_listen_address(settings.host, settings.port)
    from .protocol import configure

    raise_file_limit()
    options = {"host": settings.host, "port": settings.port, "log_level": settings.log_level,
               "access_log": settings.access_log, "timeout_graceful_shutdown": 5, **configure(settings)}
    if settings.workers == 1:
        from .app import create_app

        target, extra = create_app(model_dir, settings), {}
    else:
        os.environ[ENV] = json.dumps({"model_dir": str(model_dir.resolve()), "settings": settings.to_dict(),
                                      "parent": os.getpid()})
        target, extra = "multilabeltext.serve.server:app_from_environment", {"factory": True,
                                                                            "workers": settings.workers}
    if announce:
        announce(f"Serving {model_dir} ({meta.get('model')} model) at {settings.url} with {settings.workers} "
                 f"worker{'s' if settings.workers > 1 else ''}; API docs at {settings.url}/docs")
    uvicorn.run(target, **options, **extra)


def app_from_environment():
    """The app a uvicorn worker process builds (``--workers`` > 1), from the settings :func:`serve` exported."""
    from ..signals import die_with_parent
    from .app import create_app

    spec = json.loads(os.environ[ENV])
    from .protocol import configure

    die_with_parent(spec.get("parent"))  # a worker never outlives the supervisor, even after kill -9
    settings = ServeSettings.from_dict(spec["settings"])
    configure(settings)  # this process's connection limits
    return create_app(spec["model_dir"], settings)


def raise_file_limit() -> None:
    """Raise this process's open-file limit to its hard limit: each connection holds one descriptor."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        if soft != resource.RLIM_INFINITY and soft < target:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ImportError, ValueError, OSError):
        pass
