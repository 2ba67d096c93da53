"""The channel digest: the round's region, change, participation, evidence count, nudges."""

from __future__ import annotations

from bot.delivery.platform import ImageRef
from bot.domain.regions import region_label, region_meaning
from bot.domain.views import DigestView
from bot.teams.cards.common import Element, adaptive_card, heading, image, rich, run, text_block
from bot.teams.cards.status import aggregate_elements, nudge_elements, region_line, trend_line


def digest_card(
    view: DigestView, *, picture: ImageRef | None = None, trend_picture: ImageRef | None = None
) -> Element:
    """The channel digest; ``picture`` shows the round, ``trend_picture`` the last rounds.

    Args:
        view: the round's aggregate score, the previous round, trend and nudges.
        picture: the round's Venn picture, shown under the title.
        trend_picture: the last rounds' picture, shown under the trend line.
    """
    team, rnd = view.team, view.round
    state = "so far" if rnd.round.is_open else "closed"
    required = team.rules.required_respondents(rnd.score.asked)
    body: list[Element] = [heading(f"Customer pulse — {team.name}")]
    if picture is not None:
        body.append(image(picture))
    body += [
        rich(
            run(f"Round {rnd.round.number}", bold=True),
            f" ({state}) for ",
            run(team.name, bold=True),
        ),
        text_block(f"{region_line(rnd)} — {region_meaning(rnd.region)}", spacing="None"),
        text_block(f"🔄 {view.change()}", spacing="None"),
        *aggregate_elements(rnd, required=required, notes_word="with"),
        text_block(trend_line(view.trend), subtle=True),
    ]
    if view.release is not None:
        body.append(rich(f"🚀 {view.release.text}"))
    if trend_picture is not None:
        body.append(image(trend_picture))
    body += nudge_elements(view.nudges)
    return adaptive_card(
        body, fallback_text=f"Customer pulse for {team.name}: {region_label(rnd.region)}"
    )
