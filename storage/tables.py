"""SQLModel tables. Every row carries the workspace id it belongs to.

A workspace is a Slack workspace (``T…``) or a Microsoft Teams tenant (``msteams:<tenant id>``);
Teams ids are long (``29:…`` users, ``19:…@thread.tacv2`` channels, ``a:…`` chats), hence the
widths in ``storage.columns`` (migration 0005).
"""

from __future__ import annotations

from datetime import date, datetime

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Column, Index, LargeBinary, String, UniqueConstraint, text
from sqlmodel import Field, SQLModel

# The column types and widths the tables share; migrations name the type
# ``storage.tables.UTCDateTime``, hence its explicit re-export.
from storage.columns import (
    ID_CHARS,
    URL_CHARS,
    WORKSPACE_CHARS,
    partial_index,
    required_timestamp,
    timestamp,
)
from storage.columns import UTCDateTime as UTCDateTime


class WorkspaceRow(SQLModel, table=True):
    __tablename__ = "workspace"

    id: str = Field(primary_key=True, max_length=WORKSPACE_CHARS)
    name: str = Field(default="", max_length=200)
    installed_at: datetime = required_timestamp()


class TeamRow(SQLModel, table=True):
    __tablename__ = "team"
    __table_args__ = (
        UniqueConstraint("workspace_id", "channel_id", name="uq_team_channel"),
        # The scheduler tick scans these every few seconds (``storage.due``), across every
        # workspace: each scan is a lookup in an index of what may come due, partial so that
        # it holds those rows alone (migration 0007): only an open round has a reminder and
        # close time, and the few teams to arm are apart from those with a next pulse.
        partial_index("ix_team_next_pulse_at", "next_pulse_at", where="next_pulse_at IS NOT NULL"),
        partial_index(
            "ix_team_next_reminder_at", "next_reminder_at", where="next_reminder_at IS NOT NULL"
        ),
        partial_index("ix_team_next_close_at", "next_close_at", where="next_close_at IS NOT NULL"),
        partial_index(
            "ix_team_unarmed",
            "id",
            where="schedule_enabled IS {true} AND next_pulse_at IS NULL",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", index=True, max_length=WORKSPACE_CHARS)
    channel_id: str = Field(max_length=ID_CHARS)
    name: str = Field(max_length=200)
    tz: str = Field(default="UTC", max_length=64)
    threshold: float = 0.5
    min_respondents: int = 3
    # Schedule, in the team's time zone (weekday 0 = Monday).
    schedule_enabled: bool = True
    pulse_weekday: int = 3
    pulse_time: str = Field(default="15:00", max_length=5)
    reminder_enabled: bool = True
    reminder_weekday: int = 4
    reminder_time: str = Field(default="11:00", max_length=5)
    close_weekday: int = 0
    close_time: str = Field(default="10:00", max_length=5)
    every_weeks: int = 1
    # Next due times (UTC), claimed by the scheduler tick with compare-and-set.
    next_pulse_at: datetime | None = timestamp()
    next_reminder_at: datetime | None = timestamp()
    next_close_at: datetime | None = timestamp()
    created_at: datetime = required_timestamp()


class ManagerRow(SQLModel, table=True):
    __tablename__ = "manager"

    workspace_id: str = Field(primary_key=True, max_length=WORKSPACE_CHARS)
    team_id: int = Field(primary_key=True, foreign_key="team.id")
    user_id: str = Field(primary_key=True, max_length=ID_CHARS)


class AwayMarkRow(SQLModel, table=True):
    """A manager marked a member away until a date (inclusive, the team's time zone): the
    fan-out sends them nothing while it holds (``storage.away``, migration 0009)."""

    __tablename__ = "away_mark"

    workspace_id: str = Field(primary_key=True, max_length=WORKSPACE_CHARS)
    team_id: int = Field(primary_key=True, foreign_key="team.id")
    user_id: str = Field(primary_key=True, max_length=ID_CHARS)
    until: date
    marked_by: str | None = Field(default=None, max_length=ID_CHARS)
    marked_at: datetime = required_timestamp()


class TeamAwayRulesRow(SQLModel, table=True):
    """A team's own list of the chat statuses that mean away (``storage.away``, migration
    0012): its emoji and its words, one per line; no row keeps the defaults."""

    __tablename__ = "team_away_rules"

    workspace_id: str = Field(primary_key=True, max_length=WORKSPACE_CHARS)
    team_id: int = Field(primary_key=True, foreign_key="team.id")
    emoji: str = Field(default="", max_length=4000)
    words: str = Field(default="", max_length=4000)
    updated_by: str | None = Field(default=None, max_length=ID_CHARS)
    updated_at: datetime = required_timestamp()


class TeamQuestionRow(SQLModel, table=True):
    """A team's own wording of one circle's pulse question (``storage.questions``, migration
    0010); a circle without a row keeps the default wording."""

    __tablename__ = "team_question"

    workspace_id: str = Field(primary_key=True, max_length=WORKSPACE_CHARS)
    team_id: int = Field(primary_key=True, foreign_key="team.id")
    circle: str = Field(primary_key=True, max_length=1)
    text: str = Field(max_length=200)
    updated_by: str | None = Field(default=None, max_length=ID_CHARS)
    updated_at: datetime = required_timestamp()


class MemberRow(SQLModel, table=True):
    __tablename__ = "member"

    workspace_id: str = Field(primary_key=True, max_length=WORKSPACE_CHARS)
    user_id: str = Field(primary_key=True, max_length=ID_CHARS)
    name: str = Field(default="", max_length=200)
    tz: str | None = Field(default=None, max_length=64)
    active: bool = True
    is_admin: bool = False
    updated_at: datetime = required_timestamp()


class TeamMemberRow(SQLModel, table=True):
    __tablename__ = "team_member"

    workspace_id: str = Field(primary_key=True, max_length=WORKSPACE_CHARS)
    team_id: int = Field(primary_key=True, foreign_key="team.id")
    user_id: str = Field(primary_key=True, max_length=ID_CHARS)
    active: bool = True
    joined_at: datetime = required_timestamp()


class RoundRow(SQLModel, table=True):
    __tablename__ = "round"
    __table_args__ = (
        UniqueConstraint("team_id", "period", name="uq_round_period"),
        # At most one open round per team, enforced by the database on both dialects.
        Index(
            "uq_round_one_open",
            "team_id",
            unique=True,
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
        # The tick looks for closed rounds whose digest is not posted (nor refused) yet.
        partial_index(
            "ix_round_awaiting_digest",
            "closed_at",
            where="closed_at IS NOT NULL AND digest_settled_at IS NULL",
        ),
        # Each team's last rounds, newest first (status, history, `status all`).
        Index("ix_round_team_opened", "team_id", "opened_at", "id"),
        # The retention job looks for closed rounds whose answers are not deleted yet, by close
        # time (``storage.retention``): an index of those alone, so a day's run reads the rounds
        # that passed the cutoff since the last one, not every round ever closed.
        partial_index(
            "ix_round_unpurged",
            "closed_at",
            where="closed_at IS NOT NULL AND answers_deleted_at IS NULL",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(index=True, max_length=WORKSPACE_CHARS)
    team_id: int = Field(foreign_key="team.id")
    period: str = Field(max_length=40)
    number: int = 1
    opened_at: datetime = required_timestamp()
    closed_at: datetime | None = timestamp()
    reminded_at: datetime | None = timestamp()
    # When its digest was posted or refused for good (``storage.ledger``): the tick stops
    # looking. NULL while it is open, awaiting its digest, or being posted.
    digest_settled_at: datetime | None = timestamp()
    # When the retention job deleted its answers and notes (its aggregate is in
    # ``round_summary``); NULL while they are kept.
    answers_deleted_at: datetime | None = timestamp()


class DeliveryRow(SQLModel, table=True):
    __tablename__ = "delivery"
    __table_args__ = (
        UniqueConstraint("round_id", "user_id", name="uq_delivery"),
        # A member's latest DM channel (Slack: reused instead of conversations.open).
        Index("ix_delivery_workspace_user", "workspace_id", "user_id", "id"),
        # The DMs still to send, by round: what the tick looks for and a sender claims.
        partial_index("ix_delivery_pending", "round_id", "id", where="status = 'pending'"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(max_length=WORKSPACE_CHARS)
    round_id: int = Field(foreign_key="round.id", index=True)
    user_id: str = Field(max_length=ID_CHARS)
    status: str = Field(default="pending", max_length=16)
    channel_id: str | None = Field(default=None, max_length=ID_CHARS)
    message_ts: str | None = Field(default=None, max_length=ID_CHARS)
    error: str | None = Field(default=None, max_length=500)
    attempts: int = 0
    # A pending row claimed by a sender: reserved for ``lease_owner`` until ``lease_until``.
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = timestamp()
    # Set when the member's one reminder was claimed (before it is sent).
    reminded_at: datetime | None = timestamp()
    updated_at: datetime = required_timestamp()


class AnswerRow(SQLModel, table=True):
    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("round_id", "user_id", "question", name="uq_answer"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(max_length=WORKSPACE_CHARS)
    round_id: int = Field(foreign_key="round.id", index=True)
    user_id: str = Field(max_length=ID_CHARS)
    question: str = Field(max_length=1)
    value: str | None = Field(default=None, max_length=16)
    note: str | None = Field(default=None, sa_column=Column(String(2000), nullable=True))
    internal_customer: bool = False
    answered_at: datetime = required_timestamp()


class RoundSummaryRow(SQLModel, table=True):
    """A closed round's aggregate, kept when its answers are not (``storage.retention``).

    Written once, before any of the round's answers is deleted (``SDO_RETENTION_DAYS``, ``sdo
    forget``); from then on the aggregate readers (``storage.aggregates``) read the round from
    here, so its region, scores, participation and trend stay as they were at closing. Counts
    only: no user id, no note. ``w_yes`` … ``d_not_sure``: the answers per circle (migration
    0008).
    """

    __tablename__ = "round_summary"

    round_id: int = Field(primary_key=True, foreign_key="round.id")
    workspace_id: str = Field(max_length=WORKSPACE_CHARS, index=True)
    w_yes: int = 0
    w_partly: int = 0
    w_no: int = 0
    w_not_sure: int = 0
    h_yes: int = 0
    h_partly: int = 0
    h_no: int = 0
    h_not_sure: int = 0
    d_yes: int = 0
    d_partly: int = 0
    d_no: int = 0
    d_not_sure: int = 0
    respondents: int = 0
    notes: int = 0
    internal_customer_notes: int = 0
    asked: int = 0
    # Members away for the round (delivery status ``away``; migration 0009).
    away: int = 0
    summarised_at: datetime = required_timestamp()


class DigestRow(SQLModel, table=True):
    __tablename__ = "digest"

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(max_length=WORKSPACE_CHARS)
    round_id: int = Field(foreign_key="round.id", unique=True)
    channel_id: str = Field(max_length=ID_CHARS)
    status: str = Field(default="claimed", max_length=16)
    message_ts: str | None = Field(default=None, max_length=ID_CHARS)
    error: str | None = Field(default=None, max_length=500)
    claimed_at: datetime = required_timestamp()
    posted_at: datetime | None = timestamp()


class ProcessedEventRow(SQLModel, table=True):
    __tablename__ = "processed_event"

    workspace_id: str = Field(primary_key=True, max_length=WORKSPACE_CHARS)
    event_id: str = Field(primary_key=True, max_length=ID_CHARS)
    received_at: datetime = required_timestamp()


class TeamsTenantRow(SQLModel, table=True):
    """A Microsoft Teams tenant the bot is installed in, and where to reach it."""

    __tablename__ = "teams_tenant"

    workspace_id: str = Field(primary_key=True, max_length=WORKSPACE_CHARS)
    tenant_id: str = Field(max_length=64)
    service_url: str = Field(max_length=URL_CHARS)
    bot_id: str = Field(max_length=ID_CHARS)
    updated_at: datetime = required_timestamp()


class TeamsChannelRow(SQLModel, table=True):
    """A Teams channel the bot has been in: its team (whose roster is the channel's people)."""

    __tablename__ = "teams_channel"

    workspace_id: str = Field(primary_key=True, max_length=WORKSPACE_CHARS)
    channel_id: str = Field(primary_key=True, max_length=ID_CHARS)
    teams_team_id: str = Field(max_length=ID_CHARS, index=True)
    name: str = Field(default="", max_length=200)
    service_url: str = Field(max_length=URL_CHARS)
    updated_at: datetime = required_timestamp()


class TeamsChatRow(SQLModel, table=True):
    """A member's one-to-one chat with the bot (created once, reused by every later pulse)."""

    __tablename__ = "teams_chat"

    workspace_id: str = Field(primary_key=True, max_length=WORKSPACE_CHARS)
    user_id: str = Field(primary_key=True, max_length=ID_CHARS)
    conversation_id: str = Field(max_length=ID_CHARS)
    service_url: str = Field(max_length=URL_CHARS)
    updated_at: datetime = required_timestamp()


class PictureRow(SQLModel, table=True):
    """A rendered picture that Teams cards show by URL (``GET /teams/pictures/<key>.png``)."""

    __tablename__ = "picture"

    key: str = Field(primary_key=True, max_length=64)
    workspace_id: str = Field(max_length=WORKSPACE_CHARS, index=True)
    png: bytes = Field(sa_column=Column(LargeBinary(), nullable=False))
    created_at: datetime = required_timestamp()


class ReleaseHookRow(SQLModel, table=True):
    """A team's release webhook: ``POST /hooks/release/<key>`` signed with ``secret``
    (encrypted with ``SDO_ENCRYPTION_KEY`` when set; migration 0010)."""

    __tablename__ = "release_hook"

    team_id: int = Field(primary_key=True, foreign_key="team.id")
    workspace_id: str = Field(max_length=WORKSPACE_CHARS)
    key: str = Field(max_length=64, unique=True)
    secret: str = Field(max_length=1000)
    created_at: datetime = required_timestamp()


class ReleaseRow(SQLModel, table=True):
    """A published release a hook reported: asked about at ``ask_at`` (NULL: rate-limited,
    recorded but asks nobody); ``asked_at`` once its deliveries exist."""

    __tablename__ = "release"
    __table_args__ = (UniqueConstraint("team_id", "delivery_id", name="uq_release_delivery"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(max_length=WORKSPACE_CHARS, index=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    delivery_id: str = Field(max_length=200)
    name: str = Field(max_length=200)
    source: str = Field(max_length=16)
    received_at: datetime = required_timestamp()
    ask_at: datetime | None = timestamp()
    asked_at: datetime | None = timestamp()


class ReleaseDeliveryRow(SQLModel, table=True):
    """One member's release pulse DM (same lease/mark protocol as ``delivery``) and answer."""

    __tablename__ = "release_delivery"
    __table_args__ = (UniqueConstraint("release_id", "user_id", name="uq_release_user"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(max_length=WORKSPACE_CHARS)
    release_id: int = Field(foreign_key="release.id", index=True)
    user_id: str = Field(max_length=ID_CHARS)
    status: str = Field(default="pending", max_length=16)
    channel_id: str | None = Field(default=None, max_length=ID_CHARS)
    message_ts: str | None = Field(default=None, max_length=ID_CHARS)
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = timestamp()
    attempts: int = 0
    answer: str | None = Field(default=None, max_length=16)
    answered_at: datetime | None = timestamp()
    updated_at: datetime = required_timestamp()


metadata = SQLModel.metadata

# Multi-workspace installs (OAuth): slack-sdk's own installation and state tables, on our
# database and in our migrations. Token columns are wider than slack-sdk's 200 characters
# because tokens are stored encrypted when SDO_ENCRYPTION_KEY is set.
INSTALLATIONS_TABLE = SQLAlchemyInstallationStore.build_installations_table(
    metadata, "slack_installations"
)
BOTS_TABLE = SQLAlchemyInstallationStore.build_bots_table(metadata, "slack_bots")
OAUTH_STATES_TABLE = SQLAlchemyOAuthStateStore.build_oauth_states_table(
    metadata, "slack_oauth_states"
)
TOKEN_COLUMN_CHARS = 1000
for _table in (INSTALLATIONS_TABLE, BOTS_TABLE):
    for _name in ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token"):
        if _name in _table.c:
            _table.c[_name].type = String(TOKEN_COLUMN_CHARS)
