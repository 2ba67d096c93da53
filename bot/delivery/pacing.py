"""Pacing pulse DMs once the platform has rate-limited them (a platform-neutral pacer).

The adapter waits its ``turn`` before each send and tells the pacer of every accepted send and
every 429 (Slack's side: ``bot.slack.retries``). Slack answers calls beyond its limit with HTTP
429 and ``Retry-After``. The Web API client waits and retries that one call, but the other
senders keep going, meet 429s of their own, and each 429 costs its sender a wait of a second
or more: delivery falls well below what Slack allows.

So after the first 429 on a token, ``chat.postMessage`` calls on that token pause for
``Retry-After`` and are then spaced at the rate Slack accepted during the last second, a little
under it (the *ceiling*). A later 429 slows the pace by a tenth, without a pause (429s on calls
already under way count once), never below half the ceiling; each second without one speeds it
up again, never above the ceiling, so a passing burst (the client's own retries land outside the
pace) does not wear the pace down. The first second can be a burst Slack allows once (a full
token bucket): with ``bursts``, a later 429 that comes with a steady flow of accepted sends
also lowers the ceiling to the rate Slack accepted while paced (over the last
``SUSTAINED_SECONDS``), when that is lower, so the pace settles just under what Slack sustains
instead of half the calls meeting a 429. A 429 with fewer than ``MIN_SAMPLE`` sends accepted around
it (the limit was spent before them) gives no rate to go by: only the pause applies. A token
that has sent nothing for ``IDLE_RESET_SECONDS`` is unpaced again: next week's pulse starts at
full speed and finds the limit anew. Tokens never limited are not paced at all.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

WINDOW_SECONDS = 1.0
MARGIN = 0.95  # the first pace: this share of what Slack accepted in the last window
SLOWER = 0.9  # each further 429
FASTER = 1.05  # each second without one, up to the ceiling
FLOOR = 0.5  # of the ceiling, however often Slack says no
MIN_RATE = 1.0  # sends per second
MIN_SAMPLE = 5  # accepted sends around the first 429 it takes to tell a rate
IDLE_RESET_SECONDS = 60.0
SUSTAINED_SECONDS = 5.0  # what Slack accepted over this long is what it sustains
# After the first 429, answers to calls Slack accepted just before it can still be on their way.
STRAGGLERS_SECONDS = 0.25


@dataclass
class _Lane:
    """One token's recent sends and its pace."""

    rate: float | None = None  # sends per second; None: not paced
    next_at: float = 0.0  # when the next send may go
    ceiling: float = 0.0  # the settled first pace
    changed_at: float = 0.0  # the last 429 that changed the pace
    sped_at: float = 0.0  # the last speed-up
    last_accepted: float = 0.0
    provisional: bool = False  # rate set at the 429; settled once the pause is over
    settled_at: float = 0.0  # when the pause ended and the pace was set
    pause_until: float = 0.0
    accepted: deque[float] = field(default_factory=deque)

    def forget_before(self, moment: float) -> None:
        while self.accepted and self.accepted[0] < moment:
            self.accepted.popleft()

    def accepted_since(self, moment: float) -> int:
        return sum(1 for t in self.accepted if t >= moment)

    def sustained(self, now: float) -> float | None:
        """Sends per second accepted while paced, over the last ``SUSTAINED_SECONDS``.

        None unless Slack kept accepting a steady flow (at least ``2 × MIN_SAMPLE`` sends over
        two seconds): a storm of 429s with a trickle of other calls getting through says what
        Slack refuses, not what it sustains, and is left to the slower-by-a-tenth rule.
        """
        since = max(self.settled_at, now - SUSTAINED_SECONDS)
        count = self.accepted_since(since)
        span = now - since
        steady = count >= 2 * MIN_SAMPLE and span >= 2 * WINDOW_SECONDS
        return count / span if steady else None


class SendPacer:
    """Spaces a token's sends once Slack has rate-limited it.

    Args:
        monotonic: the clock (injected in tests).
        bursts: the platform's limit lets a burst through before its sustained rate (Slack's
            token buckets): correct the first pace to what is sustained (see the module).
            Teams' limits are windows, and its pace key counts every call of the bot.
    """

    def __init__(
        self, *, monotonic: Callable[[], float] = time.monotonic, bursts: bool = False
    ) -> None:
        self._monotonic = monotonic
        self._bursts = bursts
        self._lanes: dict[str, _Lane] = {}

    def rate(self, key: str) -> float | None:
        """Sends per second allowed on ``key`` now; None while it is not paced."""
        lane = self._lanes.get(key)
        return lane.rate if lane else None

    def reserve(self, key: str) -> float:
        """Take the next send slot on ``key``: seconds to wait before sending (0: at once)."""
        lane = self._lanes.get(key)
        if lane is None or lane.rate is None:
            return 0.0
        now = self._monotonic()
        if now - max(lane.changed_at, lane.last_accepted) >= IDLE_RESET_SECONDS:
            del self._lanes[key]  # a new burst: find the limit anew
            return 0.0
        if lane.provisional:
            if now < lane.pause_until:
                return lane.pause_until - now  # everyone waits out the pause; no slots yet
            # The pause is over and the answers to calls sent before the 429 are in: one
            # window's worth around the 429 (shifted by the time answers take to arrive) is
            # what Slack accepted.
            end = lane.changed_at + STRAGGLERS_SECONDS
            settled = [t for t in lane.accepted if end - WINDOW_SECONDS < t <= end]
            if len(settled) < MIN_SAMPLE:
                # Too little was accepted around the 429 to tell a rate (the limit was spent
                # before these sends): pace at none. Each call waits out its own Retry-After.
                del self._lanes[key]
                return 0.0
            lane.rate = lane.ceiling = max(MIN_RATE, len(settled) / WINDOW_SECONDS * MARGIN)
            lane.provisional = False
            lane.sped_at = lane.settled_at = now
            lane.next_at = now
        slot = max(now, lane.next_at)
        lane.next_at = slot + 1 / lane.rate
        return slot - now

    async def turn(self, key: str) -> None:
        """Wait for this send's slot."""
        delay = self.reserve(key)
        if delay > 0:
            await asyncio.sleep(delay)

    def accepted(self, key: str) -> None:
        """Slack accepted a send on ``key``."""
        now = self._monotonic()
        lane = self._lanes.setdefault(key, _Lane())
        lane.accepted.append(now)
        lane.last_accepted = now
        if lane.provisional:
            return
        lane.forget_before(now - SUSTAINED_SECONDS)
        if (
            lane.rate is not None
            and lane.rate < lane.ceiling
            and (now - max(lane.sped_at, lane.changed_at) >= WINDOW_SECONDS)
        ):
            lane.rate = min(lane.ceiling, lane.rate * FASTER)
            lane.sped_at = now

    def limited(self, key: str, *, retry_after: float) -> None:
        """Slack answered 429 on ``key``: the first time, pause for ``retry_after`` and pace."""
        now = self._monotonic()
        lane = self._lanes.setdefault(key, _Lane())
        lane.forget_before(now - SUSTAINED_SECONDS)
        if lane.rate is None:
            # Settled after the pause.
            lane.rate = lane.accepted_since(now - WINDOW_SECONDS) / WINDOW_SECONDS * MARGIN
            lane.provisional = True
            lane.pause_until = now + retry_after  # the first burst: pause
            lane.next_at = max(lane.next_at, lane.pause_until)
        elif lane.provisional:
            return
        elif now - lane.changed_at >= retry_after + WINDOW_SECONDS:
            sustained = lane.sustained(now) if self._bursts else None
            if sustained is not None:
                # The first burst is spent: this is what Slack takes since.
                lane.ceiling = max(MIN_RATE, min(lane.ceiling, sustained))
            lane.rate = max(lane.ceiling * FLOOR, min(lane.rate * SLOWER, lane.ceiling * MARGIN))
        else:
            return  # a call already under way when the pace changed: counted once
        lane.rate = max(MIN_RATE, lane.rate)
        lane.changed_at = now
