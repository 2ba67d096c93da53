"""Release pulses: a team's webhook, a published release recorded once and asked about in
working hours, each member's answer, and the aggregate line status and the digest show.

How a release answer counts (SPEC §2 scoring, the D circle "customers accept deliveries"):

- Each release keeps its own tally: "Release v2.3: 4 of 6 say accepted" (Yes among those who
  answered; below the team's minimum of respondents, only how many answered).
- It also stands for the member's D answer in the team's open round when they have none of
  their own there (and the round was sent to them, so they are asked): their own pulse click
  always wins, and a later release click changes D only while D still holds what the release
  wrote. A closed round is never changed.

Secrets are stored encrypted with ``SDO_ENCRYPTION_KEY`` when set (``use_cipher``).
"""

from __future__ import annotations

import secrets as random_secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.domain.away import DEFAULT_AWAY_RULES, ChatStatus, away_by_status
from bot.domain.circles import AnswerValue
from bot.domain.model import DeliveryStatus, Team, valid_tz
from bot.domain.releases import RELEASE_SPACING, ReleaseLine, ReleasePulseView, ask_time
from bot.services.store import UseCases
from storage import away as away_sql
from storage import ledger as ledger_sql
from storage import releases as releases_sql
from storage import rounds as rounds_sql
from storage import teams as teams_sql
from storage.db import Session
from storage.releases import StoredRelease

KEY_BYTES = 24
SECRET_BYTES = 32


class Cipher(Protocol):
    def encrypt(self, token: str) -> str: ...

    def decrypt(self, stored: str) -> str: ...


class _Plain:
    def encrypt(self, token: str) -> str:
        return token

    def decrypt(self, stored: str) -> str:
        return stored


@dataclass(frozen=True, slots=True)
class Hook:
    """A team's webhook as its managers see it (key in the URL, and the secret)."""

    key: str
    secret: str


@dataclass(frozen=True, slots=True)
class Received:
    """What a signed release report did: ``new`` (asks at ``ask_at``), ``replay`` (recorded
    before: nothing new) or ``spaced`` (recorded, asks nobody: another within the hour)."""

    outcome: str
    ask_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ReleaseToSend:
    team: Team
    release: StoredRelease


class Releases(UseCases):
    """Use cases over release hooks, releases and their pulses."""

    cipher: Cipher = _Plain()

    def use_cipher(self, cipher: Cipher) -> None:
        self.cipher = cipher

    # -- the hook ----------------------------------------------------------------------------

    async def hook(self, *, team: Team, rotate: bool = False) -> Hook:
        """The team's hook, created on first use; ``rotate``: a new secret (the old one stops
        working at once; the URL stays)."""
        async with self.store.write(affects_status=False) as s:
            stored = await releases_sql.team_hook(
                s, workspace_id=team.workspace_id, team_id=team.id
            )
            if stored is not None and not rotate:
                return Hook(key=stored.key, secret=self.cipher.decrypt(stored.secret))
            key = stored.key if stored else random_secrets.token_urlsafe(KEY_BYTES)
            secret = random_secrets.token_urlsafe(SECRET_BYTES)
            await releases_sql.set_hook(
                s,
                workspace_id=team.workspace_id,
                team_id=team.id,
                key=key,
                secret=self.cipher.encrypt(secret),
                now=self.store.now(),
            )
        return Hook(key=key, secret=secret)

    async def by_key(self, key: str) -> tuple[Team, str] | None:
        """The team a hook key belongs to and its secret; None for an unknown key."""
        async with self.store.read() as s:
            stored = await releases_sql.hook_by_key(s, key=key)
            if stored is None:
                return None
            team = await teams_sql.get_team(
                s, workspace_id=stored.workspace_id, team_id=stored.team_id
            )
        if team is None:
            return None
        return team, self.cipher.decrypt(stored.secret)

    # -- a release reported -------------------------------------------------------------------

    async def receive(self, *, team: Team, delivery_id: str, name: str, source: str) -> Received:
        """Record a published release once per delivery id; it asks at the next working
        hour, unless another release of the team asks within the hour of then."""
        now = self.store.now()
        ask_at = ask_time(now, valid_tz(team.tz))
        async with self.store.write(affects_status=False) as s:
            spaced = await releases_sql.asked_near(
                s,
                workspace_id=team.workspace_id,
                team_id=team.id,
                at=ask_at,
                within=RELEASE_SPACING,
            )
            release_id = await releases_sql.record_release(
                s,
                workspace_id=team.workspace_id,
                team_id=team.id,
                delivery_id=delivery_id,
                name=name,
                source=source,
                now=now,
                ask_at=None if spaced else ask_at,
            )
        if release_id is None:
            return Received("replay")
        return Received("spaced") if spaced else Received("new", ask_at=ask_at)

    # -- sending --------------------------------------------------------------------------------

    async def open_due(self) -> int:
        """Releases whose time has come get a pending delivery per active team member."""
        now = self.store.now()
        async with self.store.read() as s:
            if not await releases_sql.any_due(s, now=now):
                return 0
        async with self.store.write(affects_status=False) as s:
            due = await releases_sql.claim_due_releases(s, now=now)
            for release in due:
                members = await teams_sql.list_team_members(
                    s, workspace_id=release.workspace_id, team_id=release.team_id
                )
                await releases_sql.create_deliveries(
                    s,
                    workspace_id=release.workspace_id,
                    release_id=release.id,
                    user_ids=[m.user_id for m in members],
                    now=now,
                )
        return len(due)

    async def to_send(self) -> list[ReleaseToSend]:
        now = self.store.now()
        async with self.store.read() as s:
            found = []
            for release in await releases_sql.releases_to_send(s, now=now):
                team = await teams_sql.get_team(
                    s, workspace_id=release.workspace_id, team_id=release.team_id
                )
                if team is not None:
                    found.append(ReleaseToSend(team=team, release=release))
        return found

    async def claim(
        self, *, release_id: int, owner: str, lease: timedelta, limit: int
    ) -> list[tuple[str, int]]:
        now = self.store.now()
        async with self.store.write(affects_status=False) as s:
            return await releases_sql.claim_deliveries(
                s, release_id=release_id, owner=owner, now=now, until=now + lease, limit=limit
            )

    async def away_among(
        self, *, team: Team, user_ids: list[str], statuses: dict[str, ChatStatus]
    ) -> set[str]:
        """Those of ``user_ids`` away now: a manager's mark or their chat status."""
        now = self.store.now()
        by_status = {
            u
            for u in user_ids
            if away_by_status(statuses.get(u), now=now, rules=DEFAULT_AWAY_RULES)
        }
        today = now.astimezone(ZoneInfo(valid_tz(team.tz))).date()
        async with self.store.read() as s:
            marked = await away_sql.marked_among(
                s, workspace_id=team.workspace_id, team_id=team.id, user_ids=user_ids, today=today
            )
        return by_status | marked

    async def settle(
        self,
        *,
        release_id: int,
        user_id: str,
        owner: str,
        status: DeliveryStatus,
        channel_id: str | None = None,
        message_ts: str | None = None,
        retry_in: timedelta | None = None,
    ) -> bool:
        now = self.store.now()
        async with self.store.write(affects_status=status is DeliveryStatus.SENT) as s:
            return await releases_sql.settle(
                s,
                release_id=release_id,
                user_id=user_id,
                owner=owner,
                status=status.value,
                now=now,
                channel_id=channel_id,
                message_ts=message_ts,
                retry_at=now + retry_in if retry_in is not None else None,
            )

    # -- answers and the tally ------------------------------------------------------------------

    async def answer(
        self, *, workspace_id: str, release_id: int, user_id: str, value: AnswerValue
    ) -> ReleasePulseView | None:
        """Store a member's answer (theirs alone); it may stand for their D answer of the open
        round (see the module). None when the release was not sent to them."""
        now = self.store.now()
        async with self.store.write() as s:
            previous = await releases_sql.previous_answer_at(
                s, workspace_id=workspace_id, release_id=release_id, user_id=user_id
            )
            release = await releases_sql.record_answer(
                s,
                workspace_id=workspace_id,
                release_id=release_id,
                user_id=user_id,
                value=value.value,
                now=now,
            )
            if release is None:
                return None
            team = await teams_sql.get_team(s, workspace_id=workspace_id, team_id=release.team_id)
            rnd = await rounds_sql.get_open_round(
                s, workspace_id=workspace_id, team_id=release.team_id
            )
            if rnd is not None:
                delivery = await ledger_sql.get_delivery(
                    s, workspace_id=workspace_id, round_id=rnd.id, user_id=user_id
                )
                if delivery is not None and delivery.status is DeliveryStatus.SENT:
                    await releases_sql.fill_d_answer(
                        s,
                        workspace_id=workspace_id,
                        round_id=rnd.id,
                        user_id=user_id,
                        value=value.value,
                        now=now,
                        previous=previous,
                    )
        return ReleasePulseView(
            team_name=team.name if team else "",
            release_id=release.id,
            release_name=release.name,
            answer=value,
        )

    async def forget_answers(self, *, days: int) -> int:
        """``SDO_RETENTION_DAYS``: blank the answers of releases received more than ``days``
        days ago (the release and who was asked stay); how many."""
        cutoff = self.store.now() - timedelta(days=days)
        async with self.store.read() as s:  # most ticks find none, and write nothing
            if not await releases_sql.any_answered_before(s, cutoff=cutoff):
                return 0
        async with self.store.write() as s:
            return await releases_sql.forget_answers_before(s, cutoff=cutoff)

    async def line(self, *, team: Team, since: datetime | None = None) -> ReleaseLine | None:
        """The team's latest release pulse as counts (since ``since``, when given)."""
        async with self.store.read() as s:
            return await release_line(s, team=team, since=since)


async def release_line(
    s: Session, *, team: Team, since: datetime | None = None
) -> ReleaseLine | None:
    """The team's latest release pulse that asked anyone (since ``since``) as counts, in a
    transaction (status and the digest read it beside their own figures)."""
    tally = await releases_sql.latest_tally(
        s, workspace_id=team.workspace_id, team_id=team.id, since=since
    )
    if tally is None:
        return None
    return ReleaseLine(
        name=tally.name,
        accepted=tally.accepted,
        answered=tally.answered,
        asked=tally.asked,
        min_respondents=team.rules.min_respondents,
    )
