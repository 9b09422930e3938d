"""Where outsider input enters every system: strict JSON bodies, and no NUL in query strings or form fields.

A JSON body nests at most MAX_JSON_DEPTH levels, has finite numbers only (no NaN or Infinity, which JSON does not
have), no lone surrogates (not Unicode; they cannot even be encoded) and no NUL (PostgreSQL cannot store it). Each is
a 400 in the stable error shape before any view sees the body; the view's own checks of the fields come after.
"""

from __future__ import annotations

import json
import math
from typing import Any

from flask import request
from flask.json.provider import DefaultJSONProvider

from federation.errors import ApiError

MAX_JSON_DEPTH = 32
NESTED = f"The JSON body is nested too deeply (at most {MAX_JSON_DEPTH} levels)."
NUL = "Text cannot contain the NUL character (U+0000)."


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing on the way in what the systems could not store or should not have to handle."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Parse a request body; ApiError(400) for the cases above, ValueError (a view's "send JSON") for bad syntax."""
        try:
            value = json.loads(s, parse_constant=_no_constants, parse_float=_finite, **kwargs)
        except RecursionError:
            raise ApiError(400, NESTED) from None
        _check(value)
        return value


def refuse_nul_in_query_and_form() -> None:
    """Before every request: a NUL in the query string or a form field is a 400 (JSON under /api/, a page elsewhere)."""
    fields = [request.args]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        fields.append(request.form)
    for values in fields:
        for name, value in values.items(multi=True):
            if "\x00" in name or "\x00" in value:
                raise ApiError(400, NUL, details={name.replace("\x00", "?"): "Remove the NUL character."})


def _no_constants(name: str) -> float:
    """NaN, Infinity and -Infinity are JavaScript, not JSON."""
    raise ApiError(400, f"{name} is not a JSON number; send a finite number.")


def _finite(text: str) -> float:
    """A number too large for a float (1e999) would become Infinity: refused too."""
    number = float(text)
    if not math.isfinite(number):
        raise ApiError(400, f"{text[:40]} is out of range; send a finite number.")
    return number


def _check(value: Any) -> None:
    """Depth, lone surrogates and NUL, walked without recursion; details name the first offending field by its path."""
    stack: list[tuple[Any, str, int]] = [(value, "", 1)]
    while stack:
        node, path, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise ApiError(400, NESTED, details={path or "body": f"nested {depth} levels deep"})
        if isinstance(node, str):
            _check_text(node, path or "body")
        elif isinstance(node, dict):
            for key, item in node.items():
                _check_text(key, path or "body")
                stack.append((item, f"{path}.{key}" if path else key, depth + 1))
        elif isinstance(node, list):
            stack.extend(
                (item, f"{path}.{index}" if path else str(index), depth + 1) for index, item in enumerate(node)
            )


def _check_text(text: str, where: str) -> None:
    """No NUL, no lone surrogate (a valid pair arrives already combined by the parser)."""
    if "\x00" in text:
        raise ApiError(400, NUL, details={where: "Remove the NUL character (U+0000)."})
    if any("\ud800" <= char <= "\udfff" for char in text):
        raise ApiError(
            400,
            "The JSON body holds a lone surrogate (such as \\ud800), which is not Unicode text.",
            details={where: "Not valid Unicode text."},
        )
