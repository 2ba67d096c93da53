"""The test face of ``bot.sandbox.simulator``: the app, a fake Slack, and signed requests.

Tests use ``SlackHarness`` (a ``SlackSimulator`` with the test workspace's defaults) and the
helpers re-exported here.
"""

from __future__ import annotations

from bot.sandbox.simulator import (
    SIGNING_SECRET,
    Reply,
    SlackSimulator,
    eventually,
    eventually_async,
    sign,
)

__all__ = [
    "SIGNING_SECRET",
    "WORKSPACE",
    "Reply",
    "SlackHarness",
    "eventually",
    "eventually_async",
    "sign",
]

WORKSPACE = "T0000FAKE"
SlackHarness = SlackSimulator
