"""The channel digest: where the round placed the team, how that changed, and what to try next."""

from __future__ import annotations

from bot.delivery.platform import ImageRef
from bot.domain.circles import Circle
from bot.domain.nudges import Nudge
from bot.domain.regions import Region
from bot.domain.scoring import Tally
from bot.sandbox.fakeslack import block_kit_errors
from bot.slack.blocks.digest import digest_message
from bot.slack.blocks.render import render_message
from tests.support.views import digest_view as digest
from tests.support.views import placed, round_view


def test_a_closed_round_reads_region_change_scores_notes_and_trend() -> None:
    now = placed(Region.CENTER, number=3, notes=2, internal_customer_notes=1)
    message = digest_message(
        digest(now, placed(Region.DEVOPS, number=2), nudges=(Nudge("Keep demoing."),))
    )
    full = "`▰▰▰▰▰▰▰▰▰▰ 100%`"
    assert render_message(message) == "\n".join(
        (
            "== Customer pulse — #alpha ==",
            "*Round 3* (closed) for *#alpha*",
            ":dart: *Center* — Understands, builds and delivers the right value with the "
            "customer in the middle: excellence, innovation, world-class results.",
            ":arrows_counterclockwise: DevOps → Center: moved toward the center.",
            ":busts_in_silhouette: 3 of 4 answered",
            f":white_check_mark: :bulb: What to build: {full}",
            f":white_check_mark: :hammer_and_wrench: How to build: {full}",
            f":white_check_mark: :package: How to deliver: {full}",
            ":memo: 2 evidence notes, 1 with internal customers (support, finance, …)",
            "  :chart_with_upwards_trend: Trend: DevOps → Center — ↗ moving toward the center",
            "—" * 20,
            "*Toward the center*",
            "• Keep demoing.",
        )
    )
    assert message["text"] == "Customer pulse for #alpha: Center"
    assert block_kit_errors(message["blocks"], max_blocks=50) == []


def test_an_open_round_is_so_far_and_shows_split_answers() -> None:
    tallies = {
        Circle.WHAT: Tally(yes=2, no=2),
        Circle.HOW: Tally(yes=3, partly=1),
        Circle.DELIVER: Tally(no=3, not_sure=1),
    }
    now = round_view(tallies, respondents=4, asked=5, closed=False, notes=1)
    assert now.region is Region.FEASIBILITY
    shown = render_message(digest_message(digest(now)))
    assert "*Round 1* (so far) for *#alpha*" in shown
    assert ":arrows_counterclockwise: First round for this team." in shown
    assert ":busts_in_silhouette: 4 of 5 answered" in shown
    assert ":white_check_mark: :bulb: What to build: `▰▰▰▰▰▱▱▱▱▱ 50%`" in shown
    assert ":white_check_mark: :hammer_and_wrench: How to build: `▰▰▰▰▰▰▰▰▰▱ 88%`" in shown
    assert ":white_circle: :package: How to deliver: `▱▱▱▱▱▱▱▱▱▱ 0%`" in shown
    assert ":speech_balloon: The team disagrees on *What to build* — worth a conversation." in shown
    assert ":memo: 1 evidence note" in shown
    assert "internal customers" not in shown
    assert "  :chart_with_upwards_trend: Trend: Feasibility practice — · not enough rounds yet" in (
        shown
    )


def test_too_few_answers_show_participation_only() -> None:
    now = round_view(
        {Circle.WHAT: Tally(yes=1), Circle.HOW: Tally(no=1)}, respondents=2, asked=4, notes=2
    )
    message = digest_message(digest(now, placed(Region.CENTER)))
    shown = render_message(message)
    assert (
        ":hourglass_flowing_sand: *Not enough answers* — Too few members answered this round"
        in (shown)
    )
    assert ":busts_in_silhouette: 2 of 4 answered" in shown
    assert "Scores appear once at least 3 people have answered." in shown
    assert "%" not in shown  # no score, no bar
    assert "evidence note" not in shown  # nor a note count
    assert message["text"] == "Customer pulse for #alpha: Not enough answers"


def test_a_small_team_needs_only_as_many_answers_as_it_has_members() -> None:
    now = round_view({Circle.WHAT: Tally(yes=1)}, respondents=1, asked=2)
    shown = render_message(digest_message(digest(now)))
    assert "Scores appear once at least 2 people have answered." in shown


def test_pictures_show_the_round_first_and_the_trend_last() -> None:
    message = digest_message(
        digest(placed(Region.DEVOPS)),
        picture=ImageRef("F1", "alpha is in DevOps"),
        trend_picture=ImageRef("F2", "alpha's last rounds", title="Trend"),
    )
    kinds = [b["type"] for b in message["blocks"]]
    assert kinds == ["header", "image", "section", "context", "image"]
    shown = render_message(message).splitlines()
    assert shown[1] == "(image: alpha is in DevOps)"
    assert shown[-1] == "(image: alpha's last rounds)"
    assert block_kit_errors(message["blocks"], max_blocks=50) == []


def test_without_nudges_there_is_no_toward_the_center_section() -> None:
    message = digest_message(digest(placed(Region.CENTER)))
    assert "Toward the center" not in render_message(message)
    assert [b["type"] for b in message["blocks"]] == ["header", "section", "context"]


def test_the_team_name_is_escaped_in_text_slack_formats() -> None:
    message = digest_message(digest(placed(Region.CENTER), name="<!channel>"))
    section = message["blocks"][1]["text"]["text"]
    assert section.startswith("*Round 1* (closed) for *#&lt;!channel&gt;*\n")
    assert "<!channel>" not in section
