"""The scheduler's lanes: a workspace's items in turn, workspaces side by side, a backlog bound."""

from __future__ import annotations

import asyncio

import pytest

from bot.delivery.lanes import WorkspaceLanes


def _unexpected(exc: Exception) -> None:
    raise AssertionError(f"an item failed: {exc!r}")


async def test_a_workspace_s_items_go_in_turn_and_workspaces_side_by_side() -> None:
    done: list[str] = []
    running: set[str] = set()
    most = 0

    async def work(item: str) -> None:
        nonlocal most
        workspace = item[0]
        assert workspace not in running  # never two of one workspace at once
        running.add(workspace)
        most = max(most, len(running))
        await asyncio.sleep(0.01)
        running.discard(workspace)
        done.append(item)

    lanes: WorkspaceLanes[str] = WorkspaceLanes(work, width=2, failed=_unexpected)
    for item in ("a1", "b1", "a2", "c1", "b2", "a3"):
        await lanes.put(item, workspace=item[0])
    await lanes.join()

    assert sorted(done) == ["a1", "a2", "a3", "b1", "b2", "c1"]
    assert [i for i in done if i[0] == "a"] == ["a1", "a2", "a3"]
    assert most == 2  # two workspaces at once: the width


async def test_work_starts_while_items_are_still_being_put_and_the_backlog_holds_the_putter() -> (
    None
):
    started: list[str] = []
    release = asyncio.Event()

    async def work(item: str) -> None:
        started.append(item)
        await release.wait()

    lanes: WorkspaceLanes[str] = WorkspaceLanes(work, width=1, failed=_unexpected, backlog=2)
    await lanes.put("a1", workspace="a")
    await asyncio.sleep(0)
    assert started == ["a1"]  # the first item is at work before the next is put
    await lanes.put("b1", workspace="b")
    await lanes.put("c1", workspace="c")  # two wait for the one place: the backlog is full
    putting = asyncio.create_task(lanes.put("d1", workspace="d"))
    await asyncio.sleep(0.01)
    assert not putting.done()
    release.set()
    await putting
    await lanes.join()
    assert started == ["a1", "b1", "c1", "d1"]


async def test_a_failed_item_is_reported_and_its_lane_goes_on() -> None:
    failures: list[Exception] = []
    done: list[str] = []

    async def work(item: str) -> None:
        if item == "a1":
            raise RuntimeError("boom")
        done.append(item)

    lanes: WorkspaceLanes[str] = WorkspaceLanes(work, width=4, failed=failures.append)
    for item in ("a1", "a2", "b1"):
        await lanes.put(item, workspace=item[0])
    await lanes.join()

    assert [str(f) for f in failures] == ["boom"]
    assert sorted(done) == ["a2", "b1"]


async def test_cancelling_the_join_cancels_the_lanes() -> None:
    cancelled: list[str] = []

    async def work(item: str) -> None:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.append(item)
            raise

    lanes: WorkspaceLanes[str] = WorkspaceLanes(work, width=4, failed=_unexpected)
    await lanes.put("a1", workspace="a")
    await lanes.put("b1", workspace="b")
    joining = asyncio.create_task(lanes.join())
    await asyncio.sleep(0.01)
    joining.cancel()
    with pytest.raises(asyncio.CancelledError):
        await joining
    assert sorted(cancelled) == ["a1", "b1"]
