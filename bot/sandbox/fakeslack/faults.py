"""Fault injection: failures, server errors, rate limits and delays, by method and arguments.

``FaultInjection`` is the public API ``FakeSlack`` offers (``fail``, ``server_error``, ``outage``,
``rate_limit``, ``delay``, ``reset_faults``, and ``POST /_faults``), plus the network
``latency`` of every answer; ``Faults`` holds what was injected and decides, call by call, which
fault answers.
"""

from __future__ import annotations

import itertools
import math
import random
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.fakeslack.protocol import Answer, JsonDict, Predicate, error_body


@dataclass(slots=True)
class Fault:
    """One injected fault; ``remaining`` of None means until ``reset_faults``."""

    kind: str  # "fail" | "server_error" | "rate_limit" | "delay"
    when: Predicate | None
    remaining: int | None
    error: str = "internal_error"
    status: int = 500
    retry_after: int = 1
    per_second: float | None = None
    seconds: float = 0.0
    window: deque[float] = field(default_factory=deque)
    # A server error's statuses, taken in turn (502, 504, 502…); None: ``status`` each time.
    statuses: Iterator[int] | None = None
    # A server error's end (``time.monotonic()``): it answers only calls arriving before.
    until: float | None = None

    def matches(self, args: JsonDict) -> bool:
        """Whether this fault targets a call with these arguments."""
        if self.when is None:
            return True
        try:
            return bool(self.when(args))
        except Exception:  # a predicate that cannot read this call's args does not target it
            return False

    def spend(self) -> None:
        """Count one use against ``remaining``."""
        if self.remaining is not None:
            self.remaining -= 1

    @property
    def exhausted(self) -> bool:
        """Whether ``remaining`` has run out."""
        return self.remaining is not None and self.remaining <= 0

    def limits(self, now: float) -> bool:
        """Whether this rate limit refuses a call arriving at ``now``: always without a rate."""
        return self.per_second is None or self._window_full(now, self.per_second)

    def _window_full(self, now: float, per_second: float) -> bool:
        """Sliding window: ceil(per_second) calls admitted per ceil(per_second)/per_second s."""
        capacity = max(1, math.ceil(per_second))
        span = capacity / per_second
        while self.window and now - self.window[0] >= span:
            self.window.popleft()
        return len(self.window) >= capacity


def _server_error(
    status: int | Sequence[int], *, times: int | None, when: Predicate | None, until: float | None
) -> Fault:
    if isinstance(status, int):
        return Fault("server_error", when, times, status=status, until=until)
    statuses = tuple(status)
    return Fault(
        "server_error",
        when,
        times,
        status=statuses[0],
        statuses=itertools.cycle(statuses),
        until=until,
    )


def total_delay(faults: Iterable[Fault]) -> float:
    """How long the answer to a call these faults match is held back: the delays add up."""
    return sum(fault.seconds for fault in faults if fault.kind == "delay")


class Faults:
    """The faults injected into one fake, by method name (``"*"`` for every method)."""

    def __init__(self) -> None:
        """Start with none."""
        self._by_method: dict[str, list[Fault]] = {}

    def add(self, method: str, fault: Fault) -> None:
        """Inject ``fault`` for ``method``; one with no uses left is dropped at once."""
        if fault.remaining is not None and fault.remaining <= 0:
            return
        self._by_method.setdefault(method, []).append(fault)

    def clear(self) -> None:
        """Remove every fault."""
        self._by_method.clear()

    def matching(self, method: str, args: JsonDict) -> list[Fault]:
        """The faults that target this call: its method's first, then those of ``"*"``."""
        if not self._by_method:
            return []
        candidates = [*self._by_method.get(method, ()), *self._by_method.get("*", ())]
        return [fault for fault in candidates if fault.matches(args)]

    def refusal(self, faults: list[Fault], now: float) -> Answer | None:
        """The 429 or 5xx that stops a call before auth and its handler, if any of ``faults`` does.

        A rate limit comes first. A call no limit refuses takes a place in every windowed
        limit it matches, even when a server error then refuses it.

        Args:
            faults: What ``matching`` gave for the call.
            now: When it arrived (``time.monotonic()``).

        Returns:
            The answer without its delay, or None to go on.
        """
        for fault in faults:
            if fault.kind == "rate_limit" and fault.limits(now):
                self._spend(fault)
                return Answer(
                    429,
                    error_body("ratelimited"),
                    headers={"Retry-After": str(fault.retry_after)},
                )
        for fault in faults:
            if fault.kind == "rate_limit" and fault.per_second is not None:
                fault.window.append(now)
        for fault in faults:
            if fault.kind == "server_error":
                if fault.until is not None and now >= fault.until:
                    self._drop(fault)  # the outage is over
                    continue
                self._spend(fault)
                status = next(fault.statuses) if fault.statuses is not None else fault.status
                return Answer(
                    status,
                    text=f"<html><body><h1>{status} Server Error</h1></body></html>",
                    content_type="text/html",
                )
        return None

    def failure(self, faults: list[Fault]) -> JsonDict | None:
        """The ``{"ok": false}`` body of the first ``fail`` among ``faults``, or None."""
        for fault in faults:
            if fault.kind == "fail":
                self._spend(fault)
                return error_body(fault.error)
        return None

    def _spend(self, fault: Fault) -> None:
        fault.spend()
        if fault.exhausted:
            self._drop(fault)

    def _drop(self, fault: Fault) -> None:
        for faults in self._by_method.values():
            if fault in faults:
                faults.remove(fault)


class FaultInjection:
    """The fault-injection API of ``FakeSlack``: a part of it, over one ``Faults``.

    Faults target a method name, or ``"*"`` for every method (including ``"file_upload"`` and
    ``"response_url"``), and optionally only calls whose args satisfy a predicate.
    """

    def __init__(self) -> None:
        """Start with no faults and no latency."""
        self._faults = Faults()
        self._latency = (0.0, 0.0)
        self._latency_random = random.Random(0)

    def latency(self, mean_seconds: float, jitter_seconds: float = 0.0, *, seed: int = 0) -> None:
        """Hold every answer back by ``mean_seconds`` ± up to ``jitter_seconds`` (uniform).

        Like a network between the app and Slack: the call takes effect when it arrives, its
        answer (whatever it is, a 429 too) is late. Adds to any ``delay``; ``reset_faults``
        keeps it; ``latency(0)`` removes it.

        Args:
            mean_seconds: The mean delay.
            jitter_seconds: The most a delay is off the mean either way.
            seed: Seeds the random jitter, so runs are alike.

        Raises:
            ValueError: A negative mean or jitter.
        """
        if mean_seconds < 0 or jitter_seconds < 0:
            raise ValueError("latency and jitter cannot be negative")
        self._latency = (mean_seconds, jitter_seconds)
        self._latency_random = random.Random(seed)

    def _next_latency(self) -> float:
        """How long the next answer is held back by the latency (never less than 0)."""
        mean, jitter = self._latency
        if not jitter:
            return mean
        return max(0.0, mean + self._latency_random.uniform(-jitter, jitter))

    def fail(
        self,
        method: str,
        *,
        error: str = "internal_error",
        when: Predicate | None = None,
        times: int | None = None,
    ) -> None:
        """Answer matching calls with HTTP 200 ``{"ok": false, "error": error}``.

        Args:
            method: Method name, or ``"*"`` for all.
            error: Slack error code, e.g. ``"channel_not_found"``.
            when: Only calls whose args satisfy this (e.g. ``lambda a: a.get("channel") == "DU1"``).
            times: Only the next ``times`` matching calls; None until ``reset_faults``.
        """
        self._faults.add(method, Fault("fail", when, times, error=error))

    def server_error(
        self,
        method: str,
        *,
        status: int | Sequence[int] = 500,
        times: int | None = 1,
        when: Predicate | None = None,
    ) -> None:
        """Answer matching calls with an HTML HTTP ``status`` page (recorded in ``server_errors``).

        The call does not take effect (nothing is posted), like a gateway that could not reach
        Slack behind it.

        Args:
            method: Method name, or ``"*"`` for all.
            status: HTTP status, e.g. 500 or 503; several (``(502, 504)``) are given in turn.
            times: The next ``times`` matching calls; None until ``reset_faults``.
            when: Only calls whose args satisfy this.
        """
        self._faults.add(method, _server_error(status, times=times, when=when, until=None))

    def outage(
        self,
        method: str,
        *,
        seconds: float,
        status: int | Sequence[int] = (502, 504),
        when: Predicate | None = None,
    ) -> None:
        """Answer every matching call with a 5xx page (as ``server_error``) for ``seconds``.

        Args:
            method: Method name, or ``"*"`` for all.
            seconds: How long from now (on ``time.monotonic()``); calls go through after.
            status: The statuses, given in turn.
            when: Only calls whose args satisfy this.
        """
        until = time.monotonic() + seconds
        self._faults.add(method, _server_error(status, times=None, when=when, until=until))

    def rate_limit(
        self,
        method: str,
        *,
        per_second: float | None = None,
        retry_after: int = 1,
        times: int | None = None,
        when: Predicate | None = None,
    ) -> None:
        """Answer HTTP 429 ``{"ok": false, "error": "ratelimited"}`` with ``Retry-After``.

        Without ``per_second`` every matching call is limited (the next ``times`` ones, or all
        until ``reset_faults``). With ``per_second``, only calls beyond that rate are limited: a
        sliding window admits ``ceil(per_second)`` calls per ``ceil(per_second)/per_second``
        seconds; ``times`` then caps how many 429s are given. Limited calls go to
        ``rate_limited``, not ``calls``, and do not use up the window.

        Args:
            method: Method name, or ``"*"`` for all.
            per_second: Allowed rate; None limits unconditionally.
            retry_after: Seconds put in the ``Retry-After`` header.
            times: Most 429s to give; None for no cap.
            when: Only calls whose args satisfy this (counted in their own window).
        """
        if per_second is not None and per_second <= 0:
            raise ValueError("per_second must be positive")
        self._faults.add(
            method,
            Fault("rate_limit", when, times, retry_after=retry_after, per_second=per_second),
        )

    def delay(self, method: str, seconds: float, *, when: Predicate | None = None) -> None:
        """Hold matching answers back by ``seconds``.

        The call takes effect (message stored, call recorded) when it arrives; only the answer is
        late, like a slow network: a client killed meanwhile never learns its message was posted.

        Args:
            method: Method name, or ``"*"`` for all.
            seconds: Delay; several matching delays add up.
            when: Only calls whose args satisfy this.
        """
        self._faults.add(method, Fault("delay", when, None, seconds=seconds))

    def reset_faults(self) -> None:
        """Remove every injected fault and delay."""
        self._faults.clear()

    def _inject(self, spec: Any) -> None:
        """Inject what a ``POST /_faults`` body asks for (see ``FakeSlack._handle_faults``).

        Args:
            spec: The decoded body; consumed.

        Raises:
            ValueError, KeyError, TypeError, AttributeError: ``spec`` is not a valid request.
        """
        kind = spec.pop("kind")
        if kind == "reset":
            self.reset_faults()
            return
        if kind == "latency":
            self.latency(**spec)
            return
        method = spec.pop("method")
        match = spec.pop("match", None)
        if match is not None:
            spec["when"] = lambda args: all(args.get(k) == v for k, v in match.items())
        injectors: dict[str, Callable[..., None]] = {
            "fail": self.fail,
            "server_error": self.server_error,
            "outage": self.outage,
            "rate_limit": self.rate_limit,
            "delay": self.delay,
        }
        injectors[kind](method, **spec)
