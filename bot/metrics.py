"""What a running server counts, for Prometheus (``GET /metrics``, ``bot.slack.http``).

One ``Metrics`` per app, built once at start-up (``bot.server``) on its own
``CollectorRegistry`` (never prometheus-client's process-wide default) and handed to what
counts: the HTTP edges of Slack and Teams, the Web API clients (429s), the platform adapters
(DMs, digests) and the scheduler (ticks, rounds). Two apps in one process (the tests) count
apart.

The metrics (every counter also has its ``_created`` sample, as prometheus-client writes them):

* ``sdo_http_requests_total{platform, kind, status}``: requests at the HTTP edges, by kind
  (Slack: ``command``, ``action``, ``view``, ``shortcut``, ``event``; Teams: the activity's
  type) and HTTP status; ``unknown`` for a body that does not say (401, 413, garbage).
* ``sdo_http_request_duration_seconds{platform, kind}``: how long the edge took to answer.
* ``sdo_rounds_opened_total``, ``sdo_rounds_closed_total``: rounds the schedule opened, closed.
* ``sdo_dms_sent_total{platform}``: pulse DMs the platform accepted.
* ``sdo_dms_failed_total{platform}``: pulse DMs it refused for good (marked failed).
* ``sdo_rate_limited_total{platform}``: 429 answers from the platform's API (each waited out).
* ``sdo_digests_posted_total{platform}``: digests posted to team channels.
* ``sdo_pending_deliveries``: pulse DMs of open rounds not sent yet (read at each scrape).
* ``sdo_tick_duration_seconds``: how long a scheduler tick took.
* ``sdo_last_successful_tick_timestamp_seconds``: when the last tick without errors ended
  (unix time; 0 until one has).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

SLACK, TEAMS = "slack", "teams"
# The release webhooks' edge (``bot.hooks``): a platform label of its own for its requests.
HOOKS = "hooks"
UNKNOWN = "unknown"
CONTENT_TYPE = CONTENT_TYPE_LATEST

# Slack wants an answer within 3 s; the buckets resolve the range around it.
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
# A tick is milliseconds when nothing is due and minutes for a large fan-out.
TICK_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0)


@dataclass
class RequestSeen:
    """What the edge found out about the request it is answering (``Metrics.timed_request``):
    a status of 500 unless it says otherwise (an exception escaped)."""

    kind: str = UNKNOWN
    status: int = 500


class Metrics:
    """The app's metrics on their own registry.

    Args:
        platforms: the platforms served; their per-platform series start at 0 (so a rate over
            them exists before the first DM).
        wall: the wall clock of the last-tick timestamp (Prometheus' time, not the app's clock,
            which simulations move).
    """

    def __init__(
        self, *, platforms: Iterable[str] = (SLACK,), wall: Callable[[], float] = time.time
    ) -> None:
        self._wall = wall
        self.registry = CollectorRegistry(auto_describe=True)
        registry = self.registry
        self.requests = Counter(
            "sdo_http_requests",
            "Requests at the HTTP edge, by platform, kind and HTTP status.",
            ["platform", "kind", "status"],
            registry=registry,
        )
        self.request_seconds = Histogram(
            "sdo_http_request_duration_seconds",
            "Seconds the HTTP edge took to answer, by platform and kind.",
            ["platform", "kind"],
            buckets=REQUEST_BUCKETS,
            registry=registry,
        )
        self.rounds_opened = Counter(
            "sdo_rounds_opened", "Rounds the schedule opened.", registry=registry
        )
        self.rounds_closed = Counter(
            "sdo_rounds_closed", "Rounds the schedule closed.", registry=registry
        )
        self.dms_sent = Counter(
            "sdo_dms_sent", "Pulse DMs the platform accepted.", ["platform"], registry=registry
        )
        self.dms_failed = Counter(
            "sdo_dms_failed",
            "Pulse DMs the platform refused for good (marked failed; not retried).",
            ["platform"],
            registry=registry,
        )
        self.rate_limited = Counter(
            "sdo_rate_limited",
            "429 answers from the platform's API (each waited out and tried again).",
            ["platform"],
            registry=registry,
        )
        self.digests_posted = Counter(
            "sdo_digests_posted",
            "Digests posted to team channels.",
            ["platform"],
            registry=registry,
        )
        self.pending_deliveries = Gauge(
            "sdo_pending_deliveries",
            "Pulse DMs of open rounds not sent yet (read from the database at each scrape).",
            registry=registry,
        )
        self.tick_seconds = Histogram(
            "sdo_tick_duration_seconds",
            "Seconds a scheduler tick took.",
            buckets=TICK_BUCKETS,
            registry=registry,
        )
        self.last_successful_tick = Gauge(
            "sdo_last_successful_tick_timestamp_seconds",
            "Unix time the last scheduler tick without errors ended (0: none yet).",
            registry=registry,
        )
        for platform in platforms:
            for counter in (self.dms_sent, self.dms_failed, self.rate_limited, self.digests_posted):
                counter.labels(platform=platform)

    # -- what is counted -------------------------------------------------------------------

    def request(self, *, platform: str, kind: str, status: int, seconds: float) -> None:
        """One request the HTTP edge answered."""
        self.requests.labels(platform=platform, kind=kind, status=str(status)).inc()
        self.request_seconds.labels(platform=platform, kind=kind).observe(seconds)

    @contextlib.contextmanager
    def timed_request(self, *, platform: str) -> Iterator[RequestSeen]:
        """Count the request answered within the block (and how long it took), under the kind
        and status the block sets on what it yields."""
        seen = RequestSeen()
        started = time.perf_counter()
        try:
            yield seen
        finally:
            seconds = time.perf_counter() - started
            self.request(platform=platform, kind=seen.kind, status=seen.status, seconds=seconds)

    def tick(self, *, seconds: float, opened: int, closed: int, ok: bool) -> None:
        """One scheduler tick: how long it took, the rounds it opened and closed, and whether
        every step of it succeeded."""
        self.tick_seconds.observe(seconds)
        self.rounds_opened.inc(opened)
        self.rounds_closed.inc(closed)
        if ok:
            self.last_successful_tick.set(self._wall())

    def dm_sent(self, platform: str) -> None:
        self.dms_sent.labels(platform=platform).inc()

    def dm_failed(self, platform: str) -> None:
        self.dms_failed.labels(platform=platform).inc()

    def limited(self, platform: str) -> None:
        """The platform answered one call with 429."""
        self.rate_limited.labels(platform=platform).inc()

    def digest_posted(self, platform: str) -> None:
        self.digests_posted.labels(platform=platform).inc()

    def pending(self, count: int) -> None:
        """The pending deliveries, as just read from the database."""
        self.pending_deliveries.set(count)

    # -- what is scraped -------------------------------------------------------------------

    def exposition(self) -> bytes:
        """Every metric in Prometheus' text format (``CONTENT_TYPE``)."""
        return generate_latest(self.registry)
