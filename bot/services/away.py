"""Away members: managers' marks, the fan-out's check as it reaches each member, and a member
who asks for their pulse after all ("Pulse me now", ``/sdo pulse me``).

Who is away is decided once per member and round, when the round's fan-out first claims their
delivery (``bot.delivery.fanout``): a manager's mark holding on the team's today, or a chat
status that says away (``bot.domain.away``) as the platform last read it. Their delivery row
becomes ``away`` (``storage.away``): no DM, no reminder, not asked, counted as away.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot.domain.away import (
    AwayItems,
    AwayMark,
    AwayRules,
    ChatStatus,
    MarkOutcome,
    away_by_status,
    change_rules,
)
from bot.domain.model import Round, Team, valid_tz
from bot.services.store import UseCases
from storage import away as away_sql
from storage import teams as teams_sql


class Away(UseCases):
    """Use cases over away marks and away deliveries."""

    def today(self, team: Team) -> date:
        """The date in the team's time zone now (a mark's "until" is inclusive there)."""
        return self.store.now().astimezone(ZoneInfo(valid_tz(team.tz))).date()

    async def mark(self, *, team: Team, user_id: str, until: date, by: str | None) -> MarkOutcome:
        """Mark a member away until ``until`` (inclusive); refused when that date has passed
        or the person is no member of the team (a bot, someone from another channel)."""
        if until < self.today(team):
            return MarkOutcome.DATE_PASSED
        async with self.store.write() as s:
            if not await teams_sql.is_team_member(
                s, workspace_id=team.workspace_id, team_id=team.id, user_id=user_id
            ):
                return MarkOutcome.NOT_A_MEMBER
            await away_sql.set_mark(
                s,
                workspace_id=team.workspace_id,
                team_id=team.id,
                user_id=user_id,
                until=until,
                marked_by=by,
                now=self.store.now(),
            )
        return MarkOutcome.MARKED

    async def unmark(self, *, team: Team, user_id: str) -> bool:
        """Take a member's mark off (they are asked from the next round). False: none."""
        async with self.store.write() as s:
            return await away_sql.clear_mark(
                s, workspace_id=team.workspace_id, team_id=team.id, user_id=user_id
            )

    async def marks(self, *, team: Team) -> list[AwayMark]:
        """The team's marks that hold today or later (for its managers only)."""
        async with self.store.read() as s:
            return await away_sql.marks(
                s, workspace_id=team.workspace_id, team_id=team.id, today=self.today(team)
            )

    async def rules(self, *, team: Team) -> AwayRules:
        """The chat statuses that mean away for the team (the defaults unless it changed them)."""
        async with self.store.read() as s:
            return await away_sql.get_rules(s, workspace_id=team.workspace_id, team_id=team.id)

    async def change_rules(
        self, *, team: Team, action: str, items: AwayItems, by: str | None
    ) -> tuple[AwayRules, str | None]:
        """Add or remove ``items`` (``action`` "add" or "remove"), or "reset" to the defaults;
        the list as it stands after, and why it was refused (None: changed)."""
        ws, team_id, now = team.workspace_id, team.id, self.store.now()
        async with self.store.write() as s:
            if action == "reset":
                await away_sql.set_rules(
                    s, workspace_id=ws, team_id=team_id, rules=None, by=by, now=now
                )
                return AwayRules(), None
            rules = await away_sql.get_rules(s, workspace_id=ws, team_id=team_id)
            changed = change_rules(
                rules,
                add=items if action == "add" else None,
                remove=items if action == "remove" else None,
            )
            if isinstance(changed, str):
                return rules, changed
            await away_sql.set_rules(
                s, workspace_id=ws, team_id=team_id, rules=changed, by=by, now=now
            )
            return changed, None

    async def set_aside(
        self,
        *,
        team: Team,
        round_id: int,
        owner: str,
        user_ids: Sequence[str],
        statuses: Mapping[str, ChatStatus],
    ) -> set[str]:
        """Of the deliveries ``owner`` just claimed for the first time, record those of members
        who are away (marked, or their status says so) as away; their user ids.

        The ids are those judged away, whether or not this call's write changed their rows: a
        retry after a commit whose answer was lost finds them away already, and must not send
        them."""
        now = self.store.now()
        async with self.store.write() as s:
            rules = await away_sql.get_rules(s, workspace_id=team.workspace_id, team_id=team.id)
            by_status = {
                u for u in user_ids if away_by_status(statuses.get(u), now=now, rules=rules)
            }
            marked = await away_sql.marked_among(
                s,
                workspace_id=team.workspace_id,
                team_id=team.id,
                user_ids=user_ids,
                today=self.today(team),
            )
            away = sorted(by_status | marked)
            if not away:
                return set()
            await away_sql.set_aside(
                s,
                workspace_id=team.workspace_id,
                round_id=round_id,
                user_ids=away,
                owner=owner,
                now=now,
            )
        return set(away)

    async def open_rounds(
        self, *, workspace_id: str, user_id: str, team: Team | None = None
    ) -> list[tuple[Team, Round]]:
        """The open rounds the member was away for (of ``team`` only, when given)."""
        async with self.store.read() as s:
            rounds = await away_sql.open_rounds_away(s, workspace_id=workspace_id, user_id=user_id)
            found = []
            for team_id, rnd in sorted(rounds.items()):
                if team is not None and team_id != team.id:
                    continue
                of = team or await teams_sql.get_team(s, workspace_id=workspace_id, team_id=team_id)
                if of is not None:
                    found.append((of, rnd))
        return found

    async def take_back(
        self, *, team: Team, round_id: int, user_id: str, owner: str, lease: timedelta
    ) -> bool:
        """Lease the member's away delivery to ``owner`` to send it now (away → pending, then
        sent like any other). False when it is not away (sent already, or taken by another)."""
        now = self.store.now()
        async with self.store.write() as s:
            return await away_sql.take_back(
                s,
                workspace_id=team.workspace_id,
                round_id=round_id,
                user_id=user_id,
                owner=owner,
                until=now + lease,
                now=now,
            )
