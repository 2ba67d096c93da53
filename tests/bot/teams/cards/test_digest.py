"""The channel digest: where the round placed the team, how that changed, and what to try next."""

from __future__ import annotations

import json

from bot.delivery.platform import ImageRef
from bot.domain.circles import AnswerValue, Circle
from bot.domain.nudges import Nudge
from bot.domain.regions import Region
from bot.domain.scoring import Tally, score_round
from bot.domain.views import RoundView
from bot.teams.cards.digest import digest_card
from tests.bot.teams.cards.reading import card_errors, markdown_texts, read
from tests.support.tallies import MemberAnswer, tally_answers
from tests.support.views import digest_view as digest
from tests.support.views import placed, round_view

FULL = "▰▰▰▰▰▰▰▰▰▰ 100%"


def test_a_closed_round_reads_region_change_scores_notes_trend_and_nudges() -> None:
    now = placed(Region.CENTER, number=3, notes=2, internal_customer_notes=1)
    card = digest_card(
        digest(now, placed(Region.DEVOPS, number=2), nudges=(Nudge("Keep demoing."),)),
        picture=None,
        trend_picture=None,
    )
    assert read(card) == "\n".join(
        (
            "Customer pulse — alpha",
            "Round 3 (closed) for alpha",
            "🎯 **Center** — Understands, builds and delivers the right value with the "
            "customer in the middle: excellence, innovation, world-class results.",
            "🔄 DevOps → Center: moved toward the center.",
            "👥 3 of 4 answered",
            f"✅ 💡 What to build: {FULL}",
            f"✅ 🛠️ How to build: {FULL}",
            f"✅ 📦 How to deliver: {FULL}",
            "📝 2 evidence notes, 1 with internal customers (support, finance, …)",
            "📈 Trend: DevOps → Center — ↗ moving toward the center",
            "**Toward the center**",
            "• Keep demoing.",
        )
    )
    assert card["fallbackText"] == "Customer pulse for alpha: Center"
    assert card_errors(card) == []


def test_an_open_round_is_so_far_and_shows_split_answers() -> None:
    tallies = {
        Circle.WHAT: Tally(yes=2, no=2),
        Circle.HOW: Tally(yes=3, partly=1),
        Circle.DELIVER: Tally(no=3, not_sure=1),
    }
    now = round_view(tallies, respondents=4, asked=5, closed=False, notes=1)
    shown = read(digest_card(digest(now)))
    assert "Round 1 (so far) for alpha" in shown
    assert "🔄 First round for this team." in shown
    assert "👥 4 of 5 answered" in shown
    assert "✅ 💡 What to build: ▰▰▰▰▰▱▱▱▱▱ 50%" in shown
    assert "✅ 🛠️ How to build: ▰▰▰▰▰▰▰▰▰▱ 88%" in shown
    assert "⚪ 📦 How to deliver: ▱▱▱▱▱▱▱▱▱▱ 0%" in shown
    assert "💬 The team disagrees on **What to build** — worth a conversation." in shown
    assert "📝 1 evidence note" in shown
    assert "internal customers" not in shown
    assert "📈 Trend: Feasibility practice — · not enough rounds yet" in shown


def test_too_few_answers_show_participation_only() -> None:
    now = round_view(
        {Circle.WHAT: Tally(yes=1), Circle.HOW: Tally(no=1)}, respondents=2, asked=4, notes=2
    )
    card = digest_card(digest(now, placed(Region.CENTER)))
    shown = read(card)
    assert "⏳ **Not enough answers** — Too few members answered this round" in shown
    assert "👥 2 of 4 answered" in shown
    assert "Scores appear once at least 3 people have answered." in shown
    assert "%" not in shown  # no score, no bar
    assert "evidence note" not in shown  # nor a note count
    assert "disagrees" not in shown
    assert card["fallbackText"] == "Customer pulse for alpha: Not enough answers"
    assert card_errors(card) == []


def test_a_small_team_needs_only_as_many_answers_as_it_has_members() -> None:
    now = round_view({Circle.WHAT: Tally(yes=1)}, respondents=1, asked=2)
    assert "Scores appear once at least 2 people have answered." in read(digest_card(digest(now)))


def test_pictures_show_the_round_first_and_the_trend_after_the_trend_line() -> None:
    card = digest_card(
        digest(placed(Region.DEVOPS)),
        picture=ImageRef("https://files.example/r.png", "alpha is in DevOps"),
        trend_picture=ImageRef("https://files.example/t.png", "alpha's last rounds", "Trend"),
    )
    images = [e for e in card["body"] if e["type"] == "Image"]
    assert images == [
        {"type": "Image", "url": "https://files.example/r.png", "altText": "alpha is in DevOps"},
        {"type": "Image", "url": "https://files.example/t.png", "altText": "alpha's last rounds"},
    ]
    shown = read(card).splitlines()
    assert shown[1] == "(image: alpha is in DevOps)"
    assert shown[-1] == "(image: alpha's last rounds)"
    assert shown[-2].startswith("📈 Trend:")
    assert card_errors(card) == []


def test_without_nudges_there_is_no_toward_the_center() -> None:
    card = digest_card(digest(placed(Region.CENTER)))
    assert "Toward the center" not in read(card)
    assert read(card).splitlines()[-1].startswith("📈 Trend:")


def test_no_individual_answer_or_note_reaches_the_channel() -> None:
    notes = ("Acme's CFO said no", "beta with Globex")
    answers = [
        MemberAnswer("ann", Circle.WHAT, AnswerValue.YES, note=notes[0]),
        MemberAnswer("bob", Circle.HOW, AnswerValue.PARTLY, note=notes[1]),
        MemberAnswer("cid", Circle.DELIVER, AnswerValue.NOT_SURE),
    ]
    tallies, respondents = tally_answers(answers)
    score = score_round(tallies, respondents=respondents, asked=3, notes=2)
    card = digest_card(digest(RoundView(placed(Region.CENTER).round, score)))
    text = json.dumps(card, ensure_ascii=False)
    for private in (*notes, "ann", "bob", "cid", "Your answer", "Your note", "Partly", "Not sure"):
        assert private not in text
    assert "📝 2 evidence notes" in read(card)


def test_the_team_name_shows_as_typed_and_never_as_markdown() -> None:
    card = digest_card(digest(placed(Region.CENTER), name="**[x](https://evil.example)**"))
    assert read(card).startswith(
        "Customer pulse — **[x](https://evil.example)**\n"
        "Round 1 (closed) for **[x](https://evil.example)**\n"
    )
    assert not any("evil.example" in t for t in markdown_texts(card))
