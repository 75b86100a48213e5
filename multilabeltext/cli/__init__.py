"""The ``multilabeltext`` command line: ``app`` with one module per command."""

from . import prepare  # noqa: F401  (registers the command)
from .common import app
from .prepare import processing_main

__all__ = ["app", "processing_main"]
