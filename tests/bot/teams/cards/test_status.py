"""`status` and `status all`: region, scores, participation, trend, nudges; aggregates only."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from bot.delivery.platform import ImageRef
from bot.domain.circles import AnswerValue, Circle
from bot.domain.nudges import Nudge, nudges_for
from bot.domain.regions import Region
from bot.domain.scoring import Tally, score_round
from bot.domain.views import RoundView, TeamStatus
from bot.teams.cards.status import ORG_LIST_BUDGET, org_status_card, status_card
from tests.bot.teams.cards.reading import card_errors, markdown_texts, read
from tests.support.tallies import MemberAnswer, tally_answers
from tests.support.views import placed, round_view, team, team_status, unplaced

FULL = "▰▰▰▰▰▰▰▰▰▰ 100%"
EMPTY = "▱▱▱▱▱▱▱▱▱▱ 0%"
PICTURE = ImageRef("https://files.example/alpha.png", "alpha is in the Center")
ANSWER_WORDS = ("Yes", "Partly", "Not sure", "Your answer", "Your note")
SCHEDULE = (
    "📅 Schedule: pulse Thursday 15:00 every week, reminder Friday 11:00, digest Monday 10:00 "
    "· time zone Europe/Berlin"
)


def test_a_team_without_a_pulse_says_how_to_send_one() -> None:
    card = status_card(team_status(), show_failures=True, picture=PICTURE)
    assert read(card) == (
        "alpha — Not enough answers\n"
        "No pulse yet for alpha (4 members). A manager can send one with @SDO Pulse pulse.\n"
        + SCHEDULE
    )
    assert card["fallbackText"] == "alpha: no pulse yet"
    assert card_errors(card) == []


def test_status_reads_region_scores_participation_trend_and_nudges() -> None:
    status = team_status(
        current=placed(Region.DEVOPS, number=3, closed=False, notes=1),
        last_closed=placed(Region.CENTER, number=2, notes=2, internal_customer_notes=1),
        history=[Region.FEASIBILITY, Region.CENTER],
        nudges=[Nudge("Show the idea to a customer.", Circle.WHAT), Nudge("Keep demoing.")],
    )
    card = status_card(status, show_failures=False, picture=PICTURE)
    assert read(card) == "\n".join(
        (
            "alpha — DevOps",
            "(image: alpha is in the Center)",
            "**This round so far** (round 3, opened Nov 05)",
            "🚀 **DevOps** — Builds and delivers really fast, but does not know what to build.",
            "👥 3 of 4 answered",
            f"⚪ 💡 What to build: {EMPTY}",
            f"✅ 🛠️ How to build: {FULL}",
            f"✅ 📦 How to deliver: {FULL}",
            "📝 1 evidence note",
            "**Last closed round** (round 2, opened Oct 29)",
            "🎯 **Center** — Understands, builds and delivers the right value with the customer "
            "in the middle: excellence, innovation, world-class results.",
            "👥 3 of 4 answered",
            f"✅ 💡 What to build: {FULL}",
            f"✅ 🛠️ How to build: {FULL}",
            f"✅ 📦 How to deliver: {FULL}",
            "📝 2 evidence notes, 1 about internal customers (support, finance, …)",
            "📈 Trend: Feasibility practice → Center — ↗ moving toward the center",
            SCHEDULE,
            "**Toward the center**",
            "• Show the idea to a customer.",
            "• Keep demoing.",
        )
    )
    assert card["fallbackText"] == "alpha: DevOps"
    assert card_errors(card) == []


def test_a_split_team_is_told_where_it_disagrees() -> None:
    tallies = {
        Circle.WHAT: Tally(yes=2, no=2),
        Circle.HOW: Tally(yes=3, partly=1),
        Circle.DELIVER: Tally(no=3, not_sure=1),
    }
    status = team_status(current=round_view(tallies, respondents=4, asked=5, closed=False))
    shown = read(status_card(status))
    assert "🧪 **Feasibility practice** — Shows what is feasible" in shown
    assert "👥 4 of 5 answered" in shown
    assert "✅ 🛠️ How to build: ▰▰▰▰▰▰▰▰▰▱ 88%" in shown
    assert "💬 The team disagrees on **What to build** — worth a conversation." in shown
    assert "📝 0 evidence notes" in shown


def test_below_the_minimum_only_participation_shows() -> None:
    few = round_view(
        {Circle.WHAT: Tally(yes=1), Circle.HOW: Tally(no=1)},
        respondents=2,
        asked=4,
        closed=False,
        notes=2,
    )
    card = status_card(team_status(current=few), show_failures=False, picture=None)
    assert read(card) == "\n".join(
        (
            "alpha — Not enough answers",
            "**This round so far** (round 1, opened Oct 22)",
            "⏳ **Not enough answers** — Too few members answered this round to place the team: "
            "no region is guessed.",
            "👥 2 of 4 answered",
            "Scores appear once at least 3 people have answered.",
            "📈 Trend: no closed rounds yet.",
            SCHEDULE,
        )
    )
    assert "%" not in read(card)  # no score, no bar
    assert "evidence note" not in read(card)  # nor a note count
    assert card_errors(card) == []


def test_a_small_team_needs_only_as_many_answers_as_it_has_members() -> None:
    status = team_status(current=unplaced(respondents=1, asked=2, closed=False), members=2)
    assert "Scores appear once at least 2 people have answered." in read(status_card(status))


def test_the_headline_is_the_last_closed_round_while_the_open_one_has_too_few_answers() -> None:
    status = team_status(current=unplaced(closed=False), last_closed=placed(Region.MARKETING))
    card = status_card(status)
    assert read(card).startswith("alpha — Marketing\n")
    assert card["fallbackText"] == "alpha: Marketing"


def test_no_individual_answer_or_note_reaches_the_status() -> None:
    notes = ("Acme's CFO said no", "beta with Globex", "support ticket 4711")
    answers = [
        MemberAnswer("ann", Circle.WHAT, AnswerValue.YES, note=notes[0]),
        MemberAnswer("bob", Circle.WHAT, AnswerValue.NO),
        MemberAnswer("cid", Circle.WHAT, AnswerValue.PARTLY),
        MemberAnswer("ann", Circle.HOW, AnswerValue.NOT_SURE, note=notes[1]),
        MemberAnswer("bob", Circle.HOW, AnswerValue.YES, internal_customer=True, note=notes[2]),
        MemberAnswer("cid", Circle.DELIVER, AnswerValue.NO),
    ]
    tallies, respondents = tally_answers(answers)
    score = score_round(
        tallies, respondents=respondents, asked=3, notes=3, internal_customer_notes=1
    )
    view = RoundView(placed(Region.CENTER).round, score)
    card = status_card(team_status(current=view, members=3), show_failures=True, picture=None)
    text = json.dumps(card, ensure_ascii=False)
    for private in (*notes, "ann", "bob", "cid"):
        assert private not in text
    for words in ANSWER_WORDS:
        assert words not in read(card)
    assert "👥 3 of 3 answered" in read(card)
    assert "📝 3 evidence notes, 1 about internal customers (support, finance, …)" in read(card)


def test_failed_deliveries_show_only_when_asked_for() -> None:
    status = replace(team_status(current=placed(Region.CENTER, closed=False)), failed_deliveries=2)
    line = "⚠️ 2 member(s) could not be sent this round's pulse (see the server log for the reason)."
    assert line in read(status_card(status, show_failures=True))
    assert "could not be sent" not in read(status_card(status, show_failures=False))


def test_nudges_from_the_domain_are_shown_one_per_line() -> None:
    nudges = nudges_for(Region.DEVOPS, rotation=1)
    status = team_status(last_closed=placed(Region.DEVOPS), nudges=nudges)
    shown = read(status_card(status)).splitlines()
    assert shown[shown.index("**Toward the center**") + 1 :] == [f"• {n.text}" for n in nudges]


def test_a_team_name_shows_as_typed_and_never_as_markdown() -> None:
    hostile = team("**[x](https://evil.example)**")
    for status in (team_status(hostile), team_status(hostile, last_closed=placed(Region.CENTER))):
        card = status_card(status)
        assert read(card).startswith("**[x](https://evil.example)** — ")
        assert not any("evil.example" in t for t in markdown_texts(card))


def statuses(count: int, name: str = "team-{i:05d}") -> list[TeamStatus]:
    return [
        team_status(
            team(name.format(i=i), team_id=i + 1),
            last_closed=placed(Region.CENTER if i % 2 else Region.DEVOPS, team_id=i + 1),
            history=[Region.DEVOPS, Region.CENTER if i % 2 else Region.DEVOPS],
        )
        for i in range(count)
    ]


def test_no_teams_yet_says_how_to_register_one() -> None:
    card = org_status_card([], picture=None)
    assert (
        read(card) == "No teams yet. Run **@SDO Pulse setup** in a team's channel to register it."
    )
    assert card["fallbackText"] == "No teams yet."
    assert card_errors(card) == []


def test_every_team_is_one_line_with_its_region_and_trend() -> None:
    card = org_status_card(statuses(3), picture=ImageRef("https://files.example/map.png", "map"))
    assert read(card) == "\n".join(
        (
            "All teams (3)",
            "(image: map)",
            "🚀 DevOps  team-00000 →",
            "🎯 Center  team-00001 ↗",
            "🚀 DevOps  team-00002 →",
        )
    )
    assert card["fallbackText"] == "All teams: 3"
    assert card_errors(card) == []


def test_an_unplaced_team_reads_not_enough_answers() -> None:
    card = org_status_card([team_status(last_closed=unplaced())])
    assert "⏳ Not enough answers  alpha ·" in read(card)


@pytest.mark.parametrize("name", ["team-{i:05d}", "{i}-" + "é" * 50 + "-<at>x</at>"])
def test_many_teams_fit_a_teams_message_and_the_rest_are_counted(name: str) -> None:
    card = org_status_card(statuses(4000, name), picture=ImageRef("https://f.example/m", "map"))
    assert card_errors(card) == []  # under Teams' message size, however long the names
    rows = card["body"][2:-1]
    assert 10 < len(rows) < 4000
    assert sum(len(json.dumps(r, ensure_ascii=False)) for r in rows) <= ORG_LIST_BUDGET
    assert read(card).endswith(f"\n…and {4000 - len(rows)} more teams")


def test_a_list_that_fits_has_no_more_line() -> None:
    assert "more teams" not in read(org_status_card(statuses(20)))
