"""The three circles of Software Delivery Operations and the answers members give."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Circle(StrEnum):
    """A competency circle, in the order the pulse asks about them."""

    WHAT = "W"
    HOW = "H"
    DELIVER = "D"

    @property
    def info(self) -> CircleInfo:
        return CIRCLE_INFO[self]


@dataclass(frozen=True, slots=True)
class CircleInfo:
    """What a circle stands for, and the pulse question that measures it."""

    short: str
    competency: str
    customer_part: str
    question: str

    @property
    def label(self) -> str:
        """The label drawn on the diagram, e.g. "What to build — customers validate ideas"."""
        return f"{self.short} — customers {self.customer_part}"


CIRCLE_INFO: dict[Circle, CircleInfo] = {
    Circle.WHAT: CircleInfo(
        short="What to build",
        competency="knowing what to build (research, product, marketing, sales, support, finance)",
        customer_part="validate ideas",
        question="Since the last pulse, did a customer validate an idea we are working on?",
    ),
    Circle.HOW: CircleInfo(
        short="How to build",
        competency="knowing how to build it (engineering, design)",
        customer_part="critique",
        question=(
            "Since the last pulse, did a customer critique something we built (demo, beta, review)?"
        ),
    ),
    Circle.DELIVER: CircleInfo(
        short="How to deliver",
        competency="knowing how to deliver it (delivery, operations)",
        customer_part="accept",
        question="Since the last pulse, did a customer accept something we delivered?",
    ),
}

CIRCLES: tuple[Circle, ...] = (Circle.WHAT, Circle.HOW, Circle.DELIVER)


class AnswerValue(StrEnum):
    """A member's answer to one question. ``NOT_SURE`` also means "not applicable"."""

    YES = "yes"
    PARTLY = "partly"
    NO = "no"
    NOT_SURE = "not_sure"

    @property
    def label(self) -> str:
        return _ANSWER_LABELS[self]

    @property
    def points(self) -> float | None:
        """Points toward the circle score; ``None`` means excluded from the score."""
        return _ANSWER_POINTS[self]


_ANSWER_LABELS: dict[AnswerValue, str] = {
    AnswerValue.YES: "Yes",
    AnswerValue.PARTLY: "Partly",
    AnswerValue.NO: "No",
    AnswerValue.NOT_SURE: "Not sure",
}

_ANSWER_POINTS: dict[AnswerValue, float | None] = {
    AnswerValue.YES: 1.0,
    AnswerValue.PARTLY: 0.5,
    AnswerValue.NO: 0.0,
    AnswerValue.NOT_SURE: None,
}

ANSWER_VALUES: tuple[AnswerValue, ...] = (
    AnswerValue.YES,
    AnswerValue.PARTLY,
    AnswerValue.NO,
    AnswerValue.NOT_SURE,
)
