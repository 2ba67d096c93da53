"""Retention and deletion: answers and notes kept only ``SDO_RETENTION_DAYS``, the aggregates
for ever, and one person's data deleted on request (``sdo forget``).

**What goes, when.** Answers and notes of rounds *closed* more than ``days`` days ago (by the
round's close time, so a round's answers go together and its aggregate stays whole). Open rounds
are never touched, however old.

**What stays.** Before the first answer of a closed round is deleted, its aggregate (answers
per circle, respondents, notes, internal-customer notes, members asked) is written to
``round_summary``, and read from there from then on: status, trends, digests, history and
`status all` show the same regions, scores and participation before and after the purge.

**One person** (``forget``): their answers and notes in every round of the workspace, their
delivery ledger rows (with their DM channel ids), team memberships, manager roles, profile and
Teams chat reference. Closed rounds keep their aggregate as it stood at closing (it is
summarised first: counts without any user id); the open round's counts are recomputed from
what remains, so they no longer include the person.

**The daily job** (``daily``, called by every scheduler tick): one run per 24 hours of the
app's clock, per process. A run takes the rounds past the cutoff that it is not done with, up
to ``batch`` at a time (the earliest closed first), summarises them, deletes their answers
``batch`` rows per statement (each its own transaction), and marks them done
(``round.answers_deleted_at``), so tomorrow's run reads only the rounds closed since. It stops
for the tick after ``batches_per_tick`` statements and carries on at the next one, so a first
run over years of answers never holds up a pulse. Every step is idempotent and safe in several
replicas at once (``storage.retention``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.services.store import Store, UseCases
from storage import retention as retention_sql

log = logging.getLogger(__name__)

# Rows per DELETE (and rounds per summary write), each statement its own transaction.
DEFAULT_BATCH = 1000
# Statements one tick runs before it hands the scheduler back (the run resumes next tick).
DEFAULT_BATCHES_PER_TICK = 20
DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Purged:
    """What a retention run did (so far, while ``finished`` is False).

    ``answers``/``notes``: deleted rows holding an answer / a note (a row is one member's
    answer to one question and its note, so one row may count in both); ``rows``: rows deleted;
    ``summarised``: rounds whose aggregate was written; ``rounds``: rounds the job is done with;
    ``batches``: delete statements run; ``round_batches``: statements that fetched (and
    summarised) a batch of rounds.
    """

    days: int
    closed_before: datetime
    answers: int = 0
    notes: int = 0
    rows: int = 0
    summarised: int = 0
    rounds: int = 0
    batches: int = 0
    round_batches: int = 0
    finished: bool = False
    # Progress: the rounds whose answers are being deleted, and whether more may wait.
    pending: tuple[int, ...] = ()
    more: bool = True


@dataclass(frozen=True, slots=True)
class Forgotten:
    """What ``forget`` deleted about one person in one workspace."""

    answers: int
    notes: int
    deliveries: int
    memberships: int
    manager_roles: int
    profiles: int
    teams_chats: int
    summarised: int
    away_marks: int = 0
    release_deliveries: int = 0
    authorship: int = 0

    def describe(self) -> str:
        """``deleted 12 answers, 3 notes, …``: what ``sdo forget`` prints."""
        return (
            f"deleted {self.answers} answers, {self.notes} notes, {self.deliveries} deliveries, "
            f"{self.memberships} team memberships, {self.manager_roles} manager roles, "
            f"{self.profiles} profiles, {self.teams_chats} Teams chats, {self.away_marks} away "
            f"marks, {self.release_deliveries} release pulses; their id taken off "
            f"{self.authorship} team settings they changed "
            f"({self.summarised} closed rounds summarised first)"
        )


class Retention(UseCases):
    """Use cases that delete what is kept no longer (and keep the aggregates).

    Args:
        store: the database and clock.
        batch: rows per delete statement, rounds per summary statement.
        batches_per_tick: statements ``daily`` runs per call before it yields to the tick.
    """

    def __init__(
        self,
        store: Store,
        *,
        batch: int = DEFAULT_BATCH,
        batches_per_tick: int = DEFAULT_BATCHES_PER_TICK,
    ) -> None:
        super().__init__(store)
        if batch < 1 or batches_per_tick < 1:
            raise ValueError("batch and batches_per_tick must be 1 or more")
        self.batch = batch
        self.batches_per_tick = batches_per_tick
        # The daily job: the run in progress (its cutoff fixed when it started), and when the
        # next one is due (None: at the next call).
        self._run: Purged | None = None
        self._next_run_at: datetime | None = None

    async def daily(self, *, days: int | None) -> Purged | None:
        """The daily job, for the scheduler tick: once per 24 hours of the app's clock, delete
        the answers and notes of rounds closed more than ``days`` days ago (None: keep them).

        A run spans as many calls as it needs (``batches_per_tick`` statements each); the call
        that finishes it logs its counts and returns them. None from every other call.
        """
        if days is None:
            return None
        now = self.store.now()
        if self._run is None:
            if self._next_run_at is not None and now < self._next_run_at:
                return None
            self._run = Purged(days=days, closed_before=now - timedelta(days=days))
            self._next_run_at = now + DAY
        run = await self.purge(
            days=self._run.days, max_batches=self.batches_per_tick, so_far=self._run
        )
        if not run.finished:
            self._run = run
            return None
        self._run = None
        log.info(
            "retention: deleted %d answers and %d notes (%d rows) of %d rounds closed more than "
            "%d days ago, in %d deletes of up to %d rows; %d rounds summarised first",
            run.answers,
            run.notes,
            run.rows,
            run.rounds,
            run.days,
            run.batches,
            self.batch,
            run.summarised,
        )
        return run

    async def purge(
        self, *, days: int, max_batches: int | None = None, so_far: Purged | None = None
    ) -> Purged:
        """Delete the answers and notes of rounds closed more than ``days`` days ago: round
        batch by round batch, each summarised first, ``batch`` rows per delete statement, each
        statement its own transaction.

        Args:
            days: the retention, in days.
            max_batches: return after this many statements (``finished`` False); None: finish.
            so_far: a run to carry on, with its cutoff and counts.
        """
        run = so_far or Purged(days=days, closed_before=self.store.now() - timedelta(days=days))
        statements = 0
        while max_batches is None or statements < max_batches:
            if not run.pending and not run.more:
                break
            statements += 1
            run = await (self._delete_batch(run) if run.pending else self._next_rounds(run))
        return replace(run, finished=not run.pending and not run.more)

    async def _next_rounds(self, run: Purged) -> Purged:
        """Fetch the next rounds past the cutoff and summarise those without a summary."""
        now = self.store.now()
        async with self.store.write(affects_status=False) as s:
            due = await retention_sql.rounds_to_purge(
                s, closed_before=run.closed_before, limit=self.batch
            )
            by_workspace: dict[str, list[int]] = {}
            for workspace_id, round_id in due:
                by_workspace.setdefault(workspace_id, []).append(round_id)
            written = 0
            for workspace_id, round_ids in by_workspace.items():
                written += await retention_sql.summarise_rounds(
                    s, workspace_id=workspace_id, round_ids=round_ids, now=now
                )
        return replace(
            run,
            pending=tuple(round_id for _, round_id in due),
            more=len(due) == self.batch,
            summarised=run.summarised + written,
            round_batches=run.round_batches + 1,
        )

    async def _delete_batch(self, run: Purged) -> Purged:
        """Delete up to ``batch`` answer rows of the pending rounds; when that was the last of
        them, mark the rounds done (in the same transaction)."""
        marked = 0
        async with self.store.write() as s:
            deleted = await retention_sql.delete_answers_of_rounds(
                s, round_ids=run.pending, limit=self.batch
            )
            emptied = deleted.rows < self.batch
            if emptied:
                marked = await retention_sql.mark_answers_deleted(
                    s, round_ids=run.pending, now=self.store.now()
                )
        return replace(
            run,
            answers=run.answers + deleted.answers,
            notes=run.notes + deleted.notes,
            rows=run.rows + deleted.rows,
            rounds=run.rounds + marked,
            batches=run.batches + 1,
            pending=() if emptied else run.pending,
        )

    async def forget(self, *, workspace_id: str, user_id: str) -> Forgotten:
        """Delete what is stored about one person in one workspace (a data subject request).

        Their closed rounds are summarised first, so those rounds keep their aggregate; then
        their ledger rows, memberships, roles, profile and Teams chat go (so no new answer of
        theirs can be stored), then their answers and notes, ``batch`` rows per statement.
        Safe to run again: a second run finds nothing more.
        """
        now = self.store.now()
        async with self.store.read() as s:
            rounds = await retention_sql.person_rounds_to_summarise(
                s, workspace_id=workspace_id, user_id=user_id
            )
        summarised = 0
        for start in range(0, len(rounds), self.batch):
            async with self.store.write(affects_status=False) as s:
                summarised += await retention_sql.summarise_rounds(
                    s,
                    workspace_id=workspace_id,
                    round_ids=rounds[start : start + self.batch],
                    now=now,
                )
        async with self.store.write() as s:
            person = await retention_sql.delete_person(
                s, workspace_id=workspace_id, user_id=user_id
            )
        answers = notes = 0
        while True:
            async with self.store.write() as s:
                deleted = await retention_sql.delete_person_answers(
                    s, workspace_id=workspace_id, user_id=user_id, limit=self.batch
                )
            answers, notes = answers + deleted.answers, notes + deleted.notes
            if deleted.rows < self.batch:
                break
        forgotten = Forgotten(
            answers=answers,
            notes=notes,
            deliveries=person.deliveries,
            memberships=person.memberships,
            manager_roles=person.manager_roles,
            profiles=person.profiles,
            teams_chats=person.teams_chats,
            summarised=summarised,
            away_marks=person.away_marks,
            release_deliveries=person.release_deliveries,
            authorship=person.authorship,
        )
        # Never the person's id: this line is about their erasure.
        log.info("forget: one person of %s: %s", workspace_id, forgotten.describe())
        return forgotten
