"""The App Home tab: each of the user's teams, and the settings of those they manage."""

from __future__ import annotations

from bot.delivery.platform import ImageRef
from bot.domain.model import Schedule
from bot.domain.regions import Region
from bot.domain.views import HomeTeam
from bot.sandbox.fakeslack import view_errors
from bot.slack.blocks.home import EDIT_SCHEDULE_ACTION_ID, SEND_PULSE_ACTION_ID, home_view
from bot.slack.blocks.render import render_message
from tests.support.views import placed, team, team_status, unplaced

INTRO = (
    "Is the customer in the middle? Each pulse asks whether a customer *validated an idea*, "
    "*critiqued the implementation* and *accepted a delivery*."
)


def test_someone_in_no_team_is_told_how_to_start() -> None:
    view = home_view([])
    assert view["type"] == "home"
    assert render_message(view) == "\n".join(
        (
            "== SDO Pulse ==",
            INTRO,
            "You are not in a team yet. Run `/sdo setup` in your team's channel to start.",
        )
    )
    assert view_errors(view) == []


def test_a_member_sees_where_the_team_stands_and_no_settings() -> None:
    status = team_status(
        last_closed=placed(Region.DEVOPS, number=2), history=[Region.OUTSIDE, Region.DEVOPS]
    )
    view = home_view([HomeTeam(team=status.team, status=status, manages=False)])
    assert render_message(view) == "\n".join(
        (
            "== SDO Pulse ==",
            INTRO,
            "—" * 20,
            "*#alpha* — :rocket: *DevOps*\nTrend: ↗ moving toward the center (Outside → DevOps)",
        )
    )
    assert view_errors(view) == []


def test_a_manager_sees_the_schedule_and_can_send_a_pulse_or_edit_it() -> None:
    biweekly = Schedule(every_weeks=2, reminder_enabled=False)
    the_team = team("beta", team_id=7, tz="Asia/Tokyo", schedule=biweekly)
    status = team_status(the_team, current=unplaced(closed=False))
    view = home_view([HomeTeam(team=the_team, status=status, manages=True)])
    shown = render_message(view)
    assert shown.endswith(
        "*#beta* — :hourglass_flowing_sand: *Not enough answers*\n"
        "Trend: · not enough rounds yet\n"
        ":calendar: pulse Thursday 15:00 every 2 weeks, no reminder, digest Monday 10:00 "
        "(Asia/Tokyo)\n"
        "  [Send pulse now]* [Edit schedule]"
    )
    actions = view["blocks"][-1]
    assert actions["block_id"] == "manage_7"
    assert [(e["action_id"], e["value"]) for e in actions["elements"]] == [
        (SEND_PULSE_ACTION_ID, "7"),
        (EDIT_SCHEDULE_ACTION_ID, "7"),
    ]
    assert view_errors(view) == []


def test_the_headline_is_the_placed_open_round_else_the_last_closed_one() -> None:
    placed_now = team_status(
        current=placed(Region.CENTER, closed=False, number=2), last_closed=placed(Region.OUTSIDE)
    )
    unplaced_now = team_status(
        current=unplaced(closed=False, number=2), last_closed=placed(Region.OUTSIDE)
    )
    lines = [
        render_message(home_view([HomeTeam(s.team, s, manages=False)])).splitlines()[3]
        for s in (placed_now, unplaced_now)
    ]
    assert lines == ["*#alpha* — :dart: *Center*", "*#alpha* — :door: *Outside*"]


def test_a_notice_shows_on_top_and_pictures_under_their_team() -> None:
    one = team_status(team("one", team_id=1), last_closed=placed(Region.CENTER, team_id=1))
    two = team_status(team("two", team_id=2), last_closed=placed(Region.DEVOPS, team_id=2))
    view = home_view(
        [HomeTeam(one.team, one, manages=False), HomeTeam(two.team, two, manages=False)],
        notice=":white_check_mark: Pulse sent to 4 members of #one.",
        pictures={2: ImageRef("F2", "two's last rounds")},
    )
    shown = render_message(view).splitlines()
    assert shown[1] == "  :white_check_mark: Pulse sent to 4 members of #one."
    assert shown[-1] == "(image: two's last rounds)"
    assert shown[-3].startswith("*#two* — :rocket: *DevOps*")
    assert sum(1 for b in view["blocks"] if b["type"] == "image") == 1
    assert view_errors(view) == []


def test_team_names_and_zones_are_escaped() -> None:
    the_team = team("<!here>", tz="<@U1>")
    status = team_status(the_team, last_closed=placed(Region.CENTER))
    view = home_view([HomeTeam(the_team, status, manages=True)])
    shown = render_message(view)
    assert "*#&lt;!here&gt;* — :dart: *Center*" in shown
    assert "(&lt;@U1&gt;)" in shown
    assert "<!here>" not in shown
    assert "<@U1>" not in shown


def test_many_teams_are_cut_at_slacks_hundred_blocks_and_the_cut_is_said() -> None:
    teams = [team(f"team-{i}", team_id=i) for i in range(1, 41)]
    items = [
        HomeTeam(t, team_status(t, last_closed=placed(Region.CENTER, team_id=t.id)), manages=True)
        for t in teams
    ]
    view = home_view(items, notice="Saved.")
    assert len(view["blocks"]) == 100
    assert view["blocks"][-1] == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": "…more teams not shown"}],
    }
    assert view_errors(view) == []
    assert "*#team-1* — :dart: *Center*" in render_message(view)
    assert "*#team-40*" not in render_message(view)


def test_a_full_page_of_teams_is_not_cut() -> None:
    # Header, intro and 49 teams of two blocks each: 100 blocks, all shown.
    teams = [team(f"team-{i}", team_id=i) for i in range(1, 50)]
    items = [HomeTeam(t, team_status(t), manages=False) for t in teams]
    view = home_view(items)
    assert len(view["blocks"]) == 100
    assert "more teams not shown" not in render_message(view)
    assert "*#team-49* — :hourglass_flowing_sand: *Not enough answers*" in render_message(view)
    assert view_errors(view) == []
