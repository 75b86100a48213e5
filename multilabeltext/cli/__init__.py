"""The ``multilabeltext`` command line: ``app`` with one module per command."""

from . import (  # noqa: F401  (each registers its command)
    evaluate,
    predict,
    prepare,
    train,
    word2vec,  # noqa: F401
)
from .common import app
from .prepare import processing_main

__all__ = ["app", "processing_main"]
