"""The HTTP connection handling of the service: uvicorn's h11 protocol with bounds on what a client may hold.

uvicorn's default parser (httptools) reads headers of any size, and neither parser times out a connection
that sends nothing or sends its request a byte at a time: 300 idle sockets exhausted the file descriptors,
and a 100 MB header slowed ``/health`` for everyone. :class:`GuardedH11Protocol` (passed to uvicorn as
``http=``) adds, per connection:

* ``max_header_bytes``: the whole request head (h11's ``max_incomplete_event_size``); beyond it, 400;
* ``max_headers``: the number of header lines; beyond it, 400;
* ``request_timeout``: a request (head and body) must arrive within this many seconds of its first byte,
  or of the connection (an idle socket is closed after it too); keep-alive gaps use uvicorn's own timeout.

The limits are class attributes set from :class:`~.settings.ServeSettings` by :func:`configure` before
uvicorn starts (in every worker process too), since uvicorn builds one protocol object per connection.
"""

from __future__ import annotations

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a request-arrival timeout and a bound on the number of headers."""

    request_timeout: float = 10.0
    max_headers: int = 100

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._arrival_timer = None
        parse = self.conn.next_event

        def next_event():  # h11 bounds the head's bytes, not its lines: count them here
            event = parse()
            if isinstance(event, h11.Request) and len(event.headers) > self.max_headers:
                raise h11.RemoteProtocolError(f"more than {self.max_headers} headers", error_status_hint=431)
            return event

        self.conn.next_event = next_event

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._start_arrival_timer()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.transport.is_closing():
            self._stop_arrival_timer()
        elif self.conn.their_state in (h11.IDLE, h11.SEND_BODY):  # a request is still arriving
            if self._arrival_timer is None:
                self._start_arrival_timer()
        else:  # the request is in: the app has it (keep-alive after the answer is uvicorn's timeout)
            self._stop_arrival_timer()

    def connection_lost(self, exc) -> None:
        self._stop_arrival_timer()
        super().connection_lost(exc)

    def _start_arrival_timer(self) -> None:
        self._arrival_timer = self.loop.call_later(self.request_timeout, self._arrival_timed_out)

    def _stop_arrival_timer(self) -> None:
        if self._arrival_timer is not None:
            self._arrival_timer.cancel()
            self._arrival_timer = None

    def _arrival_timed_out(self) -> None:
        self._arrival_timer = None
        if self.conn.their_state in (h11.IDLE, h11.SEND_BODY) and (self.cycle is None or self.cycle.response_complete):
            self.transport.close()  # idle, or too slow to send its request


def configure(settings) -> dict:
    """Set the protocol's limits from ``settings``; returns the uvicorn options that go with them."""
    GuardedH11Protocol.request_timeout = settings.request_timeout
    GuardedH11Protocol.max_headers = settings.max_headers
    return {"http": GuardedH11Protocol, "h11_max_incomplete_event_size": settings.max_header_bytes,
            "timeout_keep_alive": settings.keep_alive_timeout}
