"""The scheduler under test: the real runtime of ``sdo serve`` on a frozen clock.

``JobsHarness`` starts the runtime (database, Web API client to the fake Slack, services,
scheduler) without the periodic job, so a test moves the clock and calls ``tick()`` itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlmodel import col

from bot.clock import FrozenClock
from bot.config import Settings
from bot.delivery.scheduler import TickReport
from bot.domain.model import Round, Team
from bot.domain.views import PersonInfo
from bot.sandbox.fakeslack import FakeSlack
from bot.server import Runtime, start_runtime, stop_runtime
from bot.services import Services
from bot.slack.blocks.pulse import NOTE_ACTION_ID
from storage.tables import DeliveryRow, RoundRow
from tests.support.harness import SIGNING_SECRET, WORKSPACE


class JobsHarness:
    """The app's runtime on a ``FrozenClock``; the test drives the scheduler tick.

    Args:
        fake: the fake Slack Web API.
        db_url: a migrated database.
        start: where the clock starts.
        concurrency: ``SDO_SEND_CONCURRENCY``.
    """

    def __init__(
        self, *, fake: FakeSlack, db_url: str, start: datetime, concurrency: int = 4
    ) -> None:
        self.fake = fake
        self.db_url = db_url
        self.clock = FrozenClock(start)
        self.concurrency = concurrency
        self._runtime: Runtime | None = None

    @property
    def settings(self) -> Settings:
        return Settings(
            slack_bot_token=self.fake.bot_token,
            slack_signing_secret=SIGNING_SECRET,
            database_url=self.db_url,
            slack_api_url=self.fake.base_url,
            send_concurrency=self.concurrency,
            tick_seconds=0,
        )

    @property
    def runtime(self) -> Runtime:
        assert self._runtime is not None, "start() first"
        return self._runtime

    @property
    def services(self) -> Services:
        return self.runtime.services

    async def start(self) -> None:
        self._runtime = await start_runtime(self.settings, clock=self.clock)

    async def stop(self) -> None:
        if self._runtime is not None:
            await stop_runtime(self._runtime)
            self._runtime = None

    async def tick(self) -> TickReport:
        return await self.runtime.scheduler.tick()

    async def run_until(
        self, end: datetime, *, step: timedelta = timedelta(hours=1)
    ) -> list[TickReport]:
        """Tick at every ``step`` from the current time up to ``end`` (inclusive)."""
        reports = []
        while self.clock.now() <= end:
            reports.append(await self.tick())
            self.clock.advance(step)
        self.clock.set(end)
        return reports

    async def setup_team(
        self, *, channel_id: str, name: str, tz: str, user_ids: Sequence[str]
    ) -> Team:
        """``/sdo setup`` through the use case: the first user is the manager."""
        people = [PersonInfo(user_id=u, name=u.lower(), tz=tz) for u in user_ids]
        team, _, _ = await self.services.teams.setup(
            workspace_id=WORKSPACE,
            channel_id=channel_id,
            channel_name=name,
            caller=people[0],
            people=people,
        )
        return team

    async def rounds(self, team: Team) -> list[Round]:
        return [v.round for v in await self.services.status.history(team=team, limit=100)]

    async def reminded_at(self, *, team: Team, user_id: str) -> list[datetime]:
        """When the member's reminder of each of the team's rounds was claimed, round by round."""
        async with self.runtime.db.read() as s:
            rows = await s.execute(
                select(col(DeliveryRow.reminded_at))
                .join(RoundRow, col(RoundRow.id) == col(DeliveryRow.round_id))
                .where(
                    col(RoundRow.team_id) == team.id,
                    col(DeliveryRow.user_id) == user_id,
                    col(DeliveryRow.reminded_at).is_not(None),
                )
                .order_by(col(RoundRow.id))
            )
            return [at for (at,) in rows]

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.runtime.db.read() as s:
            return (await s.execute(text(sql), params)).scalar_one()

    async def all(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        async with self.runtime.db.read() as s:
            return [tuple(r) for r in await s.execute(text(sql), params)]


def landed_in(fake: FakeSlack, channel: str) -> str:
    """Where a chat.postMessage ``channel`` lands: a user id's DM channel, else itself."""
    return fake.dm_channel_id(channel) if channel in fake.users else channel


def posted_channels(fake: FakeSlack) -> list[str]:
    """Where each accepted chat.postMessage landed, in order (DMs by their DM channel)."""
    return [landed_in(fake, c.args["channel"]) for c in fake.calls_to("chat.postMessage", ok=True)]


def pulse_dms(fake: FakeSlack, user_id: str) -> list[dict[str, Any]]:
    """The pulse DMs ``user_id`` received (messages with answer buttons), in order."""
    return [
        c.args
        for c in fake.calls_to("chat.postMessage", ok=True)
        # A first DM is posted to the user id, later ones to the DM channel it answered with.
        if landed_in(fake, c.args["channel"]) == fake.dm_channel_id(user_id)
        and any(b.get("type") == "actions" for b in c.args.get("blocks") or [])
    ]


def dm_round_ids(fake: FakeSlack, user_id: str) -> list[int]:
    """The round id each of the user's pulse DMs carries (the "Add a note" button value)."""
    ids = []
    for message in pulse_dms(fake, user_id):
        for block in message["blocks"]:
            for element in block.get("elements", []) if block.get("type") == "actions" else []:
                if element.get("action_id") == NOTE_ACTION_ID:
                    ids.append(int(element["value"]))
    return ids


def reminders(fake: FakeSlack, user_id: str) -> list[str]:
    """The reminder texts ``user_id`` received."""
    return [
        str(c.args.get("text"))
        for c in fake.calls_to("chat.postMessage", ok=True)
        if landed_in(fake, c.args["channel"]) == fake.dm_channel_id(user_id)
        and str(c.args.get("text", "")).startswith(":wave:")
    ]


def channel_posts(fake: FakeSlack, channel_id: str) -> list[dict[str, Any]]:
    return [
        c.args
        for c in fake.calls_to("chat.postMessage", ok=True)
        if c.args.get("channel") == channel_id
    ]


def local(when: datetime, tz: str) -> str:
    return when.astimezone(ZoneInfo(tz)).strftime("%a %Y-%m-%d %H:%M")


def weekday_time(when: datetime, tz: str) -> str:
    """``"Thu 15:00"``: the local weekday and wall time of an instant."""
    return when.astimezone(ZoneInfo(tz)).strftime("%a %H:%M")
