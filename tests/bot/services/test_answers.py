"""A member's answers through the use cases, on both databases: what is stored, what is refused."""

from __future__ import annotations

from bot.clock import FrozenClock
from bot.domain.circles import AnswerValue, Circle
from bot.domain.views import AnswerOutcome, PersonInfo
from bot.services import Services
from bot.services.answers import NOTE_MAX_CHARS
from storage.db import Database

WS = "T1"
MEMBERS = [PersonInfo(f"U{i}", f"person {i}", "UTC") for i in range(3)]
OUTSIDER = "UOUT"


async def _round(services: Services) -> int:
    team, _, _ = await services.teams.setup(
        workspace_id=WS, channel_id="C1", channel_name="alpha", caller=MEMBERS[0], people=MEMBERS
    )
    rnd, _ = await services.rounds.open(team=team)
    return rnd.id


async def test_a_click_is_stored_changed_and_handed_back_to_its_author(
    db: Database, clock: FrozenClock
) -> None:
    services = Services(db=db, clock=clock)
    round_id = await _round(services)

    first = await services.answers.record(
        workspace_id=WS, round_id=round_id, user_id="U1", circle=Circle.HOW, value=AnswerValue.NO
    )
    changed = await services.answers.record(
        workspace_id=WS, round_id=round_id, user_id="U1", circle=Circle.HOW, value=AnswerValue.YES
    )
    _, _, mine = await services.answers.mine(workspace_id=WS, round_id=round_id, user_id="U1")
    _, _, theirs = await services.answers.mine(workspace_id=WS, round_id=round_id, user_id="U2")

    assert (first.stored, first.answers[Circle.HOW].value) == (True, AnswerValue.NO)
    assert (changed.stored, changed.answers[Circle.HOW].value) == (True, AnswerValue.YES)
    assert list(mine) == [Circle.HOW]
    assert mine[Circle.HOW].value is AnswerValue.YES
    assert theirs == {}


async def test_clicks_on_unknown_closed_or_foreign_rounds_are_refused_and_store_nothing(
    db: Database, clock: FrozenClock
) -> None:
    services = Services(db=db, clock=clock)
    round_id = await _round(services)

    async def click(
        *, round_id: int = round_id, user_id: str = "U1", workspace_id: str = WS
    ) -> AnswerOutcome:
        return await services.answers.record(
            workspace_id=workspace_id,
            round_id=round_id,
            user_id=user_id,
            circle=Circle.WHAT,
            value=AnswerValue.YES,
        )

    unknown = await click(round_id=round_id + 99)
    other_workspace = await click(workspace_id="T2")
    not_asked = await click(user_id=OUTSIDER)
    team = await services.teams.for_channel(workspace_id=WS, channel_id="C1")
    assert team is not None
    await services.rounds.open(team=team, period="next")  # closes the round
    closed = await click()

    assert [(o.stored, o.reason) for o in (unknown, other_workspace, not_asked, closed)] == [
        (False, "unknown_round"),
        (False, "unknown_round"),
        (False, "not_asked"),
        (False, "closed"),
    ]
    for user in ("U1", OUTSIDER):
        _, _, stored = await services.answers.mine(workspace_id=WS, round_id=round_id, user_id=user)
        assert stored == {}


async def test_a_note_is_trimmed_kept_to_its_limit_and_never_replaces_the_answer(
    db: Database, clock: FrozenClock
) -> None:
    services = Services(db=db, clock=clock)
    round_id = await _round(services)
    await services.answers.record(
        workspace_id=WS, round_id=round_id, user_id="U2", circle=Circle.DELIVER,
        value=AnswerValue.PARTLY,
    )  # fmt: skip

    async def note(text: str, *, internal: bool = False) -> AnswerOutcome:
        return await services.answers.save_note(
            workspace_id=WS, round_id=round_id, user_id="U2", circle=Circle.DELIVER,
            note=text, internal_customer=internal,
        )  # fmt: skip

    too_long = await note("x" * (NOTE_MAX_CHARS + 1))
    saved = await note("  Finance accepted the export  ", internal=True)
    cleared = await note("   ")

    assert (too_long.stored, too_long.reason) == (False, "too_long")
    note = saved.answers[Circle.DELIVER]
    assert (note.value, note.note, note.internal_customer) == (
        AnswerValue.PARTLY,
        "Finance accepted the export",
        True,
    )
    assert cleared.answers[Circle.DELIVER].note is None
    assert cleared.answers[Circle.DELIVER].value is AnswerValue.PARTLY
