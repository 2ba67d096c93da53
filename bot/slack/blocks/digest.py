"""The channel digest: the round's region, change, participation, evidence count, nudges."""

from __future__ import annotations

from typing import Any

from bot.delivery.platform import ImageRef
from bot.domain.regions import region_label, region_meaning
from bot.domain.views import DigestView
from bot.slack.blocks.status import aggregate_lines, region_line, trend_line
from bot.slack.blocks.text import (
    Block,
    context,
    divider,
    escape,
    header,
    image,
    section,
)


def digest_message(
    view: DigestView, *, picture: ImageRef | None = None, trend_picture: ImageRef | None = None
) -> dict[str, Any]:
    """The channel digest; ``picture`` shows the round, ``trend_picture`` the last rounds."""
    team, rnd = view.team, view.round
    state = "so far" if rnd.round.is_open else "closed"
    lines = [
        f"{region_line(rnd)} — {region_meaning(rnd.region)}",
        f":arrows_counterclockwise: {view.change()}",
        *aggregate_lines(
            rnd, required=team.rules.required_respondents(rnd.score.asked), notes_word="with"
        ),
    ]
    blocks: list[Block] = [
        header(f"Customer pulse — #{team.name}"),
        section(
            f"*Round {rnd.round.number}* ({state}) for *#{escape(team.name)}*\n" + "\n".join(lines)
        ),
        context(trend_line(view.trend)),
    ]
    if view.release is not None:
        blocks.append(context(f":rocket: {escape(view.release.text)}"))
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
