"""Settings of the HTTP service, :class:`multilabeltext.config.ServeSettings` (with the other stages'
settings): where it listens, how it batches, what it accepts.

Example:
    >>> ServeSettings(max_batch=64).max_body_bytes > 64 * ServeSettings().max_text_bytes
    True
    >>> ServeSettings(port=0)
    Traceback (most recent call last):
    ...
    multilabeltext.errors.ConfigError: port must be between 1 and 65535, got 0. Fix: pass e.g. --port 8000.
"""

from __future__ import annotations

from ..config import LOG_LEVELS, ServeSettings

__all__ = ["LOG_LEVELS", "ServeSettings"]
