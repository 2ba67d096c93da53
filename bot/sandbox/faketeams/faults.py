"""Fault injection: rate limits, Teams' throttling, server errors, failures and latency.

``FaultInjection`` is the API ``FakeTeams`` offers (``rate_limit``, ``limits``,
``server_error``, ``fail``, ``latency``, ``reset_faults``); ``Faults`` holds what was injected
and decides, request by request, which fault answers. Every fault can be narrowed with
``where``: a predicate of the ``Op`` (e.g. ``lambda op: op.operation == "send"``).

A request meets them in this order: an injected ``rate_limit`` (429), the configured
``limits`` (429), a ``server_error`` (5xx), the fake's auth check (401), a ``fail`` (any
status), then the connector itself. ``latency`` holds back the answer, whatever it is.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from bot.sandbox.faketeams.protocol import Answer, Op, Predicate
from bot.sandbox.faketeams.throttling import Limit, Throttle, per_second

_CODES = {
    400: "BadArgument",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    412: "PreconditionFailed",
    413: "MessageSizeTooBig",
}


@dataclass(slots=True)
class Fault:
    """One injected fault; ``remaining`` of None means until ``reset_faults``."""

    kind: str  # "rate_limit" | "server_error" | "fail" | "latency"
    where: Predicate | None
    remaining: int | None
    status: int = 500
    retry_after: float = 1
    code: str = ""
    message: str = ""
    seconds: float = 0.0
    jitter: float = 0.0

    def matches(self, op: Op) -> bool:
        """Whether this fault targets ``op``."""
        if self.where is None:
            return True
        try:
            return bool(self.where(op))
        except Exception:  # a predicate that cannot read this request does not target it
            return False


def retry_after_header(seconds: float) -> str:
    """``Retry-After`` in whole seconds (HTTP's form), rounded up; ``0`` stays ``0``."""
    return str(max(0, math.ceil(seconds - 1e-9)))


class Faults:
    """The faults injected into one fake, in injection order."""

    def __init__(self) -> None:
        """Start with none."""
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        """Inject ``fault``; one with no uses left is dropped at once."""
        if fault.remaining is None or fault.remaining > 0:
            self._faults.append(fault)

    def clear(self) -> None:
        """Remove every fault."""
        self._faults.clear()

    def matching(self, op: Op) -> list[Fault]:
        """The faults that target ``op``."""
        return [fault for fault in self._faults if fault.matches(op)]

    def first(self, faults: list[Fault], kind: str) -> Answer | None:
        """The answer of the first fault of ``kind`` among ``faults`` (spending one use)."""
        for fault in faults:
            if fault.kind == kind:
                self._spend(fault)
                return _answer(fault)
        return None

    def latency(self, faults: list[Fault], rng: random.Random) -> float:
        """How long the answer is held back: every matching latency, each with its jitter."""
        return sum(
            fault.seconds + rng.uniform(0, fault.jitter)
            for fault in faults
            if fault.kind == "latency"
        )

    def _spend(self, fault: Fault) -> None:
        if fault.remaining is None:
            return
        fault.remaining -= 1
        if fault.remaining <= 0 and fault in self._faults:
            self._faults.remove(fault)


def _answer(fault: Fault) -> Answer:
    if fault.kind == "rate_limit":
        return Answer.error(
            429,
            "TooManyRequests",
            "Too many requests.",
            headers={"Retry-After": retry_after_header(fault.retry_after)},
        )
    if fault.kind == "server_error":
        return Answer(
            fault.status,
            text=f"<html><body><h1>{fault.status} Server Error</h1></body></html>",
            content_type="text/html",
        )
    return Answer.error(fault.status, fault.code, fault.message)


class FaultInjection:
    """The fault-injection API of ``FakeTeams``: a part of it, over one ``Faults``."""

    def __init__(self, *, seed: int = 0) -> None:
        """Start with no faults; ``seed`` makes latency jitter reproducible."""
        self._faults = Faults()
        self._throttle = Throttle()
        self._rng = random.Random(seed)

    def rate_limit(
        self, *, times: int | None = None, retry_after: float = 1, where: Predicate | None = None
    ) -> None:
        """Answer matching requests 429 with ``Retry-After`` (recorded in ``rate_limited``).

        Args:
            times: Only the next ``times`` matching requests; None until ``reset_faults``.
            retry_after: Seconds for the header (rounded up to whole seconds).
            where: Only requests this predicate of the ``Op`` holds for.
        """
        self._faults.add(Fault("rate_limit", where, times, status=429, retry_after=retry_after))

    def limits(
        self,
        *,
        per_conversation_per_second: float | None = None,
        per_bot_per_second: float | None = None,
        per_conversation: Sequence[Limit] = (),
        per_bot: Sequence[Limit] = (),
    ) -> None:
        """Throttle like Teams: 429 + ``Retry-After`` beyond these rates; no arguments: off.

        Replaces earlier limits. ``TEAMS_PER_THREAD`` and ``TEAMS_PER_BOT`` (``throttling``)
        are Teams' documented windows, e.g. ``limits(per_conversation=TEAMS_PER_THREAD)``.

        Args:
            per_conversation_per_second: Message operations (send, reply, update, delete) a
                second into any one conversation.
            per_bot_per_second: Requests a second from the bot, all conversations together.
            per_conversation: More ``(seconds, operations)`` windows per conversation.
            per_bot: More windows for the bot.
        """
        conversation = list(per_conversation)
        if per_conversation_per_second is not None:
            conversation.append(per_second(per_conversation_per_second))
        bot = list(per_bot)
        if per_bot_per_second is not None:
            bot.append(per_second(per_bot_per_second))
        self._throttle.configure(per_conversation=conversation, per_bot=bot)

    def server_error(
        self, *, status: int = 503, times: int | None = 1, where: Predicate | None = None
    ) -> None:
        """Answer matching requests with an HTML ``status`` page (recorded in ``server_errors``).

        Args:
            status: 500 to 599, e.g. 502, 503 or 504.
            times: The next ``times`` matching requests; None until ``reset_faults``.
            where: Only requests this predicate holds for.
        """
        if not 500 <= status <= 599:
            raise ValueError("a server error has a 5xx status")
        self._faults.add(Fault("server_error", where, times, status=status))

    def fail(
        self,
        status: int,
        *,
        times: int | None = None,
        where: Predicate | None = None,
        code: str | None = None,
        message: str | None = None,
    ) -> None:
        """Answer matching requests with ``status`` and an ``ErrorResponse`` body.

        Args:
            status: Any HTTP error status, e.g. 403 or 404.
            times: The next ``times`` matching requests; None until ``reset_faults``.
            where: Only requests this predicate holds for.
            code: ``error.code``; by default a name for the status (``"Forbidden"``…).
            message: ``error.message``.
        """
        if status < 400:
            raise ValueError("a failure has an error status")
        self._faults.add(
            Fault(
                "fail",
                where,
                times,
                status=status,
                code=code or _CODES.get(status, "ServiceError"),
                message=message or f"Injected failure ({status}).",
            )
        )

    def latency(
        self, seconds: float, *, jitter: float = 0.0, where: Predicate | None = None
    ) -> None:
        """Hold matching answers back by ``seconds`` plus up to ``jitter`` more (uniform).

        The request takes effect when it arrives; only the answer is late. Latencies add up.
        """
        if seconds < 0 or jitter < 0:
            raise ValueError("latency and jitter cannot be negative")
        self._faults.add(Fault("latency", where, None, seconds=seconds, jitter=jitter))

    def reset_faults(self) -> None:
        """Remove every injected fault and latency, and turn ``limits`` off."""
        self._faults.clear()
        self._throttle.clear()
