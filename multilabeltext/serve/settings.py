"""Settings of the HTTP service: where it listens, how it batches, what it accepts.

Example:
    >>> ServeSettings(max_batch=64).max_body_bytes > 64 * ServeSettings().max_text_bytes
    True
    >>> ServeSettings(port=0)
    Traceback (most recent call last):
    ...
    multilabeltext.errors.ConfigError: port must be between 1 and 65535, got 0. Fix: pass e.g. --port 8000.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ..config import Settings, check

LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


@dataclass(frozen=True)
class ServeSettings(Settings):
    """Options of ``multilabeltext serve``.

    ``max_batch`` bounds both the texts of one request and the texts the micro-batcher joins into one
    model call; ``max_wait_ms`` is how long the batcher waits for more requests once one has arrived;
    ``max_pending`` is how many texts may wait before new requests get 503.
    """

    section: ClassVar[str] = "serve"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    max_batch: int = 1000
    max_text_bytes: int = 20_000
    max_wait_ms: float = 0.0
    max_pending: int = 20_000
    log_level: str = "info"
    access_log: bool = False
    request_timeout: float = 10.0  # seconds for a request to arrive (idle and slow connections are closed)
    keep_alive_timeout: float = 5.0  # seconds an idle keep-alive connection stays open between requests
    max_header_bytes: int = 65_536  # the whole request head (request line and headers)
    max_headers: int = 100  # header lines per request

    def __post_init__(self):
        check(isinstance(self.port, int) and 1 <= self.port <= 65535,
              f"port must be between 1 and 65535, got {self.port!r}.", "pass e.g. --port 8000.")
        check(isinstance(self.workers, int) and 1 <= self.workers <= 64,
              f"workers must be between 1 and 64, got {self.workers!r}.",
              "pass --workers 1 (one process; it batches requests), or up to one per core.")
        check(isinstance(self.max_batch, int) and self.max_batch >= 1,
              f"max_batch must be >= 1, got {self.max_batch!r}.", "pass e.g. --max-batch 1000.")
        check(isinstance(self.max_text_bytes, int) and self.max_text_bytes >= 1,
              f"max_text_bytes must be >= 1, got {self.max_text_bytes!r}.", "pass e.g. --max-text-bytes 20000.")
        check(0 <= self.max_wait_ms <= 1000, f"max_wait_ms must be between 0 and 1000, got {self.max_wait_ms!r}.",
              "pass e.g. --max-wait-ms 2.")
        check(isinstance(self.max_pending, int) and self.max_pending >= self.max_batch,
              f"max_pending must be >= max_batch ({self.max_batch}), got {self.max_pending!r}.",
              f"pass e.g. --max-pending {max(20_000, self.max_batch if isinstance(self.max_batch, int) else 0)}.")
        check(self.log_level in LOG_LEVELS, f"log_level must be one of {', '.join(LOG_LEVELS)}, got "
              f"{self.log_level!r}.", "pass e.g. --log-level info.")
        check(bool(self.host), "host must not be empty.", "pass e.g. --host 127.0.0.1.")
        for name, low, high in (("request_timeout", 0.1, 3600), ("keep_alive_timeout", 0.1, 3600)):
            value = getattr(self, name)
            check(isinstance(value, (int, float)) and low <= value <= high,
                  f"{name} must be between {low} and {high} seconds, got {value!r}.",
                  f"pass e.g. --{name.replace('_', '-')} {getattr(ServeSettings, name)}.")
        check(isinstance(self.max_header_bytes, int) and 1024 <= self.max_header_bytes <= 16 << 20,
              f"max_header_bytes must be between 1024 and 16 MB, got {self.max_header_bytes!r}.",
              "pass e.g. --max-header-bytes 65536.")
        check(isinstance(self.max_headers, int) and 1 <= self.max_headers <= 10_000,
              f"max_headers must be between 1 and 10000, got {self.max_headers!r}.", "pass e.g. --max-headers 100.")

    @property
    def max_body_bytes(self) -> int:
        """The largest request body read: a full batch of the longest texts, JSON escapes allowed for."""
        return 2 * self.max_batch * (self.max_text_bytes + 16) + 65_536

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"
