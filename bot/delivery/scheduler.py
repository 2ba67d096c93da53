"""The scheduler tick: a clock that claims due work through the database.

APScheduler runs ``Scheduler.tick`` every few seconds (``SDO_TICK_SECONDS``) inside
``sdo serve``; it holds no jobs of its own. What is due lives in the database (the team's
``next_pulse_at``, ``next_reminder_at``, ``next_close_at``, the delivery ledger and the digest
rows), and every action is claimed there first with a compare-and-set, so a restart never
skips work that came due while the process was down and two replicas never both do it.

One tick, in order:

1. **arm**: scheduled teams without a next pulse time get one (teams from before scheduling);
2. **close**: rounds whose close time has come are closed;
3. **pulse**: teams whose pulse time has come get a new round (one, however long the outage),
   and each round is fanned out as soon as it is open, while the next ones are being opened;
4. **remind**: members of an open round who have not answered all three questions get one DM;
5. **send**: open rounds with unsent pulse DMs are fanned out (interrupted, or to retry);
6. **release**: published releases whose time has come (``bot.services.releases``: the team's
   working hours) get a delivery per member, and their pending release pulse DMs go out
   (``bot.delivery.releases``, the same lease/mark protocol);
7. **digest**: rounds closed in the last ``DIGEST_WINDOW`` get their channel digest, once.
8. **retain**: once a day, with ``SDO_RETENTION_DAYS`` set, answers and notes of rounds closed
   longer ago are deleted, their aggregates kept (``bot.services.retention``).

A step that fails is logged and the next one still runs; the next tick tries again.

Work of different workspaces goes out concurrently: each workspace has its own Slack limits
(its token) and its own pace (``SendPacer``), so a thousand workspaces due at the same minute are
served side by side, ``parallel_workspaces`` at a time, and one workspace's rate limit or outage
holds only its own turn (``bot.delivery.lanes``). One workspace's rounds go one after another.
The pulse step is a pipeline: it opens the due rounds (``OPEN_BATCH`` teams a write transaction)
and hands each to its workspace's lane at once, so opening and sending overlap instead of taking
turns; it runs at most ``SCHEDULER_BATCH`` rounds ahead of the sending, and opens at most
``PULSE_BATCHES_PER_TICK`` scans of due teams a tick. Replicas fetch what is due in different
(random) orders and take the workspaces in random order, so they start on different rounds
rather than race for the same rows. A tick that found work runs again at once (what is due
comes in batches), until one finds nothing more to do.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import SystemClock
from bot.config import Settings
from bot.delivery.digests import DigestOutcome, post_digest
from bot.delivery.fanout import deliver_round
from bot.delivery.lanes import WorkspaceLanes
from bot.delivery.platform import ChatPlatform, PlatformError
from bot.delivery.releases import deliver_release
from bot.delivery.reminders import remind_round
from bot.domain.model import ReminderTarget, TeamRound
from bot.metrics import Metrics
from bot.services import Services
from bot.services.due import OPEN_BATCH, SCHEDULER_BATCH
from bot.services.releases import ReleaseToSend
from storage.db import DatabaseUnavailable

log = logging.getLogger(__name__)

# Closed rounds older than this get no automatic digest (e.g. after a very long outage).
DIGEST_WINDOW = timedelta(days=8)
# How long a tick that is running when the server stops may take to finish.
STOP_GRACE_SECONDS = 5.0
# Ticks run back to back while they find work, at most this many before the next interval.
MAX_TICKS_IN_A_ROW = 100
# Batches of due pulses one tick opens (and fans out), each of SCHEDULER_BATCH teams.
PULSE_BATCHES_PER_TICK = 10


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
    def worked(self) -> bool:
        """Something was due and done: more may be waiting behind it."""
        return any((self.closed, self.opened, self.reminded, self.sent, self.digests))

    @property
    def idle(self) -> bool:
        """Nothing was due, done, failed or in error."""
        return not (self.worked or self.armed or self.failed or self.errors)


class Scheduler:
    """The tick and the APScheduler job that runs it.

    Args:
        settings: the tick interval, the send concurrency and lease.
        services: the use cases and the ledger.
        platform: the chat platform DMs, reminders and digests go out on.
        metrics: told of each tick (its duration, the rounds it opened and closed, success).
    """

    def __init__(
        self,
        *,
        settings: Settings,
        services: Services,
        platform: ChatPlatform,
        metrics: Metrics | None = None,
    ) -> None:
        self.settings = settings
        self.services = services
        self.platform = platform
        self.metrics = metrics or Metrics()
        self.lease = timedelta(seconds=settings.send_lease_seconds)
        self._aps: AsyncIOScheduler | None = None
        self._running: asyncio.Task[Any] | None = None

    # -- the periodic job ------------------------------------------------------------------

    def start(self) -> None:
        """Run ``tick`` now and then every ``tick_seconds`` (never two at once; missed runs
        collapse into one). Does nothing when ``tick_seconds`` is 0."""
        seconds = self.settings.tick_seconds
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
            for _ in range(MAX_TICKS_IN_A_ROW):
                report = await self.tick()
                if not report.idle:
                    log.info("tick: %s", report)
                if not report.worked:
                    break
        finally:
            self._running = None

    # -- one tick --------------------------------------------------------------------------

    async def tick(self) -> TickReport:
        """Do everything that is due now (by the app's clock), each thing once; the metrics
        are told what it did (a tick with no error is a successful one)."""
        started = time.perf_counter()
        report = await self._tick()
        self.metrics.tick(
            seconds=time.perf_counter() - started,
            opened=report.opened,
            closed=report.closed,
            ok=not report.errors,
        )
        return report

    async def _tick(self) -> TickReport:
        report = TickReport()
        try:
            due = await self.services.due.pending(digest_within=DIGEST_WINDOW, lease=self.lease)
        except Exception as exc:
            _log_failure(exc, "scheduler tick could not read what is due")
            report.errors.append(f"due: {type(exc).__name__}")
            return report
        steps = (
            ("arm", due.arm, self._arm),
            ("close", due.close, self._close),
            ("pulse", due.pulse, self._pulse),
            ("remind", due.remind, self._remind),
            # A pulse opened by this tick has deliveries to send even if none waited before.
            ("send", due.send or due.pulse, self._send),
            ("release", True, self._release),
            ("digest", due.digest or due.close, self._digest),
            ("retain", self.settings.retention_days is not None, self._retain),
        )
        for name, needed, step in steps:
            if not needed:
                continue
            try:
                await step(report)
            except Exception as exc:
                _log_failure(exc, f"scheduler step {name} failed")
                report.errors.append(f"{name}: {type(exc).__name__}")
        return report

    async def _retain(self, report: TickReport) -> None:
        # Once per 24 hours of the app's clock; a run longer than a tick's share goes on at
        # the next tick (bot.services.retention).
        await self.services.retention.daily(days=self.settings.retention_days)
        if self.settings.retention_days is not None:
            await self.services.releases.forget_answers(days=self.settings.retention_days)

    async def _arm(self, report: TickReport) -> None:
        report.armed += await self.services.due.arm()

    async def _close(self, report: TickReport) -> None:
        report.closed += len(await self.services.due.close_rounds())

    async def _pulse(self, report: TickReport) -> None:
        """Open the due rounds batch after batch, each fanned out as soon as it is open."""
        due = self.services.due
        send = functools.partial(self._fan_out, report=report)
        lanes = self._lanes(send, report, what="send", backlog=SCHEDULER_BATCH)
        try:
            for _ in range(PULSE_BATCHES_PER_TICK):
                batch = await due.pulses_due()
                for start in range(0, len(batch), OPEN_BATCH):
                    for opened in await due.open_pulses_of(batch[start : start + OPEN_BATCH]):
                        report.opened += 1
                        await lanes.put(opened, workspace=_workspace(opened))
                if len(batch) < SCHEDULER_BATCH:
                    break  # nothing more is due
        finally:
            await lanes.join()  # the rounds opened are sent, even if opening the next failed

    async def _remind(self, report: TickReport) -> None:
        async def remind_team(claimed: tuple[TeamRound, list[ReminderTarget]]) -> None:
            item, targets = claimed
            report.reminded += await remind_round(
                platform=self.platform,
                item=item,
                targets=targets,
                concurrency=self.settings.send_concurrency,
            )

        claimed = await self.services.due.claim_reminders()
        await self._across_workspaces(
            claimed, remind_team, report, workspace=lambda c: c[0].team.workspace_id, what="remind"
        )

    async def _send(self, report: TickReport) -> None:
        # A random seed per tick: replicas fetch different batches of what is due.
        rounds = await self.services.due.rounds_to_send(seed=random.getrandbits(31))
        send = functools.partial(self._fan_out, report=report)
        await self._across_workspaces(rounds, send, report, workspace=_workspace, what="send")

    async def _fan_out(self, item: TeamRound, report: TickReport) -> None:
        result = await deliver_round(
            services=self.services,
            platform=self.platform,
            team=item.team,
            rnd=item.round,
            concurrency=self.settings.send_concurrency,
            lease=self.lease,
        )
        report.sent += result.sent
        report.failed += result.failed

    async def _release(self, report: TickReport) -> None:
        services = self.services
        await services.releases.open_due()

        async def send(item: ReleaseToSend) -> None:
            result = await deliver_release(
                services=services,
                platform=self.platform,
                item=item,
                concurrency=self.settings.send_concurrency,
                lease=self.lease,
            )
            report.sent += result.sent
            report.failed += result.failed

        await self._across_workspaces(
            await services.releases.to_send(),
            send,
            report,
            workspace=lambda item: item.team.workspace_id,
            what="release",
        )

    async def _digest(self, report: TickReport) -> None:
        services = self.services

        async def digest(item: TeamRound) -> None:
            report.digests += await self._digest_one(item)

        rounds = await services.due.rounds_awaiting_digest(
            within=DIGEST_WINDOW, lease=self.lease, seed=random.getrandbits(31)
        )
        await self._across_workspaces(rounds, digest, report, workspace=_workspace, what="digest")

    async def _digest_one(self, item: TeamRound) -> int:
        """Post one round's digest unless it was posted; 1 when this call posted it."""
        services = self.services
        team, round_id = item.team, item.round.id
        view = await services.digests.view(team=team, round_id=round_id)
        if view is None:  # the round is gone: record it, so no tick asks again
            if await services.digests.claim(team=team, round_id=round_id, lease=self.lease):
                await services.digests.refused(team=team, round_id=round_id, error="no_round")
            return 0
        try:
            outcome = await post_digest(
                services=services, platform=self.platform, team=team, view=view, lease=self.lease
            )
        except PlatformError:
            return 0  # recorded or released by post_digest; logged there
        except Exception:
            log.exception("digest of round %s not posted; a later tick retries", round_id)
            return 0
        return int(outcome is DigestOutcome.POSTED)

    async def _across_workspaces[T](
        self,
        items: Sequence[T],
        work: Callable[[T], Awaitable[None]],
        report: TickReport,
        *,
        workspace: Callable[[T], str],
        what: str,
    ) -> None:
        """Do ``work`` for each item (what a scan found) in lanes: see ``_lanes``."""
        lanes = self._lanes(work, report, what=what)
        try:
            await lanes.put_all(items, workspace=workspace)
        finally:
            await lanes.join()

    def _lanes[T](
        self,
        work: Callable[[T], Awaitable[None]],
        report: TickReport,
        *,
        what: str,
        backlog: int | None = None,
    ) -> WorkspaceLanes[T]:
        """Lanes of ``parallel_workspaces`` for one step: a workspace's items in turn, workspaces
        side by side.

        Args:
            work: does one item.
            report: where a failed item is counted; the others go on.
            what: the step's name, for the log.
            backlog: most items waiting for their turn (None: no bound).
        """

        def failed(exc: Exception) -> None:
            _log_failure(exc, f"scheduler step {what} failed for one team")
            report.errors.append(f"{what}: {type(exc).__name__}")

        return WorkspaceLanes(
            work, width=self.settings.parallel_workspaces, failed=failed, backlog=backlog
        )


def _log_failure(exc: Exception, what: str) -> None:
    """A database outage in one line (the next tick tries again); anything else in full."""
    if isinstance(exc, DatabaseUnavailable):
        log.warning("%s: the database is unavailable; a later tick tries again", what)
    else:
        log.exception(what)


def _workspace(item: TeamRound) -> str:
    return item.team.workspace_id
