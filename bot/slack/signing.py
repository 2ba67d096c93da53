"""Slack's request signatures (v0 HMAC-SHA256), through slack_sdk's ``SignatureVerifier``.

Slack signs ``v0:{timestamp}:{body}`` with the app's signing secret. The verifier here reads
"now" from the app's injected clock (simulations move time; the check must move with it) and
never raises: a missing, forged or stale signature, a timestamp that is not a number and a
signature that is not ASCII are all just ``False``. The simulator and the benchmarks sign with
the same verifier, so there is one definition of a signature in the project.
"""

from __future__ import annotations

from collections.abc import Mapping

from slack_sdk.signature import Clock as SlackClock
from slack_sdk.signature import SignatureVerifier

from bot.clock import Clock

TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
SIGNATURE_HEADER = "X-Slack-Signature"


class _EpochClock(SlackClock):
    """Our clock as slack_sdk's (seconds since the epoch)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def now(self) -> float:
        return self._clock.now().timestamp()


def _text(body: bytes) -> str:
    # slack_sdk signs text. Slack's bodies are UTF-8, where this is exact; a body that is not
    # is still checked (and then refused as malformed, never processed).
    return body.decode("utf-8", "replace")


class RequestVerifier:
    """Checks the signature of requests to ``POST /slack/events``.

    Args:
        secret: the app's signing secret.
        clock: the source of "now" for the five-minute window.
    """

    def __init__(self, *, secret: str, clock: Clock) -> None:
        self._verifier = SignatureVerifier(secret, clock=_EpochClock(clock))

    def is_signed(self, *, body: bytes, headers: Mapping[str, str]) -> bool:
        """Whether ``body`` carries a valid, fresh signature. Never raises."""
        timestamp = headers.get(TIMESTAMP_HEADER)
        signature = headers.get(SIGNATURE_HEADER)
        if not timestamp or not signature or not (timestamp.isascii() and timestamp.isdigit()):
            return False
        try:
            return self._verifier.is_valid(
                body=_text(body), timestamp=timestamp, signature=signature
            )
        except TypeError:  # hmac.compare_digest refuses non-ASCII text: a mismatch
            return False


def signed_headers(body: bytes, *, secret: str, timestamp: int) -> dict[str, str]:
    """The headers Slack would send with ``body`` at ``timestamp`` (the simulator, benches)."""
    stamp = str(timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=_text(body))
    assert signature is not None
    return {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: signature}
