"""Micro-batching: concurrent requests share one model call, computed in a worker thread.

Requests wait in an asyncio queue; a collector takes the first one, then whatever else arrives within
``max_wait_ms`` (up to ``max_batch`` texts in all), calls ``fn`` once on all their texts in a single worker
thread (so the event loop keeps accepting requests meanwhile), and scatters the rows back. While a batch is
computing, new requests pile up and form the next batch: the busier the service, the larger its batches.

Example:
    >>> import asyncio
    >>> async def demo():
    ...     calls = []
    ...     def double(items):
    ...         calls.append(len(items))
    ...         return [2 * x for x in items]
    ...     async with MicroBatcher(double, max_batch=100, max_wait_ms=20) as batcher:
    ...         answers = await asyncio.gather(batcher.submit([1, 2]), batcher.submit([3]))
    ...     return answers, calls
    >>> asyncio.run(demo())
    ([[2, 4], [6]], [3])
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field


class Overloaded(Exception):
    """More texts are waiting than the batcher accepts (``max_pending``); the caller should retry later."""


@dataclass
class _Job:
    items: Sequence
    future: asyncio.Future
    queued: float = field(default_factory=time.perf_counter)


@dataclass
class BatchStats:
    """Counters since start: model calls, texts, the largest batch (for /health and the benchmark)."""

    batches: int = 0
    texts: int = 0
    requests: int = 0
    largest_batch: int = 0
    busy_seconds: float = 0.0

    def to_dict(self) -> dict:
        mean = self.texts / self.batches if self.batches else 0.0
        return {"batches": self.batches, "texts": self.texts, "requests": self.requests,
                "largest_batch": self.largest_batch, "mean_batch": round(mean, 2),
                "busy_seconds": round(self.busy_seconds, 3)}


class MicroBatcher:
    """Collects ``submit``-ted item lists into batches of at most ``max_batch`` items for one ``fn`` call.

    ``fn(items) -> sequence`` must return one result per item, in order. A single submission larger than
    ``max_batch`` is still computed whole (on its own). ``max_pending`` bounds the items waiting: beyond it
    :meth:`submit` raises :class:`Overloaded` at once instead of queueing without limit.
    """

    def __init__(self, fn: Callable[[list], Sequence], *, max_batch: int = 1000, max_wait_ms: float = 0.0,
                 max_pending: int = 100_000):
        self.fn = fn
        self.max_batch = max_batch
        self.max_wait = max_wait_ms / 1000
        self.max_pending = max_pending
        self.pending = 0
        self.stats = BatchStats()
        self._queue: asyncio.Queue[_Job] | None = None
        self._task: asyncio.Task | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._carry: _Job | None = None

    async def start(self) -> MicroBatcher:
        self._queue = asyncio.Queue()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="model")
        self._task = asyncio.create_task(self._collect(), name="micro-batcher")
        return self

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    async def __aenter__(self) -> MicroBatcher:
        return await self.start()

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    async def submit(self, items: Sequence) -> list:
        """The results of ``fn`` for ``items``, computed together with whatever else is waiting."""
        if self._queue is None:
            raise RuntimeError("MicroBatcher.submit before start().")
        if not items:
            return []
        if self.pending + len(items) > self.max_pending and self.pending > 0:
            raise Overloaded(f"{self.pending} texts are already waiting (limit {self.max_pending}).")
        job = _Job(items, asyncio.get_running_loop().create_future())
        self.pending += len(items)
        self._queue.put_nowait(job)
        try:
            return await job.future
        finally:
            self.pending -= len(items)

    async def _next_batch(self) -> list[_Job]:
        first = self._carry or await self._queue.get()
        self._carry = None
        jobs, size = [first], len(first.items)
        deadline = time.perf_counter() + self.max_wait
        while size < self.max_batch:
            try:
                job = self._queue.get_nowait()
            except asyncio.QueueEmpty:
                remaining = deadline - time.perf_counter()
                if remaining <= 0:
                    break
                try:
                    job = await asyncio.wait_for(self._queue.get(), remaining)
                except TimeoutError:
                    break
            if size + len(job.items) > self.max_batch:
                self._carry = job  # starts the next batch
                break
            jobs.append(job)
            size += len(job.items)
        return [job for job in jobs if not job.future.done()]  # a client that gave up cancelled its future

    async def _collect(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            jobs = await self._next_batch()
            if not jobs:
                continue
            items = [item for job in jobs for item in job.items]
            started = time.perf_counter()
            try:
                results = await loop.run_in_executor(self._executor, self.fn, items)
                if len(results) != len(items):
                    raise RuntimeError(f"the batch function returned {len(results)} results for {len(items)} items.")
            except Exception as error:  # noqa: BLE001 - every waiting request gets the error, the loop goes on
                for job in jobs:
                    if not job.future.done():
                        job.future.set_exception(error)
                continue
            finally:
                self.stats.busy_seconds += time.perf_counter() - started
            self.stats.batches += 1
            self.stats.texts += len(items)
            self.stats.requests += len(jobs)
            self.stats.largest_batch = max(self.stats.largest_batch, len(items))
            start = 0
            for job in jobs:
                if not job.future.done():
                    job.future.set_result(results[start:start + len(job.items)])
                start += len(job.items)
