"""Teams' rate limits, modelled: sliding windows per conversation and per bot.

Teams documents its limits for bots as "at most N operations in T seconds" for several T at
once, per bot per thread (a conversation: a 1:1 chat, a group chat or a channel) and per app
per tenant; past them it answers 429. ``Throttle`` keeps one sliding window per (scope, T):
a request that would be the N+1st in any of its windows is refused with a ``Retry-After`` of
the seconds until the oldest counted request leaves that window; a refused request counts in
none. Off until ``FakeTeams.limits`` configures it.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.sandbox.faketeams.protocol import MESSAGE_OPERATIONS, Op, base_conversation_id

# (seconds, operations) Teams documents for sending to one conversation ("per bot per thread").
TEAMS_PER_THREAD: tuple[tuple[float, int], ...] = ((1, 7), (2, 8), (30, 60), (3600, 1800))
# Teams' global limit per app per tenant: 50 requests a second. The fake counts the bot's
# requests to all tenants together: give it one tenant to model this exactly.
TEAMS_PER_BOT: tuple[tuple[float, int], ...] = ((1, 50),)

Limit = tuple[float, int]


def per_second(rate: float) -> Limit:
    """A rate as one window: ``ceil(rate)`` operations in ``ceil(rate) / rate`` seconds."""
    if rate <= 0:
        raise ValueError("a rate must be positive")
    capacity = max(1, math.ceil(rate))
    return capacity / rate, capacity


@dataclass(slots=True)
class Window:
    """At most ``limit`` requests in any ``seconds``."""

    seconds: float
    limit: int
    hits: deque[float] = field(default_factory=deque)

    def wait(self, now: float) -> float:
        """Seconds until a request arriving at ``now`` fits; 0 when it does now."""
        while self.hits and now - self.hits[0] >= self.seconds:
            self.hits.popleft()
        if len(self.hits) < self.limit:
            return 0.0
        return self.hits[-self.limit] + self.seconds - now


class Throttle:
    """The configured limits and their windows."""

    def __init__(self) -> None:
        """Off: no limits."""
        self._per_conversation: tuple[Limit, ...] = ()
        self._per_bot: tuple[Limit, ...] = ()
        self._conversation_windows: dict[str, list[Window]] = {}
        self._bot_windows: list[Window] = []

    def configure(self, *, per_conversation: Sequence[Limit], per_bot: Sequence[Limit]) -> None:
        """Replace the limits (and forget what was counted); empty sequences turn them off.

        Args:
            per_conversation: ``(seconds, operations)`` windows for the message operations
                (send, reply, update, delete) into one conversation; a channel's threads count
                as the channel.
            per_bot: Windows for every request the bot makes.
        """
        for seconds, operations in (*per_conversation, *per_bot):
            if seconds <= 0 or operations < 1:
                raise ValueError(f"invalid limit of {operations} operations in {seconds} s")
        self._per_conversation = tuple(per_conversation)
        self._per_bot = tuple(per_bot)
        self._conversation_windows.clear()
        self._bot_windows = [Window(seconds, limit) for seconds, limit in self._per_bot]

    def clear(self) -> None:
        """Turn every limit off."""
        self.configure(per_conversation=(), per_bot=())

    def refusal(self, op: Op, now: float) -> float | None:
        """Seconds to wait when a limit refuses ``op``; else None, and ``op`` is counted."""
        windows = list(self._bot_windows)
        if (
            self._per_conversation
            and op.operation in MESSAGE_OPERATIONS
            and op.conversation_id is not None
        ):
            key = base_conversation_id(op.conversation_id)
            if key not in self._conversation_windows:
                self._conversation_windows[key] = [
                    Window(seconds, limit) for seconds, limit in self._per_conversation
                ]
            windows += self._conversation_windows[key]
        wait = max((window.wait(now) for window in windows), default=0.0)
        if wait > 0:
            return wait
        for window in windows:
            window.hits.append(now)
        return None
