"""Text typed by outsiders: refuse characters that are invisible, reorder what readers see, or cannot be stored.

One rule for every system's names and text fields (pydantic models and WTForms forms alike): no control characters
(NUL included, which PostgreSQL cannot store), no bidirectional overrides or isolates (U+202E and friends), no
zero-width or other invisible format characters, no line or paragraph separators; multi-line text keeps line breaks
and tabs. The zero-width joiners U+200C and U+200D stay allowed: Persian, Indic scripts and emoji sequences need them.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError
from wtforms.validators import ValidationError

JOINERS = frozenset("\u200c\u200d")
LINE_BREAKS = frozenset("\n\r\t")
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why `value` is no acceptable text (naming the first character refused and where it is), or None."""
    for position, char in enumerate(value, start=1):
        if char in JOINERS or (multiline and char in LINE_BREAKS):
            continue
        if unicodedata.category(char) in REFUSED_CATEGORIES:
            return f"Remove the invisible or control character {describe(char)} at position {position}."
    return None


def describe(char: str) -> str:
    """U+202E RIGHT-TO-LEFT OVERRIDE, or just U+0000 for characters without a name."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X} {name}" if name else f"U+{ord(char):04X}"


def _single_line(value: str) -> str:
    """Pydantic check of one-line text."""
    return _checked(value, multiline=False)


def _multiline(value: str) -> str:
    """Pydantic check of text that may span lines."""
    return _checked(value, multiline=True)


def _checked(value: str, *, multiline: bool) -> str:
    """The value, or a validation error with the problem as its message."""
    problem = text_problem(value, multiline=multiline)
    if problem:
        raise PydanticCustomError("text", problem)
    return value


#: A name or other one-line text field of a pydantic model.
SingleLineText = Annotated[str, AfterValidator(_single_line)]
#: A description or other multi-line text field of a pydantic model.
MultilineText = Annotated[str, AfterValidator(_multiline)]


class PlainText:
    """WTForms validator: the same rule for a form field, its message shown next to the field."""

    def __init__(self, *, multiline: bool = False) -> None:
        """One-line text by default."""
        self.multiline = multiline

    def __call__(self, _form: Any, field: Any) -> None:
        """Raise ValidationError naming the refused character."""
        problem = text_problem(field.data or "", multiline=self.multiline)
        if problem:
            raise ValidationError(problem)
