"""The status cache: TTL, invalidation by this process's writes, one computation per burst."""

from __future__ import annotations

import asyncio

import pytest

from bot.services.cache import SingleFlightCache


class Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


class Counter:
    """A computation whose result says how many computations ran so far."""

    def __init__(self) -> None:
        self.runs = 0
        self.release = asyncio.Event()

    async def __call__(self) -> int:
        self.runs += 1
        mine = self.runs
        await self.release.wait()
        return mine


async def test_an_entry_lives_for_the_ttl() -> None:
    clock = Clock()
    cache: SingleFlightCache[str] = SingleFlightCache(ttl=2.0, monotonic=clock)
    cache.put("k", "v", generation=cache.generation)

    clock.now += 1.99
    kept = cache.get("k")
    clock.now += 0.01

    assert kept == "v"
    assert cache.get("k") is None


async def test_a_write_drops_everything_and_a_value_computed_across_it_is_not_kept() -> None:
    cache: SingleFlightCache[str] = SingleFlightCache(ttl=2.0, monotonic=Clock())
    cache.put("a", "old", generation=cache.generation)
    before_write = cache.generation

    cache.invalidate()
    cache.put("b", "computed before the write ended", generation=before_write)

    assert cache.get("a") is None
    assert cache.get("b") is None


async def test_a_ttl_of_zero_keeps_nothing() -> None:
    cache: SingleFlightCache[str] = SingleFlightCache(ttl=0, monotonic=Clock())
    cache.put("k", "v", generation=cache.generation)

    assert cache.get("k") is None


async def test_the_least_recently_used_entries_go_first() -> None:
    cache: SingleFlightCache[int] = SingleFlightCache(ttl=10, max_entries=2, monotonic=Clock())
    cache.put("a", 1, generation=0)
    cache.put("b", 2, generation=0)
    assert cache.get("a") == 1
    cache.put("c", 3, generation=0)

    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)


async def test_concurrent_callers_share_one_computation() -> None:
    cache: SingleFlightCache[int] = SingleFlightCache(ttl=2.0, monotonic=Clock())
    compute = Counter()

    waiting = [asyncio.create_task(cache.get_or_compute("k", compute)) for _ in range(20)]
    await asyncio.sleep(0)
    compute.release.set()
    results = await asyncio.gather(*waiting)
    later = await cache.get_or_compute("k", compute)

    assert results == [1] * 20
    assert later == 1


async def test_a_caller_after_a_write_does_not_wait_for_an_older_computation() -> None:
    cache: SingleFlightCache[int] = SingleFlightCache(ttl=2.0, monotonic=Clock())
    compute = Counter()
    before = asyncio.create_task(cache.get_or_compute("k", compute))
    await asyncio.sleep(0)

    cache.invalidate()  # e.g. the person's click was just stored
    after = asyncio.create_task(cache.get_or_compute("k", compute))
    await asyncio.sleep(0)
    compute.release.set()

    assert (await before, await after) == (1, 2)
    assert await cache.get_or_compute("k", compute) == 2


async def test_a_failure_reaches_every_waiting_caller_and_is_not_kept() -> None:
    cache: SingleFlightCache[int] = SingleFlightCache(ttl=2.0, monotonic=Clock())
    release = asyncio.Event()

    async def broken() -> int:
        await release.wait()
        raise RuntimeError("database gone")

    callers = [asyncio.create_task(cache.get_or_compute("k", broken)) for _ in range(3)]
    await asyncio.sleep(0)
    release.set()
    outcomes = await asyncio.gather(*callers, return_exceptions=True)

    assert [str(o) for o in outcomes] == ["database gone"] * 3
    assert cache.get("k") is None


async def test_when_the_computing_caller_is_cancelled_a_waiting_one_computes() -> None:
    cache: SingleFlightCache[int] = SingleFlightCache(ttl=2.0, monotonic=Clock())
    compute = Counter()
    first = asyncio.create_task(cache.get_or_compute("k", compute))
    await asyncio.sleep(0)
    second = asyncio.create_task(cache.get_or_compute("k", compute))
    await asyncio.sleep(0)

    first.cancel()
    await asyncio.sleep(0)
    compute.release.set()

    with pytest.raises(asyncio.CancelledError):
        await first
    assert await second == 2


async def test_an_entry_in_the_second_half_of_its_life_is_served_and_refreshed() -> None:
    clock = Clock()
    cache: SingleFlightCache[int] = SingleFlightCache(ttl=2.0, monotonic=clock)
    compute = Counter()
    compute.release.set()
    assert await cache.get_or_compute("k", compute) == 1

    clock.now += 1.5
    served = await cache.get_or_compute("k", compute)  # no wait: the refresh runs behind
    for _ in range(5):
        await asyncio.sleep(0)
    clock.now += 1.0  # 2.5 s after the first value, 1 s after the refresh

    assert served == 1
    assert cache.get("k") == 2
