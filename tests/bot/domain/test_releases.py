"""Release pulses, pure: when a release is asked (working hours, never at night), the line
status and the digest show, a release's name as shown."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.releases import ReleaseLine, ReleasePulseView, ask_time, clean_name, hook_url

BERLIN = "Europe/Berlin"


@pytest.mark.parametrize(
    ("received", "asked"),
    [
        # Thursday 10:00 Berlin: at once.
        (datetime(2026, 12, 10, 9, tzinfo=UTC), datetime(2026, 12, 10, 9, tzinfo=UTC)),
        # Thursday 22:00 Berlin: Friday 09:00.
        (datetime(2026, 12, 10, 21, tzinfo=UTC), datetime(2026, 12, 11, 8, tzinfo=UTC)),
        # Friday 03:00 Berlin: Friday 09:00.
        (datetime(2026, 12, 11, 2, tzinfo=UTC), datetime(2026, 12, 11, 8, tzinfo=UTC)),
        # Friday 18:00 Berlin (the end is exclusive): Monday 09:00.
        (datetime(2026, 12, 11, 17, tzinfo=UTC), datetime(2026, 12, 14, 8, tzinfo=UTC)),
        # Saturday noon: Monday 09:00.
        (datetime(2026, 12, 12, 11, tzinfo=UTC), datetime(2026, 12, 14, 8, tzinfo=UTC)),
        # Summer time: Sunday 23:00 Berlin (21:00 UTC) → Monday 09:00 CEST = 07:00 UTC.
        (datetime(2026, 7, 5, 21, tzinfo=UTC), datetime(2026, 7, 6, 7, tzinfo=UTC)),
    ],
)
def test_a_release_is_asked_in_the_teams_working_hours(received: datetime, asked: datetime) -> None:
    assert ask_time(received, BERLIN) == asked


def test_the_line_shows_counts_only_and_waits_for_the_minimum() -> None:
    line = ReleaseLine(name="v2.3", accepted=4, answered=6, asked=8, min_respondents=3)
    assert line.text == "Release v2.3: 4 of 6 say accepted"
    early = ReleaseLine(name="v2.3", accepted=2, answered=2, asked=8, min_respondents=3)
    assert early.text == "Release v2.3: 2 of 8 answered (results from 3)"
    # A team of two: two answers are enough.
    small = ReleaseLine(name="v2.3", accepted=1, answered=2, asked=2, min_respondents=3)
    assert small.text == "Release v2.3: 1 of 2 say accepted"


def test_names_are_one_short_line_and_urls_have_the_key() -> None:
    assert clean_name("  v2.3\n  *hotfix*  ") == "v2.3 hotfix"
    assert clean_name("   ") is None
    assert clean_name(3) is None
    assert clean_name("x" * 500) == "x" * 200
    assert ReleasePulseView("t", 1, "v2.3").question == "Did a customer accept *v2.3*?"
    assert hook_url("https://pulse.example/", "abc") == "https://pulse.example/hooks/release/abc"
    assert hook_url("", "abc") == "https://<SDO_PUBLIC_URL>/hooks/release/abc"
