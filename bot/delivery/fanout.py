"""Sending a round's pulse DMs from the delivery ledger, resumably and at most once per lease.

Every member of the round has a delivery row before anything is sent. A sender *leases* a
small batch of pending rows (``lease_owner``/``lease_until``), sends them with bounded
concurrency and marks each ``sent`` (with the DM's channel and ts) or ``failed`` (with the
platform's reason). While it works, a heartbeat keeps its leases alive; if it dies, the leases
run out and the next tick — of this process after a restart, or of another replica — sends
what is still pending. Several senders on one round (a replica's tick and a manager's
``/sdo pulse``) share the work without sending a row twice.

What a crash can still duplicate: a DM the platform accepted before the process died, before
its row was marked sent. Marks are committed in batches while sending goes on (one transaction
per batch, not per DM: most of what the ledger costs), and sending pauses whenever
``UNMARKED_PER_SENDER × concurrency`` DMs are sent or in flight but not yet marked, so a crash
duplicates at most that many (32 at the default concurrency of 8) out of the whole round.

Failures (a ``PlatformError`` from the ``ChatPlatform``):

* refused for good (Slack's ``user_not_found``, ``cannot_dm_bot``, …): that member is marked
  failed with the reason (managers see the count in status); the rest go on.
* passing (a 429 whose retries ran out, a 5xx, a dropped connection — the platform's client has
  already waited ``Retry-After`` and retried): the row goes back to pending (never failed) and
  is retried after ``RETRY_DELAY``.

Away members (``bot.services.away``): as a claim comes back, the rows claimed for the first
time (``attempts == 1``) are checked once — a manager's mark, or the chat status the platform
already knows (``ChatPlatform.statuses``, one call per claim) — and those away are recorded
``away`` instead of being sent: no DM, no reminder, not asked. A status that cannot be read
(the platform refused) makes no one away by status; marks still count.

A database outage pauses the fan-out: every ledger write (claims, marks) waits for the database
(``bot.delivery.patience``) and sending stops once ``UNMARKED_PER_SENDER × concurrency`` DMs wait
for their marks; when the database is back the marks are written and the fan-out goes on. Only
an outage longer than ``DATABASE_PATIENCE_SECONDS`` ends it (a later tick resumes from the
ledger, and what was sent but not marked then is the duplicate bound above).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import secrets
import socket
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import timedelta

from bot.delivery.patience import patiently
from bot.delivery.platform import ChatPlatform, PlatformError
from bot.domain.model import Delivery, Round, SentDM, Team
from bot.domain.views import PulseView
from bot.services import Services

log = logging.getLogger(__name__)

# A crash leaves the rows its fan-outs had leased waiting this long (plus a tick) for another
# process; the heartbeat renews the leases of a live one every third of it.
DEFAULT_LEASE = timedelta(seconds=15)
# Rows leased per claim (at least the fan-out's concurrency): one claim transaction serves this
# many DMs, and the next claim is taken while they are sent. Bigger claims cost fewer
# transactions; smaller ones leave fewer members waiting out a dead process's lease (at most
# two claims and what is in flight: 72 at the default concurrency of 8).
CLAIM_BATCH = 32
# DMs per sender that may be in flight or accepted by the platform before their "sent" mark is
# committed: the bound on duplicates after a crash, and room for the marks to batch up.
UNMARKED_PER_SENDER = 4
# A mark waits at most this long for others to share its transaction.
MARK_DELAY = 0.05
# A delivery that hit a passing failure (rate limit, 5xx, network) waits this long.
RETRY_DELAY = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class FanoutResult:
    """What this call did: DMs it sent, members it marked failed, rows it left pending, and
    members it found away (sent nothing)."""

    sent: int
    failed: int
    pending: int
    away: int = 0


def new_owner() -> str:
    """A lease owner id naming this process and this fan-out (for logs and for renewals)."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{secrets.token_hex(4)}"


async def deliver_round(
    *,
    services: Services,
    platform: ChatPlatform,
    team: Team,
    rnd: Round,
    concurrency: int,
    lease: timedelta = DEFAULT_LEASE,
) -> FanoutResult:
    """Send the round's DM to every member whose delivery nobody is sending yet.

    Args:
        services: the use cases (the ledger).
        platform: the chat platform the DMs go out on.
        team: the round's team.
        rnd: the round.
        concurrency: most DMs in flight at once.
        lease: how long a claimed row stays reserved without a heartbeat.
    """
    pulse = await round_pulse(services=services, team=team, rnd=rnd)
    fanout = _RoundFanout(
        services=services,
        platform=platform,
        team=team,
        rnd=rnd,
        pulse=pulse,
        width=max(1, concurrency),
        lease=lease,
    )
    return await fanout.run()


async def round_pulse(*, services: Services, team: Team, rnd: Round) -> PulseView:
    """The round's pulse DM as every member first gets it."""
    members = await services.teams.member_count(team=team)
    return PulseView(
        team_name=team.name,
        round_id=rnd.id,
        round_number=rnd.number,
        min_respondents=team.rules.required_respondents(members),
        wording=await services.questions.wording(team=team),
    )


class _RoundFanout:
    """One call of ``deliver_round``: a claimer feeding ``width`` senders, and a heartbeat."""

    def __init__(
        self,
        *,
        services: Services,
        platform: ChatPlatform,
        team: Team,
        rnd: Round,
        pulse: PulseView,
        width: int,
        lease: timedelta,
    ) -> None:
        self.services = services
        self.platform = platform
        self.team = team
        self.rnd = rnd
        self.pulse = pulse
        self.width = width
        self.lease = lease
        self.owner = new_owner()
        self.batch_size = max(width, CLAIM_BATCH)
        # Room for a whole claim: the next claim runs while the senders still have work.
        self.queue: asyncio.Queue[Delivery | None] = asyncio.Queue(maxsize=self.batch_size)
        self.outcomes = {"sent": 0, "failed": 0, "pending": 0, "away": 0}
        # Sent or in flight, not yet marked sent: what a crash could duplicate.
        unmarked_limit = UNMARKED_PER_SENDER * width
        self.unmarked = asyncio.Semaphore(unmarked_limit)
        self.recorder = _SentRecorder(
            services=services, team=team, round_id=rnd.id, batch=max(1, unmarked_limit // 2)
        )

    async def run(self) -> FanoutResult:
        beat = asyncio.create_task(self._heartbeat())
        try:
            # A TaskGroup: if one part fails (e.g. the database), the others stop too.
            async with asyncio.TaskGroup() as group:
                group.create_task(self._claim_all())
                for _ in range(self.width):
                    group.create_task(self._send_all())
        finally:
            # Whatever stopped the senders (the end, an error, a shutdown), the DMs the platform
            # accepted are marked now: left unmarked, they would go again once their lease ends.
            await self.recorder.drain()
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat
        self.recorder.raise_if_failed()
        return FanoutResult(**self.outcomes)

    async def _claim_all(self) -> None:
        def claim() -> Awaitable[list[Delivery]]:
            return self.services.ledger.claim(
                team=self.team,
                round_id=self.rnd.id,
                owner=self.owner,
                lease=self.lease,
                limit=self.batch_size,
            )

        while batch := await patiently(claim, what=f"claiming DMs of round {self.rnd.id}"):
            for delivery in await self._without_away(batch):
                await self.queue.put(delivery)
            if len(batch) < self.batch_size:
                break  # that was all the round had to claim: no empty claim to find it out
        for _ in range(self.width):
            await self.queue.put(None)  # one "done" per sender

    async def _without_away(self, batch: list[Delivery]) -> list[Delivery]:
        """The claimed deliveries to send: those first claimed now of away members are recorded
        away instead (once per member and round: a retried row is not judged again)."""
        first = [d.user_id for d in batch if d.attempts == 1]
        if not first:
            return batch
        team = self.team
        try:
            statuses = await self.platform.statuses(workspace_id=team.workspace_id, user_ids=first)
        except PlatformError as exc:
            log.warning("statuses of round %s unread: %s", self.rnd.id, exc.reason)
            statuses = {}
        away = await patiently(
            lambda: self.services.away.set_aside(
                team=team, round_id=self.rnd.id, owner=self.owner, user_ids=first, statuses=statuses
            ),
            what=f"setting away members of round {self.rnd.id} aside",
        )
        self.outcomes["away"] += len(away)
        return [d for d in batch if d.user_id not in away]

    async def _send_all(self) -> None:
        while (delivery := await self.queue.get()) is not None:
            await self.unmarked.acquire()
            self.recorder.raise_if_failed()  # the ledger cannot record sends: stop sending
            outcome, mark = await self._send_one(delivery.user_id)
            if mark is None:
                self.unmarked.release()
            else:
                mark.add_done_callback(lambda _: self.unmarked.release())
            self.outcomes[outcome] += 1

    async def _send_one(self, user_id: str) -> tuple[str, asyncio.Future[None] | None]:
        """Send one DM and record the outcome; a sent DM's mark is committed in a later batch.

        Returns:
            ``"sent"``, ``"failed"`` or ``"pending"``, and for a sent DM the future of its mark.
        """
        team, round_id = self.team, self.rnd.id
        try:
            sent = await self.platform.send_pulse(
                workspace_id=team.workspace_id, user_id=user_id, pulse=self.pulse
            )
        except PlatformError as exc:
            reason = exc.reason
            if not exc.passing:
                log.warning("pulse DM to %s (round %s) failed: %s", user_id, round_id, reason)
                await patiently(
                    lambda: self.services.ledger.mark_failed(
                        team=team, round_id=round_id, user_id=user_id, error=reason
                    ),
                    what=f"marking a DM of round {round_id} failed",
                )
                return "failed", None
            log.warning("pulse DM to %s (round %s) left pending: %s", user_id, round_id, reason)
            await patiently(
                lambda: self.services.ledger.release(
                    team=team,
                    round_id=round_id,
                    user_id=user_id,
                    owner=self.owner,
                    error=reason,
                    retry_in=RETRY_DELAY,
                ),
                what=f"releasing a DM of round {round_id}",
            )
            return "pending", None
        mark = self.recorder.submit(
            SentDM(user_id=user_id, channel_id=sent.channel_id, message_ts=sent.ts)
        )
        return "sent", mark

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            try:
                await self.services.ledger.renew(owner=self.owner, lease=self.lease)
            except Exception:  # a missed beat is retried; the lease has slack for two
                log.warning("could not renew the leases of %s", self.owner, exc_info=True)


class _SentRecorder:
    """Group commit of "sent" marks: one transaction for a batch of accepted DMs.

    A batch is written once ``batch`` marks wait, or ``MARK_DELAY`` after its first mark,
    whichever comes first; ``deliver_round`` bounds how many may wait (the duplicate bound).
    """

    def __init__(self, *, services: Services, team: Team, round_id: int, batch: int) -> None:
        self.services = services
        self.team = team
        self.round_id = round_id
        self.batch = batch
        self._waiting: list[tuple[SentDM, asyncio.Future[None]]] = []
        self._flushing: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._failure: BaseException | None = None

    def submit(self, sent: SentDM) -> asyncio.Future[None]:
        """Queue a mark; the future is done once it is committed (or failed)."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        # A failure is raised to whoever awaits it; never reported as unretrieved.
        done.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._waiting.append((sent, done))
        if len(self._waiting) >= self.batch:
            self.flush_now()
        elif self._timer is None:
            self._timer = loop.call_later(MARK_DELAY, self.flush_now)
        return done

    def flush_now(self) -> None:
        """Write what waits (unless a write is running: it takes the waiting marks next)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._waiting and (self._flushing is None or self._flushing.done()):
            self._flushing = asyncio.create_task(self._flush())

    def raise_if_failed(self) -> None:
        """Raise the error that stopped a batch of marks being written, if one did."""
        if self._failure is not None:
            raise self._failure

    async def drain(self) -> None:
        """Write every waiting mark and wait for it (a failure is kept for ``raise_if_failed``)."""
        self.flush_now()
        while self._flushing is not None and not self._flushing.done():
            # shield: a shutdown cancelling the fan-out must not cancel the write of its marks
            await asyncio.shield(self._flushing)

    async def _flush(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            mark = functools.partial(
                self.services.ledger.mark_sent,
                team=self.team,
                round_id=self.round_id,
                sent=[s for s, _ in batch],
            )
            try:
                # The platform has these DMs: a mark lost to an outage would send them again.
                await patiently(mark, what=f"marking sent DMs of round {self.round_id}")
            except Exception as exc:
                self._failure = exc
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)
