"""The wire conventions every part of the fake shares.

What a request to the Bot Connector is, once routed (``Op``); how the connector says no
(``{"error": {"code": ..., "message": ...}}``, the Bot Framework ``ErrorResponse``); and the
``Answer`` a request is given. Imports nothing else from the package.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

JsonDict = dict[str, Any]

# The operations of the Bot Connector API the fake serves, by the name ``Op.operation`` gives.
MESSAGE_OPERATIONS = frozenset({"send", "reply", "update", "delete"})
ROSTER_OPERATIONS = frozenset({"members", "member", "paged_members"})


@dataclass(frozen=True, slots=True)
class Op:
    """One request to the connector, as routed: what fault predicates see.

    Attributes:
        operation: ``"create_conversation"``, ``"send"``, ``"reply"``, ``"update"``,
            ``"delete"``, ``"members"``, ``"member"``, ``"paged_members"``, ``"team_details"``,
            ``"team_channels"``, or ``"unknown"`` for a path the connector does not serve.
        method: HTTP method.
        path: The path below the service URL, e.g. ``"v3/conversations/a:1x/activities"``.
        at: ``time.monotonic()`` when the body had been read.
        conversation_id: The ``{conversationId}`` of the path (or the team id of a team path).
        activity_id: The ``{activityId}`` of the path.
        member_id: The ``{memberId}`` of the path.
        query: The query string.
        body: The decoded JSON body (``{}`` without one).
        authorized: Whether an ``Authorization: Bearer <token>`` header came (never the token).
    """

    operation: str
    method: str
    path: str
    at: float
    conversation_id: str | None = None
    activity_id: str | None = None
    member_id: str | None = None
    query: Mapping[str, str] = field(default_factory=dict)
    body: JsonDict = field(default_factory=dict)
    authorized: bool = False


Predicate = Callable[[Op], bool]


def error_body(code: str, message: str) -> JsonDict:
    """The Bot Framework ``ErrorResponse`` body the connector answers errors with."""
    return {"error": {"code": code, "message": message}}


class _MessageIds:
    """Teams message ids: milliseconds since the epoch, unique and increasing in a process."""

    last = 0

    @classmethod
    def next(cls) -> str:
        cls.last = max(time.time_ns() // 1_000_000, cls.last + 1)
        return str(cls.last)


def next_message_id() -> str:
    """A fresh Teams message id (``"1700000000123"``), for the bot's and people's messages alike."""
    return _MessageIds.next()


def base_conversation_id(conversation_id: str) -> str:
    """A channel thread's id without its ``;messageid=…`` suffix; other ids unchanged."""
    return conversation_id.split(";messageid=", 1)[0]


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP answer decided synchronously, sent after any injected latency."""

    status: int = 200
    payload: Any = None
    text: str = ""
    content_type: str = "text/plain"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    @classmethod
    def error(
        cls, status: int, code: str, message: str, *, headers: dict[str, str] | None = None
    ) -> Answer:
        """An ``ErrorResponse`` answer."""
        return cls(status, error_body(code, message), headers=headers or {})

    @property
    def error_code(self) -> str | None:
        """The ``error.code`` of an error body; ``"http_<status>"`` for another failure."""
        if self.status < 400:
            return None
        if isinstance(self.payload, dict) and isinstance(self.payload.get("error"), dict):
            return str(self.payload["error"].get("code"))
        return f"http_{self.status}"

    @property
    def error_message(self) -> str | None:
        """The ``error.message`` of an error body, if any."""
        if isinstance(self.payload, dict) and isinstance(self.payload.get("error"), dict):
            return str(self.payload["error"].get("message"))
        return None

    def to_response(self) -> web.Response:
        """The aiohttp response: JSON when there is a payload, else ``text``."""
        if self.payload is not None:
            return web.json_response(self.payload, status=self.status, headers=self.headers)
        return web.Response(
            status=self.status, text=self.text, content_type=self.content_type, headers=self.headers
        )
