"""The micro-batcher on its own: joining, limits, order, errors, overload (no server, no model)."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from multilabeltext.serve.batching import MicroBatcher, Overloaded


def run(coro):
    return asyncio.run(coro)


def test_concurrent_submissions_share_calls_and_get_their_own_rows_back():
    calls = []

    def fn(items):
        calls.append(list(items))
        time.sleep(0.01)
        return [x * 10 for x in items]

    async def main():
        async with MicroBatcher(fn, max_batch=8, max_wait_ms=5) as batcher:
            jobs = [batcher.submit(list(range(i, i + 3))) for i in range(0, 30, 3)]
            return await asyncio.gather(*jobs), batcher.stats.to_dict()

    answers, stats = run(main())
    assert answers == [[x * 10 for x in range(i, i + 3)] for i in range(0, 30, 3)]
    assert all(len(call) <= 8 for call in calls)  # 3-item jobs: at most two per call under max_batch=8
    assert len(calls) == 5 and stats["requests"] == 10 and stats["texts"] == 30 and stats["largest_batch"] == 6


def test_a_submission_over_max_batch_is_computed_whole_and_alone():
    calls = []

    async def main():
        async with MicroBatcher(lambda items: calls.append(len(items)) or list(items), max_batch=4) as batcher:
            return await asyncio.gather(batcher.submit(list(range(10))), batcher.submit([1]))

    big, small = run(main())
    assert big == list(range(10)) and small == [1] and sorted(calls) == [1, 10]


def test_the_model_runs_off_the_event_loop_thread():
    threads = []

    async def main():
        async with MicroBatcher(lambda items: threads.append(threading.get_ident()) or items) as batcher:
            await batcher.submit(["a"])

    run(main())
    assert threads and threads[0] != threading.get_ident()


def test_an_error_reaches_every_request_of_its_batch_and_the_batcher_goes_on():
    def fn(items):
        if "boom" in items:
            raise ValueError("boom")
        return items

    async def main():
        async with MicroBatcher(fn, max_batch=10, max_wait_ms=20) as batcher:
            results = await asyncio.gather(batcher.submit(["a"]), batcher.submit(["boom"]), return_exceptions=True)
            return results, await batcher.submit(["after"])

    results, after = run(main())
    assert all(isinstance(r, ValueError) for r in results) and after == ["after"]


def test_wrong_result_count_is_an_error_not_a_silent_mismatch():
    async def main():
        async with MicroBatcher(lambda items: items[:-1]) as batcher:
            await batcher.submit(["a", "b"])

    with pytest.raises(RuntimeError, match="returned 1 results for 2 items"):
        run(main())


def test_overload_is_refused_at_once():
    release = threading.Event()

    async def main():
        async with MicroBatcher(lambda items: release.wait(5) and items, max_batch=2, max_pending=4) as batcher:
            first = asyncio.ensure_future(batcher.submit(["a", "b", "c"]))
            await asyncio.sleep(0.01)
            with pytest.raises(Overloaded):
                await batcher.submit(["d", "e"])
            release.set()
            return await first

    assert run(main()) == ["a", "b", "c"]
