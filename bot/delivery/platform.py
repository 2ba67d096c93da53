"""What the core asks of a chat platform: the seam between SDO Pulse and Slack (or Teams).

The scheduler, the fan-out and the digest speak only to a ``ChatPlatform``. An adapter
(``bot.slack.platform.SlackPlatform``; later one for Teams) implements it: it turns the core's
views (``bot.domain.views``, ``DigestView``) into its own messages, speaks its own API, and
reports every refusal or outage as a ``PlatformError`` — never its own exception types.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.domain.away import ChatStatus
from bot.domain.model import Team
from bot.domain.releases import ReleasePulseView
from bot.domain.views import DigestView, PersonInfo, PulseView, ReminderView


@dataclass(frozen=True, slots=True)
class SentMessage:
    """Where a message the platform accepted now is (to update it later)."""

    channel_id: str
    ts: str


@dataclass(frozen=True, slots=True)
class ImageRef:
    """A picture the platform can show: its id there and the words that describe it."""

    file_id: str
    alt_text: str
    title: str = ""


class PlatformError(Exception):
    """The platform did not take a request.

    Args:
        reason: the platform's short name for why (``not_in_channel``, ``ratelimited``, …);
            never a token or a message body.
        passing: a rate limit, a server error or a dropped connection, after the client's own
            retries: worth trying again later. ``False``: refused for good (retrying is futile).
    """

    def __init__(self, reason: str, *, passing: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.passing = passing


class ChatPlatform(Protocol):
    """A chat platform as the core sees it. Every method raises only ``PlatformError``."""

    async def send_pulse(self, *, workspace_id: str, user_id: str, pulse: PulseView) -> SentMessage:
        """Send a member their pulse in a direct message."""
        ...

    async def update_pulse(self, *, workspace_id: str, sent: SentMessage, pulse: PulseView) -> None:
        """Show a changed pulse (the member's choices, or the round closed) in place."""
        ...

    async def send_release_pulse(
        self, *, workspace_id: str, user_id: str, pulse: ReleasePulseView
    ) -> SentMessage:
        """Ask a member, in a direct message, whether a customer accepted a release."""
        ...

    async def remind(self, *, workspace_id: str, channel_id: str, reminder: ReminderView) -> None:
        """Post the one reminder in the direct message the pulse went to."""
        ...

    async def post_digest(self, *, team: Team, digest: DigestView) -> SentMessage:
        """Post a round's digest (with its pictures) to the team's channel."""
        ...

    async def person(self, *, workspace_id: str, user_id: str) -> PersonInfo:
        """Who a user is (name, time zone, admin, human or not)."""
        ...

    async def channel_humans(self, *, workspace_id: str, channel_id: str) -> list[PersonInfo]:
        """The humans in a channel (bots, the platform's own bot and deactivated users left out)."""
        ...

    async def statuses(
        self, *, workspace_id: str, user_ids: Sequence[str]
    ) -> dict[str, ChatStatus]:
        """The chat statuses of these people, by user id (absent: none, or none readable),
        from what the platform adapter already knows when it can (the fan-out asks once per
        batch of a round's members, to set the away ones aside)."""
        ...

    async def upload_picture(
        self, *, workspace_id: str, png: bytes, filename: str, title: str, alt_text: str
    ) -> ImageRef:
        """Make a picture showable in messages of that workspace."""
        ...
