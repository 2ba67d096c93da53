"""The wording use case: reword and reset by circle, limits refuse everything at once, and a
click's outcome (so the refreshed pulse) carries the team's wording."""

from __future__ import annotations

from bot.clock import FrozenClock
from bot.domain.circles import AnswerValue, Circle
from bot.domain.questions import QUESTION_MAX_CHARS
from bot.domain.views import PersonInfo
from bot.services import Services
from storage.db import Database

WS = "T1"
MEMBERS = [PersonInfo(f"U{i}", f"person {i}", "UTC") for i in range(3)]
NEW_W = "Did a customer   tell us\nan idea is worth building?"


async def test_reword_reset_and_limits(db: Database, clock: FrozenClock) -> None:
    services = Services(db=db, clock=clock)
    team, _, _ = await services.teams.setup(
        workspace_id=WS, channel_id="C1", channel_name="alpha", caller=MEMBERS[0], people=MEMBERS
    )
    wording, problems = await services.questions.reword(
        team=team, texts={Circle.WHAT: NEW_W, Circle.HOW: "  ", Circle.DELIVER: None}, by="U0"
    )
    assert problems == {}
    # Whitespace runs are one space; blank and None are the default.
    assert wording.custom == ((Circle.WHAT, "Did a customer tell us an idea is worth building?"),)
    # A limit broken anywhere stores nothing anywhere.
    wording, problems = await services.questions.reword(
        team=team,
        texts={
            Circle.WHAT: None,
            Circle.HOW: "ok?",
            Circle.DELIVER: "x" * (QUESTION_MAX_CHARS + 1),
        },
        by="U0",
    )
    assert set(problems) == {Circle.DELIVER}
    assert "at most 200" in problems[Circle.DELIVER]
    assert (await services.questions.wording(team=team)).custom == wording.custom
    assert wording.question(Circle.WHAT).startswith("Did a customer tell us")
    _, problems = await services.questions.reword(team=team, texts={Circle.HOW: "ab"}, by="U0")
    assert set(problems) == {Circle.HOW}

    rnd, _ = await services.rounds.open(team=team)
    outcome = await services.answers.record(
        workspace_id=WS, round_id=rnd.id, user_id="U1", circle=Circle.WHAT, value=AnswerValue.YES
    )
    assert outcome.stored
    pulse = outcome.pulse()
    assert pulse.question(Circle.WHAT) == "Did a customer tell us an idea is worth building?"
    assert pulse.question(Circle.HOW) == Circle.HOW.info.question

    # Reset: the default sentence itself, or nothing, is the default again.
    wording, _ = await services.questions.reword(
        team=team, texts={Circle.WHAT: Circle.WHAT.info.question}, by="U0"
    )
    assert wording.custom == ()
