"""Ordered parallel map over batches with bounded memory (at most a few batches in flight).

Example:
    >>> list(ordered_map(len, iter(["ab", "c"]), jobs=1))
    [2, 1]
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def resolve_jobs(jobs: int) -> int:
    """``jobs`` worker processes, at most one per CPU core available to this process; 0 means one per core
    (more would only add processes and memory: ``jobs=100000`` once started 103 processes)."""
    try:
        cores = max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return min(jobs, cores) if jobs > 0 else cores


def ordered_map(fn: Callable[[T], R], items: Iterable[T], jobs: int = 1, in_flight: int | None = None) -> Iterator[R]:
    """``map(fn, items)`` in ``jobs`` worker processes, results in input order, ``in_flight`` items queued.

    ``fn`` must be a module-level function (it is sent to spawned workers by name).
    """
    if jobs <= 1:
        yield from map(fn, items)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from .signals import die_with_parent

    in_flight = in_flight or 2 * jobs
    pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"), initializer=die_with_parent,
                               initargs=(os.getpid(),))
    try:
        pending: deque = deque()
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) >= in_flight:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    except BaseException:  # Ctrl-C, SIGTERM, an error, or the consumer stopped: stop the workers now
        _terminate(pool)
        raise
    pool.shutdown(wait=True)


def _terminate(pool) -> None:
    """Cancel what is queued and end the workers at once (``shutdown`` alone waits for running tasks)."""
    processes = list(getattr(pool, "_processes", {}).values())  # private, but the only handle on the workers
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)
