"""Slack's request signatures through slack_sdk's verifier, on the app's clock."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FrozenClock
from bot.slack.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, RequestVerifier, signed_headers

SECRET = "signing-secret-under-test"
NOW = datetime(2026, 3, 5, 14, 0, tzinfo=UTC)
BODY = b"command=%2Fsdo&text=status&team_id=T1"


def verifier(clock: FrozenClock | None = None) -> RequestVerifier:
    return RequestVerifier(secret=SECRET, clock=clock or FrozenClock(NOW))


def test_the_signature_is_slacks_v0_hmac_of_the_timestamp_and_body() -> None:
    stamp = int(NOW.timestamp())
    expected = hmac.new(SECRET.encode(), f"v0:{stamp}:".encode() + BODY, hashlib.sha256)

    assert signed_headers(BODY, secret=SECRET, timestamp=stamp) == {
        TIMESTAMP_HEADER: str(stamp),
        SIGNATURE_HEADER: "v0=" + expected.hexdigest(),
    }


def test_a_fresh_signed_request_passes_and_a_tampered_or_forged_one_does_not() -> None:
    headers = signed_headers(BODY, secret=SECRET, timestamp=int(NOW.timestamp()))
    forged = signed_headers(BODY, secret="not-the-secret", timestamp=int(NOW.timestamp()))

    assert verifier().is_signed(body=BODY, headers=headers)
    assert not verifier().is_signed(body=BODY + b"&x=1", headers=headers)
    assert not verifier().is_signed(body=BODY, headers=forged)
    assert not verifier().is_signed(body=BODY, headers={})


@pytest.mark.parametrize(
    ("age", "accepted"), [(299, True), (-299, True), (301, False), (-301, False)]
)
def test_the_timestamp_must_be_within_five_minutes_of_the_apps_clock(
    age: int, accepted: bool
) -> None:
    clock = FrozenClock(NOW)
    headers = signed_headers(BODY, secret=SECRET, timestamp=int(NOW.timestamp()) - age)

    assert verifier(clock).is_signed(body=BODY, headers=headers) is accepted
    # The check moves with the injected clock (a simulation travels in time).
    clock.advance(timedelta(seconds=-age))
    assert verifier(clock).is_signed(body=BODY, headers=headers)


@pytest.mark.parametrize(
    "timestamp", ["", "soon", "1.5", "-1", "\u0661\u0662\u0663", "99999999999999999999999"]
)
def test_an_odd_timestamp_is_a_mismatch_not_an_error(timestamp: str) -> None:
    headers = {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: "v0=" + "0" * 64}

    assert verifier().is_signed(body=BODY, headers=headers) is False


def test_a_non_ascii_signature_is_a_mismatch_not_an_error() -> None:
    headers = signed_headers(BODY, secret=SECRET, timestamp=int(NOW.timestamp()))
    headers[SIGNATURE_HEADER] = "v0=ä" + headers[SIGNATURE_HEADER][4:]

    assert verifier().is_signed(body=BODY, headers=headers) is False


def test_a_body_that_is_not_utf8_can_be_signed_and_checked() -> None:
    # Refused later as malformed (400): the signature check itself must not fail on it.
    body = b"\xff\xfe\x00"
    headers = signed_headers(body, secret=SECRET, timestamp=int(NOW.timestamp()))

    assert verifier().is_signed(body=body, headers=headers)
    assert not verifier().is_signed(body=b"\xff\xfe\x01", headers=headers)
