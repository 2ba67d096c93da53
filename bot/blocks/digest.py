"""The channel digest: the round's region, change, participation, evidence count, nudges."""

from __future__ import annotations

from typing import Any

from bot.blocks.status import region_line, trend_line
from bot.blocks.text import (
    CIRCLE_EMOJI,
    Block,
    ImageRef,
    bar,
    context,
    divider,
    escape,
    header,
    image,
    section,
)
from bot.domain.circles import CIRCLES
from bot.domain.regions import region_label, region_meaning
from bot.services import DigestView


def change_line(view: DigestView) -> str:
    now = view.round.region
    if view.previous is None:
        return "First round for this team."
    before = view.previous.region
    if before == now:
        return f"Same as the previous round ({region_label(now)})."
    if now is None or before is None:
        return f"Previous round: {region_label(before)}."
    if now.depth > before.depth:
        move = "moved toward the center"
    elif now.depth < before.depth:
        move = "moved away from the center"
    else:
        move = "moved sideways"
    return f"{region_label(before)} → {region_label(now)}: {move}."


def digest_message(
    view: DigestView, *, picture: ImageRef | None = None, trend_picture: ImageRef | None = None
) -> dict[str, Any]:
    """The channel digest; ``picture`` shows the round, ``trend_picture`` the last rounds."""
    team, rnd = view.team, view.round
    score = rnd.score
    state = "so far" if rnd.round.is_open else "closed"
    lines = [
        f"{region_line(rnd)} — {region_meaning(rnd.region)}",
        f":arrows_counterclockwise: {change_line(view)}",
        f":busts_in_silhouette: {score.respondents} of {score.asked} answered",
    ]
    if rnd.region is not None:
        for circle in CIRCLES:
            tick = ":white_check_mark:" if circle in score.circles_in else ":white_circle:"
            lines.append(
                f"{tick} {CIRCLE_EMOJI[circle]} {circle.info.short}: `{bar(score.score(circle))}`"
            )
    notes = f":memo: {score.notes} evidence note{'s' if score.notes != 1 else ''}"
    if score.internal_customer_notes:
        notes += f", {score.internal_customer_notes} with internal customers (support, finance, …)"
    lines.append(notes)
    blocks: list[Block] = [
        header(f"Customer pulse — #{team.name}"),
        section(
            f"*Round {rnd.round.number}* ({state}) for *#{escape(team.name)}*\n" + "\n".join(lines)
        ),
        context(trend_line(view.trend)),
    ]
    if picture is not None:
        blocks.insert(1, image(picture))
    if trend_picture is not None:
        blocks.append(image(trend_picture))
    if view.nudges:
        blocks += [
            divider(),
            section("*Toward the center*\n" + "\n".join(f"• {n.text}" for n in view.nudges)),
        ]
    text = f"Customer pulse for #{team.name}: {region_label(rnd.region)}"
    return {"text": text, "blocks": blocks}
