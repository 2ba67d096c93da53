"""The recorded-call model: ``Call``, and the ``Recorder`` that sorts calls by their answer."""

from __future__ import annotations

from dataclasses import dataclass

from bot.sandbox.fakeslack.protocol import JsonDict


@dataclass(frozen=True, slots=True)
class Call:
    """One request the fake received.

    Attributes:
        method: Web API method name (``"chat.postMessage"``), or ``"file_upload"`` for an upload
            URL, or ``"response_url"`` for a response URL.
        args: Query string, form body and JSON body merged, without ``token``. Form and query
            values stay strings; JSON-encoded form fields such as ``blocks`` and ``view`` are
            decoded. For ``response_url`` it is the posted JSON payload.
        at: ``time.monotonic()`` when the request body had been read.
        url: The request URL without query string.
        status: HTTP status of the answer.
        error: The ``error`` of an ``{"ok": false}`` answer, ``"ratelimited"`` for 429s,
            ``"http_<status>"`` for server errors, else ``None``.
    """

    method: str
    args: JsonDict
    at: float
    url: str = ""
    status: int = 200
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether Slack would have reported success."""
        return self.status == 200 and self.error is None

    def to_json(self) -> JsonDict:
        """A JSON-safe dict of this call (used by ``GET /_calls``)."""
        return {
            "method": self.method,
            "args": self.args,
            "at": self.at,
            "url": self.url,
            "status": self.status,
            "error": self.error,
        }


class Recorder:
    """Every request the fake received, in arrival order and sorted by how it was answered.

    A part of ``FakeSlack``, whose docstring describes ``calls``, ``rate_limited``,
    ``server_errors`` and ``requests``.
    """

    def __init__(self) -> None:
        """Start with nothing recorded."""
        self.calls: list[Call] = []
        self.rate_limited: list[Call] = []
        self.server_errors: list[Call] = []
        self.requests: list[Call] = []
        self._calls_by_method: dict[str, list[Call]] = {}

    def calls_to(self, method: str, *, ok: bool | None = None) -> list[Call]:
        """Answered (HTTP 200) calls of one method, in arrival order.

        Args:
            method: Method name, e.g. ``"chat.postMessage"`` or ``"response_url"``.
            ok: Keep only successful (True) or only ``ok: false`` (False) calls; None keeps all.

        Returns:
            A new list.
        """
        calls = self._calls_by_method.get(method, [])
        if ok is None:
            return list(calls)
        return [call for call in calls if call.ok is ok]

    def _record(self, call: Call) -> None:
        self.requests.append(call)
        if call.status == 200:
            self.calls.append(call)
            self._calls_by_method.setdefault(call.method, []).append(call)
        elif call.status == 429:
            self.rate_limited.append(call)
        else:
            self.server_errors.append(call)

    def _dump(self, *, method: str | None, since: int) -> JsonDict:
        """The body of ``GET /_calls``: answered calls from index ``since``, and every refusal.

        Args:
            method: Only calls of this method; None for all.
            since: Skip this many answered calls (of ``method``, when given).
        """

        def dump(calls: list[Call]) -> list[JsonDict]:
            return [call.to_json() for call in calls if method is None or call.method == method]

        calls = self._calls_by_method.get(method, []) if method else self.calls
        return {
            "calls": [call.to_json() for call in calls[since:]],
            "rate_limited": dump(self.rate_limited),
            "server_errors": dump(self.server_errors),
        }
