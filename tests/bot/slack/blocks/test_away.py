"""The answers of `/sdo away …`, `/sdo away statuses …` and `/sdo pulse me`, as the caller
reads them: one valid section each, names escaped, the list of statuses as it stands."""

from __future__ import annotations

from datetime import date

from bot.domain.away import DEFAULT_AWAY_RULES
from bot.domain.model import Team
from bot.sandbox.fakeslack import block_kit_errors
from bot.slack.blocks import away
from bot.slack.blocks.render import render_message

TEAM = Team(id=1, workspace_id="T1", channel_id="C1", name="<!channel> & co", tz="Europe/Berlin")


def test_every_answer_is_one_valid_section_with_the_same_notification_text() -> None:
    answers = [
        away.away_marked(TEAM, "U1", date(2026, 12, 24)),
        away.away_date_passed(TEAM, date(2026, 1, 2)),
        away.away_cleared(TEAM, "U1", cleared=True),
        away.away_cleared(TEAM, "U1", cleared=False),
        away.away_list(TEAM, [("U1", date(2026, 12, 24))]),
        away.away_list(TEAM, []),
        away.away_not_member(TEAM, "U1"),
        away.away_statuses(TEAM, (":baby:",), ("PTO",), custom=True, changed=True),
        away.away_statuses(TEAM, (), (), custom=True, changed=False),
        away.away_statuses_refused(TEAM, "Too many."),
        away.pulse_me_sent(TEAM, 3, sent=True),
        away.pulse_me_sent(TEAM, 3, sent=False),
        away.not_away(),
    ]
    for answer in answers:
        assert block_kit_errors(answer["blocks"], max_blocks=50) == []
        assert render_message(answer) == answer["text"]
        assert "<!channel>" not in answer["text"]  # the team's name never pings anyone


def test_the_list_of_statuses_reads_as_a_sentence() -> None:
    defaults = render_message(
        away.away_statuses(
            TEAM, DEFAULT_AWAY_RULES.emoji, DEFAULT_AWAY_RULES.words, custom=False, changed=False
        )
    )
    assert defaults.split("\n")[0] == (
        ":palm_tree: In #&lt;!channel&gt; &amp; co, a Slack status means away when its emoji is "
        "one of :palm_tree: :airplane: :face_with_thermometer: :house_with_garden: or its text "
        "has “vacation”, “holiday”, “OOO”, “out of office”, “sick”, “leave” (the defaults; words "
        "match whole, in any case) — while the status has not expired."
    )
    words_only = render_message(away.away_statuses(TEAM, (), ("PTO",), custom=True, changed=True))
    assert words_only.startswith(
        ":white_check_mark: Saved. In #&lt;!channel&gt; &amp; co, a Slack status means away when "
        "its text has “PTO” (this team's own list;"
    )
    nothing = render_message(away.away_statuses(TEAM, (), (), custom=True, changed=False))
    assert nothing.split("\n")[0] == (
        ":palm_tree: In #&lt;!channel&gt; &amp; co, no Slack status makes anyone away (this "
        "team's own list): only a manager's `/sdo away @user until <YYYY-MM-DD>` does."
    )
