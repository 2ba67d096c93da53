"""The release use cases: a hook's secret encrypted at rest (SDO_ENCRYPTION_KEY) and read back,
rotate keeping the key and changing the secret, a release asked in working hours and spaced an
hour from another, a replay recorded once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from cryptography.fernet import Fernet
from sqlalchemy import text

from bot.clock import FrozenClock
from bot.domain.views import PersonInfo
from bot.services import Services
from storage.db import Database
from storage.installations import ENCRYPTED_PREFIX, TokenCipher

WS = "T1"
MEMBERS = [PersonInfo(f"U{i}", f"person {i}", "UTC") for i in range(3)]


async def test_secrets_are_encrypted_at_rest_and_rotate(db: Database, clock: FrozenClock) -> None:
    services = Services(db=db, clock=clock)
    services.releases.use_cipher(TokenCipher(Fernet.generate_key().decode()))
    team, _, _ = await services.teams.setup(
        workspace_id=WS, channel_id="C1", channel_name="alpha", caller=MEMBERS[0], people=MEMBERS
    )
    hook = await services.releases.hook(team=team)
    async with db.read() as s:
        (stored,) = (await s.execute(text("SELECT secret FROM release_hook"))).scalars()
    assert stored.startswith(ENCRYPTED_PREFIX)
    assert hook.secret not in stored
    found = await services.releases.by_key(hook.key)
    assert found is not None
    assert (found[0].id, found[1]) == (team.id, hook.secret)
    assert await services.releases.by_key("nope") is None
    rotated = await services.releases.hook(team=team, rotate=True)
    assert rotated.key == hook.key
    assert rotated.secret != hook.secret
    found = await services.releases.by_key(hook.key)
    assert found is not None
    assert found[1] == rotated.secret


async def test_releases_are_asked_in_working_hours_one_an_hour(
    db: Database, clock: FrozenClock
) -> None:
    services = Services(db=db, clock=clock)
    team, _, _ = await services.teams.setup(
        workspace_id=WS, channel_id="C1", channel_name="alpha", caller=MEMBERS[0], people=MEMBERS
    )
    assert team.tz == "UTC"
    clock.set(datetime(2026, 12, 12, 10, tzinfo=UTC))  # a Saturday
    first = await services.releases.receive(team=team, delivery_id="a", name="v1", source="x")
    assert first.outcome == "new"
    assert first.ask_at == datetime(2026, 12, 14, 9, tzinfo=UTC)  # Monday 09:00
    assert (
        await services.releases.receive(team=team, delivery_id="a", name="v1", source="x")
    ).outcome == "replay"
    # Sunday evening: asked Monday 09:00 too, within the hour of the first: asks nobody.
    clock.set(datetime(2026, 12, 13, 20, tzinfo=UTC))
    second = await services.releases.receive(team=team, delivery_id="b", name="v2", source="x")
    assert second.outcome == "spaced"
    # Monday 10:30: more than an hour after the first asked.
    clock.set(datetime(2026, 12, 14, 10, 30, tzinfo=UTC))
    third = await services.releases.receive(team=team, delivery_id="c", name="v3", source="x")
    assert third.outcome == "new"
    assert third.ask_at == clock.now()
    assert await services.releases.open_due() == 2  # v1 and v3; v2 never
    assert await services.releases.open_due() == 0
    clock.set(clock.now() + timedelta(days=1))
    assert await services.releases.open_due() == 0


async def test_releases_reported_at_once_ask_once_in_the_hour(
    db: Database, clock: FrozenClock
) -> None:
    # A CI publishing eight packages at once: eight hook deliveries in the same moment.
    services = Services(db=db, clock=clock)
    team, _, _ = await services.teams.setup(
        workspace_id=WS, channel_id="C1", channel_name="alpha", caller=MEMBERS[0], people=MEMBERS
    )
    clock.set(datetime(2026, 12, 14, 10, 30, tzinfo=UTC))  # a Monday, in working hours
    received = await asyncio.gather(
        *(
            services.releases.receive(team=team, delivery_id=f"d{i}", name=f"v{i}", source="x")
            for i in range(8)
        )
    )
    assert sorted(r.outcome for r in received) == ["new", *["spaced"] * 7]
    assert await services.releases.open_due() == 1
