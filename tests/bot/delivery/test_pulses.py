"""Which "Pulse me now" outcome the member is told of, when several of their teams answered."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.delivery.pulses import PulseMeOutcome, outcome_to_tell
from bot.domain.model import Round, Team

TEAM = Team(id=1, workspace_id="T1", channel_id="C1", name="alpha", tz="UTC")


def _outcome(round_id: int, result: str, reason: str | None = None) -> PulseMeOutcome:
    rnd = Round(
        id=round_id,
        workspace_id="T1",
        team_id=1,
        period=f"p{round_id}",
        number=round_id,
        opened_at=datetime(2026, 12, 1, tzinfo=UTC),
    )
    return PulseMeOutcome(team=TEAM, round=rnd, result=result, reason=reason)


def test_a_pulse_sent_or_on_its_way_comes_first_then_a_refusal() -> None:
    taken, failed = _outcome(1, "taken"), _outcome(2, "failed", "channel_not_found")
    pending, sent = _outcome(3, "pending"), _outcome(4, "sent")

    assert outcome_to_tell([taken, failed, pending, sent]) is pending
    assert outcome_to_tell([failed, sent]) is sent
    assert outcome_to_tell([taken, failed]) is failed
    assert outcome_to_tell([taken]) is None
    assert outcome_to_tell([]) is None
