"""Stopping cleanly: SIGTERM behaves like Ctrl-C, and worker processes die with their parent.

* :func:`terminate_like_interrupt` makes SIGTERM (what ``kill``, ``timeout`` and job schedulers send) raise
  :class:`KeyboardInterrupt` in the main thread, so the same clean-up runs as for Ctrl-C: temporary
  directories removed, joblib/loky workers terminated, semaphores released, exit code 130.
* :func:`die_with_parent` (called first thing in every worker process this package starts) asks Linux to
  kill the worker when its parent dies, even by ``kill -9``; elsewhere it does nothing.

Example:
    >>> terminate_like_interrupt()  # in a command's entry point
"""

from __future__ import annotations

import os
import signal
import sys
import threading

PR_SET_PDEATHSIG = 1


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def terminate_like_interrupt() -> None:
    """SIGTERM raises :class:`KeyboardInterrupt` (main thread only; a no-op elsewhere)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _raise_interrupt)


def die_with_parent(parent_pid: int | None = None, signum: int = signal.SIGKILL) -> None:
    """Have this process killed by ``signum`` when its parent exits (Linux ``prctl``); exit now if the
    parent (``parent_pid``, when known) is already gone."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if parent_pid is not None and os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)
