"""`@SDO Pulse status`: one team's position, or every team's (`status all`).

Aggregates only, read through ``bot.domain.privacy.shareable``: below a team's minimum
respondents a round shows its participation and nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from bot.delivery.platform import ImageRef
from bot.domain.circles import CIRCLES
from bot.domain.model import Team
from bot.domain.nudges import Nudge
from bot.domain.org import LARGE_ORG_TEAMS, count_statuses
from bot.domain.privacy import shareable
from bot.domain.regions import region_label, region_meaning
from bot.domain.trends import Direction, Trend
from bot.domain.views import RoundView, TeamStatus
from bot.teams.cards.common import (
    CIRCLE_EMOJI,
    Element,
    adaptive_card,
    bar,
    command,
    container,
    fact_set,
    heading,
    image,
    plural,
    rich,
    run,
    text_block,
)

REGION_EMOJI = {
    "Center": "🎯",
    "DevOps": "🚀",
    "Feasibility practice": "🧪",
    "Marketing": "📢",
    "Research only": "📚",
    "Engineering only": "⚙️",
    "Delivery only": "🚚",
    "Outside": "🚪",
    "Not enough answers": "⏳",
}

# A Teams message holds about 40 KB counted in UTF-16, some 20,000 characters: the list of
# `status all` gets this many characters of card, and the teams that do not fit are counted.
ORG_LIST_BUDGET = 12_000


def region_line(view: RoundView | None) -> str:
    """E.g. "🎯 **Center**" (``None``: not enough answers).

    Args:
        view: the round the team is judged by.
    """
    label = region_label(view.region if view else None)
    return f"{REGION_EMOJI[label]} **{label}**"


def aggregate_elements(
    view: RoundView, *, required: int, notes_word: str = "about"
) -> list[Element]:
    """Participation, then scores, disagreements and notes when the privacy rules allow.

    Args:
        view: one round's aggregate score.
        required: the respondents the team needs before scores are shown.
        notes_word: "about" (status) or "with" (digest) internal customers.
    """
    shared = shareable(view.score)
    away = f" · {view.away} away" if view.away else ""  # a count, never who
    elements = [text_block(f"👥 {shared.respondents} of {shared.asked} answered{away}")]
    if shared.scores is None:
        elements.append(text_block(f"Scores appear once at least {required} people have answered."))
        return elements
    scores = shared.scores
    elements.append(
        fact_set(
            [
                (
                    f"{'✅' if c in shared.circles_in else '⚪'} {CIRCLE_EMOJI[c]} {c.info.short}",
                    bar(scores[c]),
                )
                for c in CIRCLES
            ]
        )
    )
    if shared.disagreements:
        split = ", ".join(c.info.short for c in CIRCLES if c in shared.disagreements)
        elements.append(text_block(f"💬 The team disagrees on **{split}** — worth a conversation."))
    notes = shared.notes or 0
    line = f"📝 {plural(notes, 'evidence note')}"
    if shared.internal_customer_notes:
        line += (
            f", {shared.internal_customer_notes} {notes_word} internal customers "
            "(support, finance, …)"
        )
    elements.append(text_block(line))
    return elements


def _required(team: Team, view: RoundView, members: int) -> int:
    """The respondents a round needs before scores show, as its score counts them: of the
    members it asked (the away were not), or of the team's members before anyone was."""
    return team.rules.required_respondents(view.score.asked or members)


def round_summary(view: RoundView, *, title: str, required: int) -> Element:
    """Region, meaning, and what the privacy rules let the team see of one round.

    Args:
        view: the round.
        title: "This round so far" or "Last closed round".
        required: the respondents the team needs before scores are shown.
    """
    rnd = view.round
    items = [
        text_block(f"**{title}** (round {rnd.number}, opened {rnd.opened_at:%b %d})"),
        text_block(f"{region_line(view)} — {region_meaning(view.region)}", spacing="None"),
        *aggregate_elements(view, required=required),
    ]
    block = container(items)
    block["separator"] = True
    return block


def trend_line(trend: Trend) -> str:
    """E.g. "📈 Trend: DevOps → Center — ↗ moving toward the center".

    Args:
        trend: the team's last rounds.
    """
    if not trend.regions:
        return "📈 Trend: no closed rounds yet."
    direction = trend.direction
    return f"📈 Trend: {trend.path} — {direction.arrow} {direction.label}"


def nudge_elements(nudges: Sequence[Nudge]) -> list[Element]:
    """ "Toward the center" and one line per nudge (none without nudges).

    Args:
        nudges: what the team could try next.
    """
    if not nudges:
        return []
    title = text_block("**Toward the center**")
    title["separator"] = True
    return [title, *(text_block(f"• {n.text}", spacing="Small") for n in nudges)]


def schedule_line(team: Team) -> str:
    """When the team is asked, and in which time zone (`schedule` sets both)."""
    return f"📅 Schedule: {team.schedule.describe()} · time zone {team.tz}"


def status_card(
    status: TeamStatus, *, show_failures: bool = False, picture: ImageRef | None = None
) -> Element:
    """The answer to `status` for one team.

    Args:
        status: the team's aggregate position.
        show_failures: say how many members could not be sent this round's pulse (managers).
        picture: the team's Venn picture, shown under the title.
    """
    team = status.team
    head = status.headline
    label = region_label(head.region if head else None)
    body: list[Element] = [heading(f"{team.name} — {label}")]
    if status.current is None and status.last_closed is None:
        body.append(
            rich(
                "No pulse yet for ",
                run(team.name, bold=True),
                f" ({plural(status.members, 'member')}). A manager can send one with ",
                run(command("pulse"), bold=True),
                ".",
            )
        )
        body.append(text_block(schedule_line(team), subtle=True))
        return adaptive_card(body, fallback_text=f"{team.name}: no pulse yet")
    if picture is not None:
        body.append(image(picture))
    if status.current is not None:
        body.append(
            round_summary(
                status.current,
                title="This round so far",
                required=_required(team, status.current, status.members),
            )
        )
    if status.last_closed is not None:
        body.append(
            round_summary(
                status.last_closed,
                title="Last closed round",
                required=_required(team, status.last_closed, status.members),
            )
        )
    body.append(text_block(trend_line(status.trend), subtle=True))
    if status.release is not None:
        body.append(rich(f"🚀 {status.release.text}"))
    body.append(text_block(schedule_line(team), subtle=True))
    body += nudge_elements(status.nudges)
    if show_failures and status.failed_deliveries:
        body.append(
            text_block(
                f"⚠️ {status.failed_deliveries} member(s) could not be sent this round's pulse "
                "(see the server log for the reason).",
                color="Warning",
            )
        )
    return adaptive_card(body, fallback_text=f"{team.name}: {label}")


def _org_row(status: TeamStatus) -> Element:
    label = region_label(status.headline.region if status.headline else None)
    return rich(
        f"{REGION_EMOJI[label]} ",
        run(label, bold=True),
        f"  {status.team.name} {status.trend.direction.arrow}",
        spacing="None",
    )


def org_counts_elements(statuses: Sequence[TeamStatus]) -> list[Element]:
    """A large organisation at a glance: teams per region, and who moved since last round.

    Args:
        statuses: every team's aggregate position.

    Returns:
        A fact set (a row per region, "Not enough answers" last, with how many of its teams
        moved toward ↗ or away ↘ from the center) and the totals in a line.
    """
    counts = count_statuses(statuses)
    toward, away = Direction.TOWARD.arrow, Direction.AWAY.arrow
    facts = []
    for count in counts.regions:
        moves = f"  {toward} {count.toward}" if count.toward else ""
        moves += f"  {away} {count.away}" if count.away else ""
        facts.append((f"{REGION_EMOJI[count.label]} {count.label}", f"**{count.teams}**{moves}"))
    return [
        fact_set(facts),
        text_block(
            f"Since the previous round: {toward} {counts.toward} moved toward the center · "
            f"{away} {counts.away} moved away · {counts.steady} held their distance",
            subtle=True,
        ),
    ]


def org_status_card(statuses: Sequence[TeamStatus], *, picture: ImageRef | None = None) -> Element:
    """`status all`: one line per team, in the order given (the service puts Center first).

    Above ``LARGE_ORG_TEAMS`` teams the title comes with the counts per region and of who
    moved (``org_counts_elements``), so a thousand teams read at a glance before the list.

    A long list stops where the card would outgrow a Teams message, and says how many teams
    did not fit rather than cut the list silently.

    Args:
        statuses: every team's aggregate position.
        picture: the map of all teams.
    """
    if not statuses:
        return adaptive_card(
            [
                text_block(
                    f"No teams yet. Run **{command('setup')}** in a team's channel to register it."
                )
            ],
            fallback_text="No teams yet.",
        )
    title = heading(f"All teams ({len(statuses)})")
    body: list[Element] = [title]
    if len(statuses) > LARGE_ORG_TEAMS:
        body = [container([title, *org_counts_elements(statuses)], element_id="org-counts")]
    if picture is not None:
        body.append(image(picture))
    used = 0
    shown = 0
    for status in statuses:
        row = _org_row(status)
        used += len(json.dumps(row, ensure_ascii=False))
        if used > ORG_LIST_BUDGET:
            break
        body.append(row)
        shown += 1
    if shown < len(statuses):
        body.append(text_block(f"…and {len(statuses) - shown} more teams", subtle=True))
    return adaptive_card(body, fallback_text=f"All teams: {len(statuses)}")
