"""Teams addresses (``storage.teams_addresses``), on SQLite and PostgreSQL: long Teams ids fit,
a re-save refreshes in place, and forgetting a workspace removes them."""

from __future__ import annotations

from bot.clock import FrozenClock
from storage import teams, teams_addresses
from storage.db import Database
from tests.storage.conftest import RowReader

WS = "msteams:72f988bf-86f1-41af-91ab-2d7cd011db47"
# Real Teams ids are this long (and longer): the columns must hold them.
USER = "29:1GcS4EyB_oSI8A88XmWBN7NJFyMqe3QGnJdgLfFGkJnVelzRGos0bAbrOXQ2JpRrQ1z5H8A__NLNbYFzZ9qtW6A"
CHAT = "a:1Hv0kVnJkV3iHiXoXhMzp1m1k7yQ0nWc-7r6b8d3x8_5gZqXJ0nq0sRFzGZBq9oVt0Zy2xkFPBk0Lq_3nHzJ5b6"
CHANNEL = "19:c1b2a3d4e5f60718293a4b5c6d7e8f90@thread.tacv2"


async def test_chats_are_saved_once_per_member_and_refreshed_in_place(
    db: Database, clock: FrozenClock, rows: RowReader
) -> None:
    async with db.write() as s:
        await teams_addresses.save_chat(
            s,
            workspace_id=WS,
            user_id=USER,
            conversation_id=CHAT,
            service_url="https://a/",
            now=clock.now(),
        )
        await teams_addresses.save_chat(
            s,
            workspace_id=WS,
            user_id=USER,
            conversation_id=CHAT,
            service_url="https://b/",
            now=clock.now(),
        )
    async with db.read() as s:
        found = await teams_addresses.chats(s, workspace_id=WS, user_ids=[USER, "29:other"])
    assert list(found) == [USER]
    assert found[USER].conversation_id == CHAT
    assert found[USER].service_url == "https://b/"
    assert len(await rows("teams_chat")) == 1


async def test_channels_keep_their_name_and_forgetting_a_teams_team_counts_what_is_left(
    db: Database, clock: FrozenClock
) -> None:
    async with db.write() as s:
        for channel_id, team_id in ((CHANNEL, "19:team-a"), ("19:team-b", "19:team-b")):
            await teams_addresses.save_channel(
                s,
                workspace_id=WS,
                channel_id=channel_id,
                teams_team_id=team_id,
                name="Delivery",
                service_url="https://a/",
                now=clock.now(),
            )
        await teams_addresses.save_channel(
            s,
            workspace_id=WS,
            channel_id=CHANNEL,
            teams_team_id="19:team-a",
            name="",
            service_url="https://a/",
            now=clock.now(),
        )
    async with db.write() as s:
        known = await teams_addresses.channel(s, workspace_id=WS, channel_id=CHANNEL)
        left = await teams_addresses.forget_teams_team(
            s, workspace_id=WS, teams_team_id="19:team-a"
        )
        gone = await teams_addresses.channel(s, workspace_id=WS, channel_id=CHANNEL)
    assert known is not None
    assert known.name == "Delivery"
    assert known.teams_team_id == "19:team-a"
    assert left == 1
    assert gone is None


async def test_a_picture_is_stored_once_and_deleted_with_its_workspace(
    db: Database, clock: FrozenClock, rows: RowReader
) -> None:
    async with db.write() as s:
        first = await teams_addresses.save_picture(
            s, key="k1", workspace_id=WS, png=b"\x89PNG-one", now=clock.now()
        )
        again = await teams_addresses.save_picture(
            s, key="k1", workspace_id=WS, png=b"\x89PNG-two", now=clock.now()
        )
        await teams_addresses.save_tenant(
            s,
            workspace_id=WS,
            tenant_id=WS.split(":")[1],
            service_url="https://a/",
            bot_id="28:b",
            now=clock.now(),
        )
    async with db.read() as s:
        png = await teams_addresses.picture(s, key="k1")
        assert (await teams_addresses.tenant(s, workspace_id=WS)) is not None
    assert (first, again, png) == (True, False, b"\x89PNG-one")

    async with db.write() as s:
        await teams.delete_workspace(s, workspace_id=WS)
    for table in ("picture", "teams_tenant", "teams_chat", "teams_channel"):
        assert await rows(table) == []
