"""Slack's rate-limit tiers, enforced per token with token buckets.

A ``TierTable`` maps a Web API method to a ``Limit`` (a rate per minute and a burst); a
``TierLimiter`` enforces one table for one fake: every ``(token, method)`` has a bucket of
``burst`` tokens refilling at ``per_minute / 60`` per second, and a method in the table's
``per_channel`` also has one bucket per ``(token, method, channel)``. A call takes a token from
each bucket it draws on, or, when one is empty, none: it is refused with the whole seconds until
every one of them has a token again (``Retry-After``, at least 1).

``SLACK_TIERS`` follows Slack's Web API documentation ("Rate limits", and each method's page):

* Tier 1: 1+ per minute; Tier 2: 20+ per minute; Tier 3: 50+ per minute; Tier 4: 100+ per
  minute. Slack "allows occasional bursts" beyond each without saying how large; the bursts here
  are our assumption: Tier 1 1, Tier 2 5, Tier 3 10, Tier 4 20.
* ``chat.postMessage`` is "special": about 1 message per second per channel with short bursts
  (here: 60 per minute, burst 3, per channel), and a workspace-wide limit of "several hundred
  per minute" (here: 600 per minute, burst 30).
* ``users.list`` Tier 2; ``conversations.info``, ``conversations.open`` and ``chat.update``
  Tier 3; ``users.info``, ``conversations.members``, ``chat.postEphemeral``, ``views.open``,
  ``views.update``, ``views.publish``, ``files.getUploadURLExternal`` and
  ``files.completeUploadExternal`` Tier 4. ``auth.test`` is "special" (Slack names no number):
  here as Tier 4. Methods not in the table (``oauth.v2.access``, upload and response URLs) are
  not limited.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

# Float error must not turn a wait of exactly 2 s into a Retry-After of 3.
_EPSILON = 1e-9


@dataclass(frozen=True, slots=True)
class Limit:
    """A rate limit: ``per_minute`` calls on average, and at most ``burst`` at once."""

    per_minute: float
    burst: int

    def __post_init__(self) -> None:
        """Refuse a limit that admits nothing.

        Raises:
            ValueError: ``per_minute`` or ``burst`` is not positive.
        """
        if self.per_minute <= 0 or self.burst < 1:
            raise ValueError("a limit needs a positive per_minute and a burst of at least 1")

    @property
    def per_second(self) -> float:
        """The refill rate of a bucket of this limit, in tokens per second."""
        return self.per_minute / 60


TIER_1 = Limit(per_minute=1, burst=1)
TIER_2 = Limit(per_minute=20, burst=5)
TIER_3 = Limit(per_minute=50, burst=10)
TIER_4 = Limit(per_minute=100, burst=20)
POST_MESSAGE_WORKSPACE = Limit(per_minute=600, burst=30)
POST_MESSAGE_PER_CHANNEL = Limit(per_minute=60, burst=3)


def _frozen(limits: Mapping[str, Limit]) -> Mapping[str, Limit]:
    return MappingProxyType(dict(limits))


@dataclass(frozen=True, slots=True)
class TierTable:
    """Which methods are limited, and how: per token, and for some methods per channel too.

    Attributes:
        methods: Method name -> the limit of each token on it.
        per_channel: Method name -> the limit of each token on it in one channel, on top of
            its entry in ``methods`` (``chat.postMessage``).
    """

    methods: Mapping[str, Limit]
    per_channel: Mapping[str, Limit] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Keep private copies, so a table never changes under a limiter."""
        object.__setattr__(self, "methods", _frozen(self.methods))
        object.__setattr__(self, "per_channel", _frozen(self.per_channel))

    def scaled(self, factor: float) -> TierTable:
        """This table with every rate multiplied by ``factor`` (> 1: faster); bursts stay.

        Args:
            factor: The multiplier, e.g. 60 to make a per-minute limit per second in a test.

        Raises:
            ValueError: ``factor`` is not positive.
        """
        if factor <= 0:
            raise ValueError("factor must be positive")

        def scale(limits: Mapping[str, Limit]) -> dict[str, Limit]:
            return {
                method: Limit(per_minute=limit.per_minute * factor, burst=limit.burst)
                for method, limit in limits.items()
            }

        return TierTable(methods=scale(self.methods), per_channel=scale(self.per_channel))


SLACK_TIERS = TierTable(
    methods={
        "auth.test": TIER_4,
        "users.list": TIER_2,
        "users.info": TIER_4,
        "conversations.members": TIER_4,
        "conversations.info": TIER_3,
        "conversations.open": TIER_3,
        "chat.postMessage": POST_MESSAGE_WORKSPACE,
        "chat.update": TIER_3,
        "chat.postEphemeral": TIER_4,
        "views.open": TIER_4,
        "views.update": TIER_4,
        "views.publish": TIER_4,
        "files.getUploadURLExternal": TIER_4,
        "files.completeUploadExternal": TIER_4,
    },
    per_channel={"chat.postMessage": POST_MESSAGE_PER_CHANNEL},
)


class _Bucket:
    """Tokens left at the time of the last look; refilled lazily."""

    __slots__ = ("at", "tokens")

    def __init__(self, *, tokens: float, at: float) -> None:
        self.tokens = tokens
        self.at = at

    def wait(self, limit: Limit, now: float) -> float:
        """Refill up to ``now``; the seconds until a token is there (0: one is)."""
        elapsed = max(0.0, now - self.at)
        self.tokens = min(float(limit.burst), self.tokens + elapsed * limit.per_second)
        self.at = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / limit.per_second


class TierLimiter:
    """Enforces one ``TierTable``: a bucket per token and method (and channel), made on first use.

    Args:
        table: The limits.
        monotonic: The clock, in seconds (``time.monotonic``; a fake one in tests).
    """

    def __init__(
        self, table: TierTable, *, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.table = table
        self._monotonic = monotonic
        self._buckets: dict[tuple[str, str, str | None], _Bucket] = {}

    def admit(self, *, token: str, method: str, channel: str | None = None) -> int | None:
        """Take a token from every bucket this call draws on, or refuse it and take none.

        Args:
            token: The call's bearer token.
            method: The method called.
            channel: The conversation it targets, for a method limited per channel.

        Returns:
            None when admitted, else the ``Retry-After`` seconds: the time until every bucket
            the call draws on has a token, rounded up to a whole second, at least 1.
        """
        drawn: list[tuple[_Bucket, Limit]] = []
        limit = self.table.methods.get(method)
        if limit is not None:
            drawn.append((self._bucket((token, method, None), limit), limit))
        channel_limit = self.table.per_channel.get(method)
        if channel_limit is not None and channel is not None:
            drawn.append((self._bucket((token, method, channel), channel_limit), channel_limit))
        if not drawn:
            return None
        now = self._monotonic()
        wait = max(bucket.wait(limit, now) for bucket, limit in drawn)
        if wait > 0:
            return max(1, math.ceil(wait - _EPSILON))
        for bucket, _ in drawn:
            bucket.tokens -= 1
        return None

    def _bucket(self, key: tuple[str, str, str | None], limit: Limit) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(tokens=limit.burst, at=self._monotonic())
        return bucket
