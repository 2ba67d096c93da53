"""Teams under stress, over real HTTP both ways, on SQLite and PostgreSQL: requests without a
valid token are refused before anything is stored or sent; a 429 storm, passing failures and a
fan-out cut off mid-way (then a restart) still reach every member exactly once; two tenants see
and change nothing of each other, and the bot removed from a tenant deletes that tenant only.

What the bot sent is what reached the fake Bot Connector (``FakeTeams``); rows are read back
from the database.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import jwt
import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from microsoft_agents.hosting.core.authorization.jwt.jwt_token_validator import (
    JwtTokenValidator,
    _JwkClientManager,
)
from sqlalchemy import text

from bot.config import ConfigError, Settings
from bot.delivery.fanout import RETRY_DELAY
from bot.sandbox.faketeams import (
    FakeTeams,
    Op,
    Team,
    TeamsSimulator,
    User,
    actions,
    activities,
    card_of,
)
from bot.sandbox.simulator import TravelClock
from bot.sandbox.teams_app import TeamsApp
from bot.server import build_web_app
from bot.teams.addresses import workspace_of
from bot.teams.cards.note import NOTE_SAVED_TEXT
from bot.teams.listeners.cards import NOT_ASKED_TEXT
from storage.db import Database
from tests.support.rows import WORKSPACE_DATA_TABLES

APP_ID = "00000000-0000-4000-8000-0000000000a1"
# A Tuesday noon: far from the default schedule's pulse (Thursday), reminder (Friday) and
# close (Monday), so no tick of these tests opens, reminds or closes a round of its own.
TUESDAY_NOON = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)


# --- helpers -------------------------------------------------------------------------------


def _last_reply(fake: FakeTeams) -> str:
    return json.dumps(fake.sent[-1].body)


async def _rows(db_url: str, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    db = Database(db_url)
    try:
        async with db.read() as s:
            return [tuple(r) for r in (await s.execute(text(sql), params)).all()]
    finally:
        await db.dispose()


async def _workspace_rows(db_url: str, workspace_id: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row a workspace owns, table by table."""
    return {
        t: await _rows(
            db_url, f"SELECT * FROM {t} WHERE workspace_id = :w ORDER BY 1, 2", w=workspace_id
        )
        for t in WORKSPACE_DATA_TABLES
    }


async def _all_rows(db_url: str) -> dict[str, int]:
    return {
        t: (await _rows(db_url, f"SELECT count(*) FROM {t}"))[0][0] for t in WORKSPACE_DATA_TABLES
    }


async def _deliveries(db_url: str) -> dict[str, int]:
    return dict(await _rows(db_url, "SELECT status, count(*) FROM delivery GROUP BY status"))


def _pulse_cards(fake: FakeTeams, user: User) -> list[dict[str, Any]]:
    """The pulse cards in the member's 1:1 chat with the bot."""
    return [
        a
        for a in fake.dm_of(user)
        if any(b.get("verb") == "sdo.answer" for b in actions(a.get("attachments") or []))
    ]


def _sends_per_member(fake: FakeTeams, members: list[User]) -> dict[str, int]:
    """Activities the connector accepted into each member's 1:1 chat (every send counts)."""
    chat_of = {user_id: chat for chat, user_id in fake.personal_chats.items()}
    per_chat = Counter(s.conversation_id for s in fake.sent if s.kind == "send")
    return {m.id: per_chat[chat_of[m.id]] if m.id in chat_of else 0 for m in members}


def _to_personal_chat(fake: FakeTeams) -> Any:
    """A predicate: the bot opening a 1:1 chat or sending into one (the pulse DMs)."""

    def matches(op: Op) -> bool:
        if op.operation == "create_conversation":
            return not op.body.get("isGroup")
        return op.operation == "send" and op.conversation_id in fake.personal_chats

    return matches


async def _set_up(people: TeamsSimulator, fake: FakeTeams, team: Team) -> User:
    """Install the bot in ``team`` and run ``setup`` there; its first member is the manager."""
    owner = fake.users[team.member_ids[0]]
    assert (await people.install(team))[0] in (200, 202)
    await people.say(owner, "setup", in_channel=team)
    assert f"{len(team.member_ids)} members" in _last_reply(fake)
    return owner


def _clock() -> TravelClock:
    clock = TravelClock()
    clock.travel_to(TUESDAY_NOON)
    return clock


# --- 1. authentication ---------------------------------------------------------------------


@pytest.fixture
def published_keys(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Microsoft's published signing keys, offline: the SDK's JWKS fetches answer one RSA key
    (kid ``ms-key-1``) that nobody in these tests holds. Returns the JWKS URIs asked for."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    jwk = {**json.loads(RSAAlgorithm.to_jwk(key)), "kid": "ms-key-1", "use": "sig"}
    asked: list[str] = []

    def fetch_data(self: jwt.PyJWKClient) -> Any:
        asked.append(self.uri)
        return {"keys": [jwk]}

    monkeypatch.setattr(jwt.PyJWKClient, "fetch_data", fetch_data)
    # The SDK caches its key clients (and their keys) for the process: start from none, and
    # leave none of these keys behind.
    monkeypatch.setattr(JwtTokenValidator, "_jwk_client_manager", _JwkClientManager())
    return asked


async def _post(url: str, activity: dict[str, Any], authorization: str | None) -> int:
    headers = {"Authorization": authorization} if authorization is not None else {}
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, json=activity, headers=headers) as response,
    ):
        await response.read()
        return response.status


def _claims(team: Team) -> dict[str, Any]:
    """Claims as the Bot Connector's tokens carry them, for this bot."""
    now = int(datetime.now(UTC).timestamp())
    return {
        "iss": "https://api.botframework.com",
        "aud": APP_ID,
        "serviceurl": "http://127.0.0.1",
        "nbf": now - 60,
        "exp": now + 3600,
        "tid": team.tenant_id,
    }


def _forged_tokens(team: Team) -> dict[str, str]:
    """Tokens naming a key id, none signed by a key Microsoft publishes."""
    claims = _claims(team)
    attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return {
        "HS256 naming the published kid": jwt.encode(
            claims, "k" * 32, algorithm="HS256", headers={"kid": "ms-key-1"}
        ),
        "RS256 by another key, naming the published kid": jwt.encode(
            claims, attacker, algorithm="RS256", headers={"kid": "ms-key-1"}
        ),
        "RS256 by another key, unknown kid": jwt.encode(
            claims, attacker, algorithm="RS256", headers={"kid": "attacker"}
        ),
    }


def _kidless_tokens(team: Team) -> dict[str, str]:
    """Syntactically valid JWTs without a ``kid`` header: unsigned (HS256 with a made-up
    secret) and ``alg: none``."""
    claims = _claims(team)
    return {
        "unsigned HS256": jwt.encode(claims, "k" * 32, algorithm="HS256"),
        "alg none": jwt.encode(claims, None, algorithm="none"),
    }


class _AuthenticatedApp:
    """``build_web_app`` with a real app id and secret (anonymous off), on a free port."""

    def __init__(self, db_url: str) -> None:
        self.settings = Settings(
            microsoft_app_id=APP_ID,
            microsoft_app_password="not-a-placeholder-client-secret",
            public_url="https://x.example",
            database_url=db_url,
            tick_seconds=0,
        )
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def __aenter__(self) -> _AuthenticatedApp:
        assert not self.settings.teams_allow_anonymous_unsafe
        self._runner = web.AppRunner(build_web_app(self.settings, clock=_clock()), access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/api/messages"
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


async def _refusals(
    db_url: str, fake: FakeTeams, team: Team, attempts: dict[str, str | None]
) -> dict[str, set[int]]:
    """POST an install and a ``setup`` with each Authorization header; the statuses answered.
    After each, nothing reached the connector and no row was written."""
    owner = fake.users[team.member_ids[0]]
    place = activities.Place.channel(service_url=fake.service_url, bot=fake.bot, team=team)
    install = activities.bot_installed(place, by=owner)
    setup = activities.message(place, sender=owner, text="setup")
    statuses: dict[str, set[int]] = {}
    async with _AuthenticatedApp(db_url) as app:
        for name, authorization in attempts.items():
            statuses[name] = {
                await asyncio.wait_for(_post(app.url, activity, authorization), 10)
                for activity in (install, setup)
            }
            assert fake.sent == [], name
            assert fake.requests == [], name
            assert await _all_rows(db_url) == dict.fromkeys(WORKSPACE_DATA_TABLES, 0), name
    return statuses


async def test_activities_without_a_valid_token_are_refused_and_change_nothing(
    db_url: str, published_keys: list[str]
) -> None:
    async with FakeTeams(app_id=APP_ID) as fake:
        team = fake.generate_team(members=3, name="Checkout")
        attempts: dict[str, str | None] = {
            "no Authorization header": None,
            "Bearer not-a-jwt": "Bearer not-a-jwt",
            "Bearer, no token": "Bearer ",
            "Basic credentials": "Basic dXNlcjpwYXNz",
            **{name: f"Bearer {token}" for name, token in _forged_tokens(team).items()},
        }
        statuses = await _refusals(db_url, fake, team, attempts)
    assert statuses == {name: {401} for name in attempts}
    # The signed tokens were checked against Bot Framework's published keys (served offline).
    assert set(published_keys) == {"https://login.botframework.com/v1/.well-known/keys"}


async def test_tokens_without_a_key_id_are_refused_and_change_nothing(
    db_url: str, published_keys: list[str]
) -> None:
    async with FakeTeams(app_id=APP_ID) as fake:
        team = fake.generate_team(members=3, name="Checkout")
        tokens = _kidless_tokens(team)
        statuses = await _refusals(
            db_url, fake, team, {name: f"Bearer {token}" for name, token in tokens.items()}
        )
    # Refused with 401 before any key is looked up (the SDK alone would answer 500 here).
    assert statuses == {name: {401} for name in tokens}
    assert published_keys == []


def test_anonymous_mode_cannot_be_combined_with_an_app_id() -> None:
    with pytest.raises(ConfigError, match="ANONYMOUS"):
        Settings(
            microsoft_app_id=APP_ID,
            microsoft_app_password="not-a-placeholder-client-secret",
            public_url="https://x.example",
            teams_allow_anonymous_unsafe=True,
        ).require_teams()
    with pytest.raises(ConfigError, match="neither Slack nor Teams"):
        Settings().require_platform()
    # And the server does not start that way either.
    with pytest.raises(ConfigError):
        build_web_app(
            Settings(
                microsoft_app_id=APP_ID,
                microsoft_app_password="not-a-placeholder-client-secret",
                public_url="https://x.example",
                teams_allow_anonymous_unsafe=True,
            )
        )
    with pytest.raises(ConfigError):
        build_web_app(Settings())


# --- 2. a 429 storm ------------------------------------------------------------------------


async def test_a_429_storm_on_the_pulse_dms_reaches_every_member_once(db_url: str) -> None:
    clock = _clock()
    async with (
        FakeTeams() as fake,
        TeamsApp(fake=fake, db_url=db_url, clock=clock) as app,
        TeamsSimulator(app.url, fake) as people,
    ):
        team = fake.generate_team(members=30, name="Storm")
        members = fake.roster_of_team(team)
        owner = await _set_up(people, fake, team)

        # The next 40 chat creations and DMs are answered 429 (Retry-After: 1 s on the wire).
        fake.rate_limit(times=40, retry_after=0.05, where=_to_personal_chat(fake))
        await people.say(owner, "pulse", in_channel=team)
        assert "Round 1 is open" in _last_reply(fake)

        # Whatever ran out of retries in the storm is left pending: the next tick sends it.
        left = (await _deliveries(db_url)).get("pending", 0)
        # The app's clock jumps past the ledger's retry delay (30 s); real time must still pass
        # the Retry-After of the last 429, as it would in those 30 s.
        await asyncio.sleep(1.0)
        clock.advance(RETRY_DELAY + timedelta(seconds=1))
        report = await app.runtime.scheduler.tick()
        assert (report.sent, report.failed) == (left, 0)

        limited = fake.rate_limited
        assert len(limited) == 40, "the storm happened"
        assert all(call.retry_after == "1" for call in limited)
        # After each 429, the same call came again no sooner than Retry-After.
        for call in limited:
            key = _call_key(call)
            retry = next(c for c in fake.requests if c.at > call.at and _call_key(c) == key)
            assert retry.at - call.at >= 0.99
        assert {m.id: len(_pulse_cards(fake, m)) for m in members} == dict.fromkeys(
            [m.id for m in members], 1
        )
        assert _sends_per_member(fake, members) == dict.fromkeys([m.id for m in members], 1)
        assert len({c.user_id for c in fake.conversations_created if not c.is_group}) == 30

    assert await _deliveries(db_url) == {"sent": 30}
    assert await _rows(db_url, "SELECT count(*) FROM teams_chat") == [(30,)]
    assert await _rows(db_url, "SELECT count(*) FROM delivery WHERE lease_until IS NOT NULL") == [
        (0,)
    ]


def _call_key(call: Op) -> tuple[str, str | None]:
    if call.operation == "create_conversation":
        return call.operation, str(call.body.get("members", [{}])[0].get("id"))
    return call.operation, call.conversation_id


# --- 3. passing failures, a fan-out cut off, restarts --------------------------------------


async def test_a_fan_out_cut_off_mid_way_resumes_after_restarts_without_duplicates(
    db_url: str,
) -> None:
    # One DM in flight at a time: when the fan-out is cut off, no DM the connector accepted
    # is still unanswered (that one DM is the at-least-once window a crash cannot close).
    settings = Settings(tick_seconds=0, send_concurrency=1)
    clock = _clock()
    async with FakeTeams() as fake:
        team = fake.generate_team(members=30, name="Crash")
        members = fake.roster_of_team(team)
        ids = [m.id for m in members]
        to_chats = _to_personal_chat(fake)

        def dms() -> int:
            return sum(1 for s in fake.sent if s.kind == "send")

        # Run 1: after 10 DMs, Teams answers every DM 429 with Retry-After: 0 — the
        # connector's retries run out at once, and the rest are left pending (not failed).
        async with (
            TeamsApp(fake=fake, db_url=db_url, clock=clock, settings=settings) as app,
            TeamsSimulator(app.url, fake) as people,
        ):
            owner = await _set_up(people, fake, team)
            fake.rate_limit(
                retry_after=0,
                where=lambda op: to_chats(op) and op.operation == "send" and dms() >= 10,
            )
            await people.say(owner, "pulse", in_channel=team)
            reply = _last_reply(fake)
            assert "sent to 10 members" in reply
            assert "20 will be retried" in reply
        assert await _deliveries(db_url) == {"sent": 10, "pending": 20}
        assert dms() == 10
        assert sum(len(_pulse_cards(fake, m)) for m in members) == 10

        # Run 2 (a restart): Teams is fine again; nothing goes before the retry delay. Then the
        # tick's fan-out is cut off (cancelled, as by a crash) when it sends its 6th DM.
        fake.reset_faults()
        async with TeamsApp(fake=fake, db_url=db_url, clock=clock, settings=settings) as app:
            assert (await app.runtime.scheduler.tick()).sent == 0
            assert dms() == 10
            clock.advance(RETRY_DELAY + timedelta(seconds=1))
            tick = asyncio.create_task(app.runtime.scheduler.tick())
            crashed: list[Op] = []

            def crash(op: Op) -> bool:
                if not (to_chats(op) and op.operation == "send"):
                    return False
                if dms() >= 15 and not crashed:
                    crashed.append(op)
                    tick.cancel()
                return bool(crashed)  # the cut-off DM, and any after it, never arrive

            fake.rate_limit(retry_after=0, where=crash)
            with pytest.raises(asyncio.CancelledError):
                await tick
            assert len(crashed) == 1
        assert dms() == 15
        # The 5 DMs Teams accepted were marked sent; the rest are still leased to the dead run
        # (its claim of 32 and the one before it) until the lease runs out.
        assert await _deliveries(db_url) == {"sent": 15, "pending": 15}
        [(leased,)] = await _rows(
            db_url,
            "SELECT count(*) FROM delivery WHERE status = 'pending' AND lease_owner IS NOT NULL",
        )
        assert leased == 15

        # Run 3 (a restart): what was not leased goes at once; the leases hold until they run
        # out, then the next tick sends the rest.
        fake.reset_faults()
        async with TeamsApp(fake=fake, db_url=db_url, clock=clock, settings=settings) as app:
            assert (await app.runtime.scheduler.tick()).sent == 15 - leased
            assert dms() == 30 - leased
            clock.advance(timedelta(seconds=settings.send_lease_seconds + 1))
            report = await app.runtime.scheduler.tick()
            assert (report.sent, report.failed, report.errors) == (leased, 0, [])

        assert _sends_per_member(fake, members) == dict.fromkeys(ids, 1)
        assert {m.id: len(_pulse_cards(fake, m)) for m in members} == dict.fromkeys(ids, 1)
    assert await _deliveries(db_url) == {"sent": 30}
    assert await _rows(db_url, "SELECT count(DISTINCT round_id) FROM delivery") == [(1,)]


# --- 4. two tenants ------------------------------------------------------------------------


async def test_two_tenants_are_isolated_and_removing_the_bot_deletes_one_tenant(
    db_url: str,
) -> None:
    async with (
        FakeTeams() as fake,
        TeamsApp(fake=fake, db_url=db_url, clock=_clock()) as app,
        TeamsSimulator(app.url, fake) as people,
    ):
        tenant_b = fake.add_tenant(str(uuid.uuid4()), name="Fabrikam")
        team_a = fake.generate_team(members=3, name="Alpha Squad")
        team_b = fake.generate_team(members=3, name="Bravo Crew", tenant_id=tenant_b)
        ws_a, ws_b = workspace_of(team_a.tenant_id), workspace_of(tenant_b)
        assert ws_a != ws_b
        owner_a = await _set_up(people, fake, team_a)
        owner_b = await _set_up(people, fake, team_b)
        await people.say(owner_a, "pulse", in_channel=team_a)
        await people.say(owner_b, "pulse", in_channel=team_b)
        members_a, members_b = fake.roster_of_team(team_a), fake.roster_of_team(team_b)
        for member in members_a + members_b:
            assert len(_pulse_cards(fake, member)) == 1

        def round_of(user: User) -> tuple[str, int]:
            (pulse,) = _pulse_cards(fake, user)
            data = next(b["data"] for b in actions(card_of(pulse)) if b.get("verb") == "sdo.answer")
            return pulse["id"], int(data["round_id"])

        card_a, round_a = round_of(members_a[1])
        _, round_b = round_of(members_b[1])
        assert round_a != round_b

        # Someone of A answers B's round from their own card: refused, nothing stored.
        forged = {"sdo": "answer", "round_id": round_b, "circle": "W", "value": "yes"}
        status, body = await people.click(members_a[1], card_a, forged, verb="sdo.answer")
        assert status == 200
        assert NOT_ASKED_TEXT in json.dumps(body)
        status, dialog = await people.open_note(
            members_a[1],
            {"msteams": {"type": "task/fetch"}, "sdo": "note", "round_id": round_b},
            card_id=card_a,
        )
        assert NOT_ASKED_TEXT in json.dumps(dialog)
        status, saved = await people.submit_note(
            members_a[1],
            {
                "sdo": "note",
                "round_id": round_b,
                "circle": "W",
                "note": "from A",
                "internal_customer": "false",
            },
            card_id=card_a,
        )
        assert status == 200
        assert saved["task"]["value"] != NOTE_SAVED_TEXT
        assert await _rows(db_url, "SELECT count(*) FROM answer") == [(0,)]

        # The same click on A's own round is stored, in A.
        own = {**forged, "round_id": round_a}
        status, body = await people.click(members_a[1], card_a, own, verb="sdo.answer")
        assert "Your answer: **Yes**" in json.dumps(body)
        assert await _rows(db_url, "SELECT workspace_id, round_id, user_id FROM answer") == [
            (ws_a, round_a, members_a[1].id)
        ]
        # B's members answer too, so B has answers to keep.
        card_b, _ = round_of(members_b[1])
        await people.click(
            members_b[1], card_b, {**forged, "circle": "H", "value": "no"}, verb="sdo.answer"
        )

        # status in A (its channel, and a member's personal chat) never names B's team.
        await people.say(owner_a, "status", in_channel=team_a)
        shown = _last_reply(fake)
        assert "Alpha Squad" in shown
        assert "Bravo Crew" not in shown
        await people.say(owner_a, "status")
        shown = _last_reply(fake)
        assert "Alpha Squad" in shown
        assert "Bravo Crew" not in shown
        await people.say(owner_b, "status", in_channel=team_b)
        assert "Bravo Crew" in _last_reply(fake)

        before_a = await _workspace_rows(db_url, ws_a)
        before_b = await _workspace_rows(db_url, ws_b)
        for table in ("team", "member", "round", "delivery", "answer", "teams_tenant"):
            assert before_a[table], table
            assert before_b[table], table
        assert len(before_b["answer"]) == 1

        # The bot removed from A's only team: A's data is gone; B's is exactly as it was.
        assert (await people.uninstall(team_a))[0] in (200, 202)
        assert await _workspace_rows(db_url, ws_a) == {t: [] for t in WORKSPACE_DATA_TABLES}
        assert await _workspace_rows(db_url, ws_b) == before_b

        # And B still works.
        await people.say(owner_b, "status", in_channel=team_b)
        assert "Bravo Crew" in _last_reply(fake)


async def test_removing_the_bot_from_one_of_two_teams_deletes_that_team_only(
    db_url: str,
) -> None:
    async with (
        FakeTeams() as fake,
        TeamsApp(fake=fake, db_url=db_url, clock=_clock()) as app,
        TeamsSimulator(app.url, fake) as people,
    ):
        leaving = fake.generate_team(members=3, name="Leaving Team")
        staying = fake.generate_team(members=3, name="Staying Team")
        owners = [await _set_up(people, fake, t) for t in (leaving, staying)]
        for owner, team in zip(owners, (leaving, staying), strict=True):
            await people.say(owner, "pulse", in_channel=team)
        (pulse,) = _pulse_cards(fake, fake.roster_of_team(leaving)[1])
        data = next(b["data"] for b in actions(card_of(pulse)) if b.get("verb") == "sdo.answer")
        await people.click(fake.roster_of_team(leaving)[1], pulse["id"], data)
        assert await _rows(db_url, "SELECT count(*) FROM answer") == [(1,)]

        await people.uninstall(leaving)

        assert await _rows(db_url, "SELECT name FROM team") == [("Staying Team",)]
        assert await _rows(db_url, "SELECT count(*) FROM answer") == [(0,)]
        assert await _rows(db_url, "SELECT count(*) FROM round") == [(1,)]
        assert await _rows(db_url, "SELECT count(*) FROM delivery") == [(3,)]
        assert await _rows(db_url, "SELECT count(*) FROM teams_tenant") == [(1,)]
        # The staying team still works.
        await people.say(owners[1], "status", in_channel=staying)
        assert "Staying Team" in _last_reply(fake)


async def test_a_commands_answer_waits_out_a_429_instead_of_failing(db_url: str) -> None:
    """A fan-out can spend the bot's budget just before the command's own answer: the answer
    must wait for Teams, not fail the request (found by bench/teams_fanout.py)."""
    async with (
        FakeTeams() as fake,
        TeamsApp(fake=fake, db_url=db_url, clock=_clock()) as app,
        TeamsSimulator(app.url, fake) as people,
    ):
        team = fake.generate_team(members=3, name="Checkout")
        owner = await _set_up(people, fake, team)
        fake.rate_limit(times=2, retry_after=1, where=lambda op: op.operation == "reply")
        status, _ = await people.say(owner, "pulse", in_channel=team)
        assert status in (200, 202)
        replies = [c for c in fake.requests if c.operation == "reply"]
        assert [c.status for c in replies][-3:] == [429, 429, 201]
        assert "Round 1 is open" in _last_reply(fake)
        assert await _deliveries(db_url) == {"sent": 3}
