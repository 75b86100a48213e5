"""The ``multilabeltext`` command line: ``app`` with one module per command.

Every module in this package except ``common`` registers its command on ``app`` when imported, so adding
a command means adding a module (``report.py``, ``serve.py``, ...). Commands keep heavy imports inside
their function bodies, so importing them all stays instant.
"""

import importlib
import pkgutil

from .common import app

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    if _module != "common":
        importlib.import_module(f"{__name__}.{_module}")

from .prepare import processing_main  # noqa: E402

__all__ = ["app", "processing_main"]
