"""A team's own wording of the three pulse questions (issue 14, item 4). Pure.

The circle a question measures, its order (W, H, D) and its answers (Yes / Partly / No /
Not sure) are fixed; only the sentence a member reads may change. A circle a team has not
reworded keeps the default (``bot.domain.circles``, ``Circle.info.question``). Region names
and nudges never change.

A wording is plain text: whitespace runs (newlines too) become one space, and it is
``QUESTION_MIN_CHARS``–``QUESTION_MAX_CHARS`` characters long. Every platform shows it escaped,
so ``<!channel>``, ``<@U1>`` or a link are shown as typed, never as a mention or a link.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.domain.circles import CIRCLES, Circle

QUESTION_MIN_CHARS = 3
QUESTION_MAX_CHARS = 200
_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class Wording:
    """The questions a team's members read: its own sentences, by circle, else the defaults.

    ``custom`` holds only the reworded circles, in circle order.
    """

    custom: tuple[tuple[Circle, str], ...] = ()

    @classmethod
    def of(cls, texts: Mapping[Circle, str]) -> Wording:
        """A wording from a team's stored sentences (circles it did not reword: default)."""
        return cls(tuple((c, texts[c]) for c in CIRCLES if texts.get(c)))

    def question(self, circle: Circle) -> str:
        """The sentence members read for ``circle``."""
        return next((text for c, text in self.custom if c is circle), circle.info.question)

    def is_default(self, circle: Circle) -> bool:
        return all(c is not circle for c, _ in self.custom)


DEFAULT_WORDING = Wording()


def normalise(text: str) -> str:
    """A typed wording as it is stored: control characters dropped, whitespace runs one space."""
    return _SPACES.sub(" ", _CONTROL.sub(" ", text)).strip()


def wording_problem(text: str) -> str | None:
    """Why a (normalised, non-empty) wording cannot be stored, in the form's words (None: it
    can)."""
    if len(text) < QUESTION_MIN_CHARS:
        return f"Use at least {QUESTION_MIN_CHARS} characters (or leave it empty for the default)."
    if len(text) > QUESTION_MAX_CHARS:
        return f"Use at most {QUESTION_MAX_CHARS} characters: this one has {len(text)}."
    return None
