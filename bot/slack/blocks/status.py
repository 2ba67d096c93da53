"""`/sdo status`: one team's position, or every team's (`status all`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.delivery.platform import ImageRef
from bot.domain.circles import CIRCLES
from bot.domain.model import Team
from bot.domain.org import LARGE_ORG_TEAMS, count_statuses
from bot.domain.privacy import shareable
from bot.domain.regions import region_label, region_meaning
from bot.domain.trends import Direction, Trend
from bot.domain.views import RoundView, TeamStatus
from bot.slack.blocks.text import (
    CIRCLE_EMOJI,
    MAX_MESSAGE_BLOCKS,
    Block,
    bar,
    context,
    divider,
    escape,
    header,
    image,
    section,
)

REGION_EMOJI = {
    "Center": ":dart:",
    "DevOps": ":rocket:",
    "Feasibility practice": ":test_tube:",
    "Marketing": ":loudspeaker:",
    "Research only": ":books:",
    "Engineering only": ":gear:",
    "Delivery only": ":truck:",
    "Outside": ":door:",
    "Not enough answers": ":hourglass_flowing_sand:",
}


def region_line(view: RoundView | None) -> str:
    label = region_label(view.region if view else None)
    return f"{REGION_EMOJI[label]} *{label}*"


def away(view: RoundView) -> str:
    """E.g. " · 2 away" after the participation, when members were away (a count, never who)."""
    return f" · {view.away} away" if view.away else ""


def aggregate_lines(view: RoundView, *, required: int, notes_word: str = "about") -> list[str]:
    """Participation, then scores, disagreements and notes when the privacy rules allow."""
    shared = shareable(view.score)
    lines = [f":busts_in_silhouette: {shared.respondents} of {shared.asked} answered{away(view)}"]
    if shared.scores is None:
        lines.append(f"Scores appear once at least {required} people have answered.")
        return lines
    for circle in CIRCLES:
        tick = ":white_check_mark:" if circle in shared.circles_in else ":white_circle:"
        lines.append(
            f"{tick} {CIRCLE_EMOJI[circle]} {circle.info.short}: `{bar(shared.scores[circle])}`"
        )
    if shared.disagreements:
        split = ", ".join(c.info.short for c in CIRCLES if c in shared.disagreements)
        lines.append(f":speech_balloon: The team disagrees on *{split}* — worth a conversation.")
    notes = shared.notes or 0
    line = f":memo: {notes} evidence note{'s' if notes != 1 else ''}"
    if shared.internal_customer_notes:
        line += (
            f", {shared.internal_customer_notes} {notes_word} internal customers "
            "(support, finance, …)"
        )
    lines.append(line)
    return lines


def _required(team: Team, view: RoundView, members: int) -> int:
    """The respondents a round needs before scores show, as its score counts them: of the
    members it asked (the away were not), or of the team's members before anyone was."""
    return team.rules.required_respondents(view.score.asked or members)


def round_summary(view: RoundView, *, title: str, required: int) -> list[Block]:
    """Region, meaning, and what the privacy rules let the team see of one round."""
    lines = [
        f"*{title}* (round {view.round.number}, opened {view.round.opened_at:%b %d})",
        f"{region_line(view)} — {region_meaning(view.region)}",
        *aggregate_lines(view, required=required),
    ]
    return [section("\n".join(lines))]


def trend_line(trend: Trend) -> str:
    if not trend.regions:
        return ":chart_with_upwards_trend: Trend: no closed rounds yet."
    direction = trend.direction
    return f":chart_with_upwards_trend: Trend: {trend.path} — {direction.arrow} {direction.label}"


def schedule_line(team: Team) -> str:
    """When the team is asked, and in which time zone (`/sdo schedule` sets both)."""
    return f":calendar: Schedule: {team.schedule.describe()} · time zone {escape(team.tz)}"


def status_message(
    status: TeamStatus, *, show_failures: bool = False, picture: ImageRef | None = None
) -> dict[str, Any]:
    """The ephemeral answer to `/sdo status` for one team (``picture``: its Venn diagram)."""
    team = status.team
    head = status.headline
    blocks: list[Block] = [header(f"#{team.name} — {region_label(head.region if head else None)}")]
    if status.current is None and status.last_closed is None:
        blocks.append(
            section(
                f"No pulse yet for *#{escape(team.name)}* ({status.members} members). "
                "A manager can send one with `/sdo pulse`."
            )
        )
        blocks.append(context(schedule_line(team)))
        return {"text": f"#{team.name}: no pulse yet", "blocks": blocks}
    if picture is not None:
        blocks.append(image(picture))
    if status.current is not None:
        blocks += round_summary(
            status.current,
            title="This round so far",
            required=_required(team, status.current, status.members),
        )
    if status.last_closed is not None:
        blocks += round_summary(
            status.last_closed,
            title="Last closed round",
            required=_required(team, status.last_closed, status.members),
        )
    blocks.append(context(trend_line(status.trend)))
    if status.release is not None:
        blocks.append(context(f":rocket: {escape(status.release.text)}"))
    blocks.append(context(schedule_line(team)))
    if status.nudges:
        blocks.append(divider())
        blocks.append(
            section("*Toward the center*\n" + "\n".join(f"• {n.text}" for n in status.nudges))
        )
    if show_failures and status.failed_deliveries:
        blocks.append(
            context(
                f":warning: {status.failed_deliveries} member(s) could not be sent this round's "
                "pulse "
                "(see the server log for the reason)."
            )
        )
    text = f"#{team.name}: {region_label(head.region if head else None)}"
    return {"text": text, "blocks": blocks[:MAX_MESSAGE_BLOCKS]}


SECTION_BUDGET = 2900  # characters per section, under Slack's 3,000


def org_counts_text(statuses: Sequence[TeamStatus]) -> str:
    """`status all` of a large organisation at a glance: teams per region, and who moved.

    Args:
        statuses: every team's aggregate position.

    Returns:
        One line per region ("Not enough answers" last) with how many of its teams moved
        toward (↗) or away (↘) from the center since their previous round, then the totals.
    """
    counts = count_statuses(statuses)
    toward, away = Direction.TOWARD.arrow, Direction.AWAY.arrow
    lines = ["*Teams by region*"]
    for count in counts.regions:
        moves = f"  {toward} {count.toward}" if count.toward else ""
        moves += f"  {away} {count.away}" if count.away else ""
        lines.append(f"{REGION_EMOJI[count.label]} {count.label}: *{count.teams}*{moves}")
    lines.append(
        f"Since the previous round: {toward} {counts.toward} moved toward the center · "
        f"{away} {counts.away} moved away · {counts.steady} held their distance"
    )
    return "\n".join(lines)


def org_status_message(
    statuses: Sequence[TeamStatus], *, picture: ImageRef | None = None
) -> dict[str, Any]:
    """`/sdo status all`: one line per team, Center first; above ``LARGE_ORG_TEAMS`` teams,
    the counts per region and of who moved come first, so a thousand teams read at a glance."""
    if not statuses:
        return {
            "text": "No teams yet.",
            "blocks": [
                section("No teams yet. Run `/sdo setup` in a team's channel to register it.")
            ],
        }
    lines = []
    for s in statuses:
        head = s.headline
        arrow = s.trend.direction.arrow
        lines.append(f"{region_line(head)}  #{escape(s.team.name)} {arrow}")
    blocks: list[Block] = [header(f"All teams ({len(statuses)})")]
    if len(statuses) > LARGE_ORG_TEAMS:
        blocks.append(section(org_counts_text(statuses)))
    if picture is not None:
        blocks.append(image(picture))
    # Sections hold at most 3,000 characters and a message 50 blocks: pack lines into
    # sections, and say how many teams did not fit rather than cut a list silently.
    room = MAX_MESSAGE_BLOCKS - len(blocks) - 1  # one block kept for "…and N more teams"
    shown = 0
    chunk: list[str] = []
    for line in lines:
        if sum(len(c) + 1 for c in chunk) + len(line) > SECTION_BUDGET:
            if room == 0:
                break
            blocks.append(section("\n".join(chunk)))
            room -= 1
            chunk = []
        chunk.append(line)
        shown += 1
    if chunk and room > 0:
        blocks.append(section("\n".join(chunk)))
    else:
        shown -= len(chunk)
    if shown < len(lines):
        blocks.append(context(f"…and {len(lines) - shown} more teams"))
    return {"text": f"All teams: {len(statuses)}", "blocks": blocks}
