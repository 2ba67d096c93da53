"""Concrete nudges that move a team toward the center.

Each missing circle has several nudges; a rotation key (e.g. the round number) picks a
different one every round so a team does not read the same sentence every week.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.circles import CIRCLES, Circle
from bot.domain.regions import Region


@dataclass(frozen=True, slots=True)
class Nudge:
    """One suggestion, and the circle it would bring the team into (``None``: general)."""

    text: str
    circle: Circle | None = None


MISSING_CIRCLE_NUDGES: dict[Circle, tuple[str, ...]] = {
    Circle.WHAT: (
        "Before building the next item, show the idea to one customer — a sketch or a "
        "one-paragraph pitch — and ask whether it solves their problem.",
        "Book a 30-minute call with a customer this week and walk them through the top of "
        "the backlog; drop or reshape what they do not recognise as their problem.",
        "Support and finance are customers too: ask them what the product must do for them "
        "(a report, an admin screen, a billing fix) and have them validate it before you start.",
        "Write the customer problem and the evidence for it at the top of the next ticket; "
        "if there is no evidence yet, get it from a customer before the work starts.",
    ),
    Circle.HOW: (
        "Demo the work in progress to a customer this week — unfinished is fine — and write "
        "down what they critique.",
        "Put the next feature behind a flag and open a beta to three customers; ask them "
        "what is wrong with it, not whether they like it.",
        "Invite a customer (or support, who speak for many) to review a design or prototype "
        "before it is built in full.",
        "Run a hallway test: watch one real user try the new screen for ten minutes without "
        "helping, and fix what trips them.",
    ),
    Circle.DELIVER: (
        "Ship one small slice to a real customer and ask them to confirm that it does the job "
        "— that acceptance is the goal.",
        "Agree acceptance criteria with a customer before the next release, then walk through "
        "them together when it ships.",
        "Pick the oldest finished-but-unreleased item and get it in front of a customer this "
        "week, even behind a flag.",
        "Ask support or finance to accept the next release for their part (help texts, billing, "
        "reports): internal customers sign off too.",
    ),
}

CENTER_NUDGES: tuple[str, ...] = (
    "Keep it: name in the channel which customer conversation made the difference this round.",
    "Keep it: write down what worked this round — who validated, who critiqued, who accepted — "
    "so the next round repeats it on purpose.",
    "Keep it: invite a team that is not yet in the center to sit in on your next customer demo.",
)

OUTSIDE_NUDGES: tuple[str, ...] = (
    "Start with one customer conversation this week: ask what they struggle with, and listen.",
    "Pick one customer (support and finance count) and send them what you shipped last — ask "
    "one question about it.",
    "Invite a customer to your next review or demo; one voice changes the conversation.",
)

NOT_ENOUGH_NUDGES: tuple[str, ...] = (
    "Too few answers to place the team: remind the team that the pulse takes 30 seconds and "
    "that only aggregates are ever shown.",
    "Ask the team in the channel to answer this round's pulse — a region needs enough "
    "respondents to be trustworthy.",
    "If the team is smaller than the minimum, lower it with the team's settings.",
)


def nudges_for(region: Region | None, *, rotation: int, count: int = 2) -> list[Nudge]:
    """Return ``count`` distinct nudges toward the center for a team in ``region``.

    Args:
        region: where the team is, ``None`` for "not enough answers".
        rotation: changes every round (e.g. the round number) so wording rotates.
        count: how many nudges to return.
    """
    if count <= 0:
        return []
    if region is None:
        return _pick(NOT_ENOUGH_NUDGES, rotation, count, None)
    if region is Region.CENTER:
        return _pick(CENTER_NUDGES, rotation, count, None)

    missing = [c for c in CIRCLES if c not in region.circles]
    picked: list[Nudge] = []
    if region is Region.OUTSIDE:
        picked.extend(_pick(OUTSIDE_NUDGES, rotation, 1, None))
    # Round-robin over the missing circles, starting at a different circle and a different
    # wording every round, so consecutive rounds never open with the same sentence.
    limit = sum(len(MISSING_CIRCLE_NUDGES[c]) for c in missing)
    i = 0
    while len(picked) < count and i < limit:
        circle = missing[(rotation + i) % len(missing)]
        options = MISSING_CIRCLE_NUDGES[circle]
        picked.append(Nudge(options[(rotation + i // len(missing)) % len(options)], circle))
        i += 1
    return picked


def _pick(
    options: tuple[str, ...], rotation: int, count: int, circle: Circle | None
) -> list[Nudge]:
    n = min(count, len(options))
    return [Nudge(options[(rotation + i) % len(options)], circle) for i in range(n)]
