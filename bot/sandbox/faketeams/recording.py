"""The records tests assert on: ``Call`` (a request and its answer), ``Sent`` (a stored activity),
``Created`` (a conversation asked for), and the ``Recorder`` that sorts calls by their answer."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from bot.sandbox.faketeams.protocol import ROSTER_OPERATIONS, JsonDict, Op


@dataclass(frozen=True, slots=True)
class Call(Op):
    """One request the fake received and how it was answered (the fields of ``Op``, and:).

    Attributes:
        status: HTTP status of the answer.
        error: ``error.code`` of an error answer (``"http_<status>"`` without one), else None.
        message: ``error.message`` of an error answer, else None.
        retry_after: The ``Retry-After`` header of a 429, else None.
    """

    status: int = 200
    error: str | None = None
    message: str | None = None
    retry_after: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the connector accepted the request (a 2xx)."""
        return 200 <= self.status < 300

    def to_json(self) -> JsonDict:
        """A JSON-safe dict of this call (``GET /_requests``)."""
        return {**asdict(self), "query": dict(self.query)}


@dataclass(frozen=True, slots=True)
class Sent:
    """An activity the connector accepted: sent, replied, posted with a new conversation, or
    (in ``updates``) an update, or (in ``deleted``) a deletion.

    Attributes:
        kind: ``"send"``, ``"reply"``, ``"create"``, ``"update"`` or ``"delete"``.
        conversation_id: The conversation as the request named it (a channel thread keeps its
            ``;messageid=`` suffix here; ``activities`` is keyed without it).
        activity_id: The id the connector gave (or, for an update or delete, its target).
        body: The JSON activity as it arrived (``{}`` for a delete).
        reply_to_id: The ``{activityId}`` a reply was posted to.
        at: ``time.monotonic()`` on arrival.
    """

    kind: str
    conversation_id: str
    activity_id: str
    body: JsonDict
    at: float
    reply_to_id: str | None = None

    def to_json(self) -> JsonDict:
        """A JSON-safe dict of this record (``GET /_sent``)."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Created:
    """A ``POST v3/conversations`` the connector accepted.

    Attributes:
        conversation_id: The id answered (stable per user and tenant for a 1:1 chat).
        tenant_id: The tenant the body named.
        user_id: The ``29:`` id of the member of a 1:1 chat (None for a channel post).
        is_group: The body's ``isGroup``.
        new: Whether the conversation did not exist before this request.
        activity_id: The id of the activity the body carried, if any.
        body: The JSON body as it arrived.
    """

    conversation_id: str
    tenant_id: str
    user_id: str | None
    is_group: bool
    new: bool
    body: JsonDict
    activity_id: str | None = None


class Recorder:
    """Every request in arrival order, and sorted by answer: a part of ``FakeTeams``."""

    def __init__(self) -> None:
        """Start with nothing recorded."""
        self.requests: list[Call] = []
        self.rate_limited: list[Call] = []
        self.server_errors: list[Call] = []
        self.rejected: list[Call] = []
        self.roster_requests: list[Call] = []

    def calls_to(self, operation: str, *, ok: bool | None = None) -> list[Call]:
        """Recorded calls of one operation (``"send"``, ``"paged_members"``…), in order.

        Args:
            operation: An ``Op.operation``.
            ok: Keep only accepted (True) or only refused (False) ones; None keeps all.
        """
        return [
            call
            for call in self.requests
            if call.operation == operation and (ok is None or call.ok is ok)
        ]

    def clear_recordings(self) -> None:
        """Forget every recorded request."""
        for calls in (
            self.requests,
            self.rate_limited,
            self.server_errors,
            self.rejected,
            self.roster_requests,
        ):
            calls.clear()

    def _record(self, call: Call) -> None:
        self.requests.append(call)
        if call.operation in ROSTER_OPERATIONS:
            self.roster_requests.append(call)
        if call.status == 429:
            self.rate_limited.append(call)
        elif call.status >= 500:
            self.server_errors.append(call)
        elif call.status >= 400:
            self.rejected.append(call)

    def _dump_requests(self, *, since: int) -> dict[str, Any]:
        """The body of ``GET /_requests``: calls from index ``since`` on."""
        return {"requests": [call.to_json() for call in self.requests[since:]]}
