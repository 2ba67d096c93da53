"""The scheduler tick: a clock that claims due work through the database.

APScheduler runs ``Scheduler.tick`` every few seconds (``SDO_TICK_SECONDS``) inside
``sdo serve``; it holds no jobs of its own. What is due lives in the database (the team's
``next_pulse_at``, ``next_reminder_at``, ``next_close_at``, the delivery ledger and the digest
rows), and every action is claimed there first with a compare-and-set, so a restart never
skips work that came due while the process was down and two replicas never both do it.

One tick, in order:

1. **arm**: scheduled teams without a next pulse time get one (teams from before scheduling);
2. **close**: rounds whose close time has come are closed;
3. **pulse**: teams whose pulse time has come get a new round (one, however long the outage);
4. **remind**: members of an open round who have not answered all three questions get one DM;
5. **send**: open rounds with unsent pulse DMs are fanned out (new, interrupted, or to retry);
6. **digest**: rounds closed in the last ``DIGEST_WINDOW`` get their channel digest, once.

A step that fails is logged and the next one still runs; the next tick tries again.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from slack_sdk.errors import SlackApiError

from bot.clock import SystemClock
from bot.delivery.fanout import deliver_round
from bot.services.core import valid_tz
from bot.services.schedule import round_times
from bot.slack.context import AppContext
from bot.slack.listeners.shared import render_digest
from storage.scheduling import ReminderTarget, TeamRound

log = logging.getLogger(__name__)

# Closed rounds older than this get no automatic digest (e.g. after a very long outage).
DIGEST_WINDOW = timedelta(days=8)
# How long a tick that is running when the server stops may take to finish.
STOP_GRACE_SECONDS = 5.0


@dataclass
class TickReport:
    """What one tick did (counts), for logs and tests."""

    armed: int = 0
    closed: int = 0
    opened: int = 0
    reminded: int = 0
    sent: int = 0
    failed: int = 0
    digests: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def idle(self) -> bool:
        return not any(
            (
                self.armed,
                self.closed,
                self.opened,
                self.reminded,
                self.sent,
                self.failed,
                self.digests,
                self.errors,
            )
        )


def reminder_message(*, team_name: str, round_number: int, close_at: datetime) -> dict[str, Any]:
    """The one reminder: which round, until when, and that it is quick. Names nobody else."""
    stamp = int(close_at.timestamp())
    fallback = close_at.astimezone(UTC).strftime("%A %d %B %H:%M UTC")
    until = f"<!date^{stamp}^{{date_long_pretty}} at {{time}}|{fallback}>"
    text = (
        f":wave: Round {round_number} of #{team_name} is open until {until}, and your answers "
        "are not all in yet. The three questions in the pulse message above take about 30 "
        "seconds."
    )
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


class Scheduler:
    """The tick and the APScheduler job that runs it.

    Args:
        ctx: the app's settings, use cases, Slack gateway and pictures.
    """

    def __init__(self, *, ctx: AppContext) -> None:
        self.ctx = ctx
        self.lease = timedelta(seconds=ctx.settings.send_lease_seconds)
        self._aps: AsyncIOScheduler | None = None
        self._running: asyncio.Task[Any] | None = None

    # -- the periodic job ------------------------------------------------------------------

    def start(self) -> None:
        """Run ``tick`` now and then every ``tick_seconds`` (never two at once; missed runs
        collapse into one). Does nothing when ``tick_seconds`` is 0."""
        seconds = self.ctx.settings.tick_seconds
        if seconds <= 0 or self._aps is not None:
            return
        self._aps = AsyncIOScheduler(timezone=UTC)
        self._aps.add_job(
            self._run_tick,
            "interval",
            seconds=seconds,
            id="sdo-tick",
            # One tick at a time is enforced in _run_tick: a tick that outlasts the interval
            # (a long fan-out) is normal, and APScheduler's own limit logs a warning per skip.
            max_instances=2,
            coalesce=True,
            # The interval is wall-clock time whatever clock the app uses; start at once so a
            # restart catches up on what came due while it was down.
            next_run_time=SystemClock().now(),
        )
        self._aps.start()

    async def stop(self) -> None:
        """Stop the periodic job; a tick in progress gets a moment to finish, then is cancelled
        (what it held is leased, so another tick resumes it)."""
        if self._aps is not None:
            self._aps.shutdown(wait=False)
            self._aps = None
        running = self._running
        if running is not None and not running.done():
            _, pending = await asyncio.wait({running}, timeout=STOP_GRACE_SECONDS)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    async def _run_tick(self) -> None:
        if self._running is not None and not self._running.done():
            log.debug("previous tick still running; skipping this one")
            return
        self._running = asyncio.current_task()
        try:
            report = await self.tick()
        finally:
            self._running = None
        if not report.idle:
            log.info("tick: %s", report)

    # -- one tick --------------------------------------------------------------------------

    async def tick(self) -> TickReport:
        """Do everything that is due now (by the app's clock), each thing once."""
        report = TickReport()
        try:
            due = await self.ctx.services.pending_work(
                digest_within=DIGEST_WINDOW, lease=self.lease
            )
        except Exception as exc:
            log.exception("scheduler tick could not read what is due")
            report.errors.append(f"due: {type(exc).__name__}")
            return report
        steps = (
            ("arm", due.arm, self._arm),
            ("close", due.close, self._close),
            ("pulse", due.pulse, self._pulse),
            ("remind", due.remind, self._remind),
            # A pulse opened by this tick has deliveries to send even if none waited before.
            ("send", due.send or due.pulse, self._send),
            ("digest", due.digest or due.close, self._digest),
        )
        for name, needed, step in steps:
            if not needed:
                continue
            try:
                await step(report)
            except Exception as exc:
                log.exception("scheduler step %s failed", name)
                report.errors.append(f"{name}: {type(exc).__name__}")
        return report

    async def _arm(self, report: TickReport) -> None:
        report.armed += await self.ctx.services.arm_schedules()

    async def _close(self, report: TickReport) -> None:
        report.closed += len(await self.ctx.services.close_due_rounds())

    async def _pulse(self, report: TickReport) -> None:
        report.opened += len(await self.ctx.services.open_due_pulses())

    async def _remind(self, report: TickReport) -> None:
        for item, targets in await self.ctx.services.claim_due_reminders():
            for target in targets:
                report.reminded += await self._remind_one(item, target)

    async def _remind_one(self, item: TeamRound, target: ReminderTarget) -> int:
        team = item.team
        _, close_at = round_times(team.schedule, valid_tz(team.tz), pulse_at=item.round.opened_at)
        message = reminder_message(
            team_name=team.name, round_number=item.round.number, close_at=close_at
        )
        try:
            await self.ctx.gateway.post(
                channel_id=target.channel_id, message=message, workspace_id=team.workspace_id
            )
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            # Claimed before sending: this member goes without a reminder rather than get two.
            log.warning(
                "reminder to %s (round %s) not sent: %r", target.user_id, item.round.id, exc
            )
            return 0
        return 1

    async def _send(self, report: TickReport) -> None:
        settings = self.ctx.settings
        for item in await self.ctx.services.rounds_to_send():
            result = await deliver_round(
                services=self.ctx.services,
                gateway=self.ctx.gateway,
                team=item.team,
                rnd=item.round,
                concurrency=settings.send_concurrency,
                lease=self.lease,
            )
            report.sent += result.sent
            report.failed += result.failed

    async def _digest(self, report: TickReport) -> None:
        services = self.ctx.services
        for item in await services.rounds_awaiting_digest(within=DIGEST_WINDOW, lease=self.lease):
            team, round_id = item.team, item.round.id
            if not await services.claim_digest(team=team, round_id=round_id, lease=self.lease):
                continue
            try:
                view = await services.digest(team=team, round_id=round_id)
                if view is None:
                    await services.digest_refused(team=team, round_id=round_id, error="no_round")
                    continue
                message = await render_digest(self.ctx, view)
                posted = await self.ctx.gateway.post(
                    channel_id=team.channel_id, message=message, workspace_id=team.workspace_id
                )
            except SlackApiError as exc:
                reason = str(exc.response.get("error") or f"http_{exc.response.status_code}")
                log.warning("digest of round %s not posted: %s", round_id, reason)
                if exc.response.status_code == 429 or exc.response.status_code >= 500:
                    await services.digest_failed(team=team, round_id=round_id)
                else:
                    await services.digest_refused(team=team, round_id=round_id, error=reason)
                continue
            except Exception:
                log.exception("digest of round %s not posted; a later tick retries", round_id)
                await services.digest_failed(team=team, round_id=round_id)
                continue
            await services.digest_posted(team=team, round_id=round_id, message_ts=posted.ts)
            report.digests += 1
