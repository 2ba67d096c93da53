"""The plain results the services return and the views a chat platform is asked to show.

What, never how: a platform adapter turns each into its own idiom (Block Kit in Slack, an
Adaptive Card in Teams). Team-level results carry aggregates only, never an individual answer;
``AnswerOutcome`` and ``PulseView`` carry one member's own answers, for that member alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.domain.away import ChatStatus
from bot.domain.circles import Circle
from bot.domain.model import Answer, Round, Team
from bot.domain.nudges import Nudge
from bot.domain.questions import DEFAULT_WORDING, Wording
from bot.domain.regions import Region, region_label
from bot.domain.releases import ReleaseLine
from bot.domain.scoring import RoundScore
from bot.domain.trends import Trend


class Role(StrEnum):
    NONE = "none"
    MEMBER = "member"
    MANAGER = "manager"
    ADMIN = "admin"

    @property
    def can_manage(self) -> bool:
        return self in (Role.MANAGER, Role.ADMIN)

    @property
    def can_view(self) -> bool:
        return self is not Role.NONE


@dataclass(frozen=True, slots=True)
class PersonInfo:
    """What the chat platform tells us about a person."""

    user_id: str
    name: str
    tz: str | None = None
    is_admin: bool = False
    is_human: bool = True
    # A deactivated account (not human either; ``is_human`` False without it: a bot or app).
    deleted: bool = False
    # Their chat status as last read (None: none, or the platform shows none).
    status: ChatStatus | None = None


class ManagerRefusal(StrEnum):
    """Why a person cannot become a team's manager."""

    UNKNOWN = "unknown"  # the platform knows no such person
    DEACTIVATED = "deactivated"  # their account is deactivated
    BOT = "bot"  # a bot or an app (the platform's own assistant and SDO Pulse too)


@dataclass(frozen=True, slots=True)
class ManagerAdded:
    """What ``managers add`` did: made a manager now (``added``), already one, or refused.

    ``name`` is the person's name as the platform knows it (None: it knows no such person).
    """

    added: bool
    name: str | None = None
    refused: ManagerRefusal | None = None


@dataclass(frozen=True, slots=True)
class RoundView:
    round: Round
    score: RoundScore
    # Members away for this round (not asked; a count, never who).
    away: int = 0

    @property
    def region(self) -> Region | None:
        return self.score.region


@dataclass(frozen=True, slots=True)
class TeamStatus:
    """A team's aggregate position: never any individual answer."""

    team: Team
    current: RoundView | None
    last_closed: RoundView | None
    trend: Trend
    nudges: list[Nudge]
    members: int
    failed_deliveries: int = 0
    # The team's latest release pulse (``bot.domain.releases``): counts only.
    release: ReleaseLine | None = None

    @property
    def headline(self) -> RoundView | None:
        """The round the team is judged by: the open one if it is placed, else the last closed."""
        if self.current is not None and self.current.region is not None:
            return self.current
        return self.last_closed or self.current


@dataclass(frozen=True, slots=True)
class DigestView:
    team: Team
    round: RoundView
    previous: RoundView | None
    trend: Trend
    nudges: list[Nudge]
    # The latest release pulse since the round opened: counts only.
    release: ReleaseLine | None = None

    def change(self) -> str:
        """How the team moved since the previous round, in plain words (every platform says
        it the same way), e.g. "DevOps → Center: moved toward the center."."""
        now = self.round.region
        if self.previous is None:
            return "First round for this team."
        before = self.previous.region
        if before == now:
            return f"Same as the previous round ({region_label(now)})."
        if now is None or before is None:
            return f"Previous round: {region_label(before)}."
        if now.depth > before.depth:
            move = "moved toward the center"
        elif now.depth < before.depth:
            move = "moved away from the center"
        else:
            move = "moved sideways"
        return f"{region_label(before)} → {region_label(now)}: {move}."


@dataclass(frozen=True, slots=True)
class AnswerOutcome:
    """What a click did: stored, or refused because the round is closed or unknown."""

    stored: bool
    reason: str | None
    round: Round | None = None
    team: Team | None = None
    answers: dict[Circle, Answer] = field(default_factory=dict)
    # The team's wording of the questions (the refreshed pulse keeps it).
    wording: Wording = DEFAULT_WORDING
    # The team's members (the refreshed pulse names the respondents needed as the first did).
    members: int = 0

    def pulse(self, *, closed: bool = False) -> PulseView:
        """The member's pulse as it stands after this click or note (a stored or closed one)."""
        assert self.round is not None
        assert self.team is not None
        return PulseView(
            team_name=self.team.name,
            round_id=self.round.id,
            round_number=self.round.number,
            min_respondents=self.team.rules.required_respondents(self.members),
            answers=tuple(self.answers.values()),
            closed=closed,
            wording=self.wording,
        )


@dataclass(frozen=True, slots=True)
class ChannelStatus:
    """What ``channel_status`` found for one person in one channel (as cached)."""

    team: Team | None
    role: Role
    status: TeamStatus | None


@dataclass(frozen=True, slots=True)
class HomeTeam:
    team: Team
    status: TeamStatus
    manages: bool
    # The open round this person was away for and may still ask for ("Pulse me now").
    away_round_id: int | None = None


@dataclass(frozen=True, slots=True)
class PulseView:
    """A member's pulse message: the round's three questions and that member's own answers.

    Only its recipient ever sees it (their answers are in it).
    """

    team_name: str
    round_id: int
    round_number: int
    min_respondents: int
    answers: tuple[Answer, ...] = ()
    closed: bool = False
    # The team's wording of the three questions (circles, order and answers are fixed).
    wording: Wording = DEFAULT_WORDING

    def answer_to(self, circle: Circle) -> Answer | None:
        return next((a for a in self.answers if a.circle is circle), None)

    def question(self, circle: Circle) -> str:
        """The sentence this pulse asks for ``circle`` (the team's, else the default)."""
        return self.wording.question(circle)


@dataclass(frozen=True, slots=True)
class ReminderView:
    """The one reminder to a member who has not answered: which round, until when."""

    team_name: str
    round_number: int
    close_at: datetime
