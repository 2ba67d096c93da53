"""Rounds and their schedule: open and close a round, set when the pulse goes out."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.domain.model import NextRuns, Round, Schedule, Team, valid_tz
from bot.services.schedule import next_pulse_at, round_times
from bot.services.store import UseCases
from storage import due as due_sql
from storage import ledger as ledger_sql
from storage import rounds as rounds_sql
from storage import teams as teams_sql
from storage.db import Session


class Rounds(UseCases):
    """Use cases about a team's rounds and schedule."""

    async def open(self, *, team: Team, period: str | None = None) -> tuple[Round, bool]:
        """Open a round (closing the open one) and record a pending delivery per member.

        Args:
            team: the team.
            period: the round's key; ``None`` means a manual round keyed by the local minute,
                so a command submitted twice within the minute opens one round.

        Returns:
            The round, and whether this call opened it.
        """
        now = self.store.now()
        period = period or "manual:" + now.astimezone(ZoneInfo(team.tz)).strftime("%Y-%m-%dT%H:%M")
        async with self.store.write() as s:
            return await open_round_in(s, team=team, period=period, now=now)

    async def set_schedule(self, *, team: Team, schedule: Schedule, tz: str | None = None) -> Team:
        """Store a new schedule (and time zone) and the due times they imply, from now on.

        The next pulse is the first one after now (every other week: also at least two weeks,
        less a day, after the latest round). The open round, if any, gets its reminder and close
        recomputed from when it opened; a reminder already sent is not sent again.

        Args:
            team: the team.
            schedule: its new schedule, in its time zone.
            tz: its new time zone, a tz database name (None: it keeps its zone).

        Raises:
            ValueError: ``tz`` names no zone (the grammar and the form check it first).
        """
        if tz is not None and valid_tz(tz) != tz:
            raise ValueError(f"unknown time zone {tz!r}")
        now = self.store.now()
        ws, team_id = team.workspace_id, team.id
        async with self.store.write() as s:
            await teams_sql.update_schedule(s, workspace_id=ws, team_id=team_id, schedule=schedule)
            if tz is not None:
                await teams_sql.update_tz(s, workspace_id=ws, team_id=team_id, tz=tz)
            tz = valid_tz(tz or team.tz)
            last = await rounds_sql.last_opened_at(s, workspace_id=ws, team_id=team_id)
            upcoming = (
                next_pulse_at(schedule, tz, after=now, last_pulse=last)
                if schedule.enabled
                else None
            )
            await due_sql.set_next_pulse(s, workspace_id=ws, team_id=team_id, pulse_at=upcoming)
            current = await rounds_sql.get_open_round(s, workspace_id=ws, team_id=team_id)
            if current is not None:
                reminder_at, close_at = round_times(schedule, tz, pulse_at=current.opened_at)
                reminded = await rounds_sql.round_reminded_at(
                    s, workspace_id=ws, round_id=current.id
                )
                if reminded is not None or (reminder_at is not None and reminder_at <= now):
                    reminder_at = None
                await due_sql.set_round_times(
                    s, workspace_id=ws, team_id=team_id, reminder_at=reminder_at, close_at=close_at
                )
            updated = await teams_sql.get_team(s, workspace_id=ws, team_id=team_id)
        assert updated is not None
        return updated

    async def move_pulse(
        self,
        *,
        team: Team,
        weekday: int,
        at: time,
        every_weeks: int | None = None,
        tz: str | None = None,
    ) -> tuple[Team, datetime | None]:
        """Move the team's pulse to ``weekday`` at ``at`` (``every_weeks``: None keeps the
        cadence; ``tz``: None keeps the zone); the updated team and its next pulse in the
        team's time zone."""
        schedule = replace(
            team.schedule,
            pulse_weekday=weekday,
            pulse_time=at,
            every_weeks=every_weeks or team.schedule.every_weeks,
        )
        updated = await self.set_schedule(team=team, schedule=schedule, tz=tz)
        runs = await self.next_runs(team=updated)
        if runs is None or runs.pulse_at is None:
            return updated, None
        return updated, runs.pulse_at.astimezone(ZoneInfo(updated.tz))

    async def next_runs(self, *, team: Team) -> NextRuns | None:
        """The team's next pulse, reminder and close times (UTC) as stored."""
        async with self.store.read() as s:
            return await due_sql.next_runs(s, workspace_id=team.workspace_id, team_id=team.id)


async def open_round_in(
    s: Session, *, team: Team, period: str, now: datetime
) -> tuple[Round, bool]:
    """Open the round in a transaction, record its deliveries and when it is reminded and
    closed (a manual ``/sdo pulse`` and the scheduled pulse both open rounds this way)."""
    rnd, created = await rounds_sql.open_round(
        s, workspace_id=team.workspace_id, team_id=team.id, period=period, now=now
    )
    if created:
        await ledger_sql.create_team_deliveries(
            s, workspace_id=team.workspace_id, team_id=team.id, round_id=rnd.id, now=now
        )
        reminder_at, close_at = round_times(team.schedule, valid_tz(team.tz), pulse_at=now)
        await due_sql.set_round_times(
            s,
            workspace_id=team.workspace_id,
            team_id=team.id,
            reminder_at=reminder_at,
            close_at=close_at,
        )
    return rnd, created
