"""Keyset pages for every list: a clamped `limit`, an opaque signed `cursor`, and next/previous links.

A page is read after (or before) the sort key of the last (first) row shown, on an indexed sort key, so its cost
follows the page and not the table (no OFFSET, no COUNT). The cursor is the signed JSON of the list's name, the
direction and that key, base64url-encoded: a tampered cursor, or one from another list, is a 400 naming `cursor`.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from flask import current_app, request, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import QueryableAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from federation.errors import ApiError

T = TypeVar("T")

MAX_CURSOR_LENGTH = 2000
SALT = "scs.page-cursor"


@dataclass(frozen=True)
class SortKey:
    """One column of a list's order: the expression, ascending or not, and how a cursor's value becomes its type."""

    column: ColumnElement[Any] | QueryableAttribute[Any]
    descending: bool = False
    kind: type = str


@dataclass(frozen=True)
class PageRequest:
    """What a client asked for: how many rows, and after (or before) which sort key."""

    limit: int
    key: list[Any] | None = None
    backwards: bool = False


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list with the cursors of the pages beside it (None at either end)."""

    items: list[T]
    next: str | None
    previous: str | None


def list_of(name: str, *variant: object) -> str:
    """A list's name for its cursors: `name` plus a short digest of what varies it (search words, order, filters)."""
    digest = hashlib.sha256("\x1f".join(map(str, variant)).encode()).hexdigest()[:16]
    return f"{name}:{digest}" if variant else name


def page_request(list_name: str, keys: Sequence[SortKey], *, default: int = 20, cap: int = 100) -> PageRequest:
    """Read `limit` (clamped to [1, cap]; not a number is a 400) and `cursor` (checked) from the request's query."""
    raw = request.args.get("limit", "").strip()
    if raw:
        try:
            limit = int(raw)
        except ValueError:
            raise ApiError(400, f"limit must be a whole number from 1 to {cap}.", details={"limit": raw[:40]}) from None
    else:
        limit = default
    limit = min(max(limit, 1), cap)
    cursor = request.args.get("cursor", "")
    if not cursor:
        return PageRequest(limit)
    direction, key = decode_cursor(list_name, cursor, keys)
    return PageRequest(limit, key, backwards=direction == "previous")


def keyset_page(
    session: Session,
    query: Select[*tuple[Any, ...]],
    list_name: str,
    keys: Sequence[SortKey],
    asked: PageRequest,
    key_of: Callable[[Any], Sequence[Any]],
    *,
    scalars: bool = True,
) -> Page[Any]:
    """Run `query` ordered by `keys` for one page after (or before) the asked key; `key_of` gives a row's key."""
    if asked.key is not None:
        query = query.where(_after(keys, asked.key, backwards=asked.backwards))
    order = [key.column.asc() if key.descending == asked.backwards else key.column.desc() for key in keys]
    statement = query.order_by(*order).limit(asked.limit + 1)
    found = list(session.scalars(statement) if scalars else session.execute(statement))
    more = len(found) > asked.limit
    rows = found[: asked.limit]
    if asked.backwards:
        rows.reverse()
    if not rows:
        return Page(items=[], next=None, previous=None)
    has_next = asked.backwards or more
    has_previous = (not asked.backwards and asked.key is not None) or (asked.backwards and more)
    return Page(
        items=rows,
        next=encode_cursor(list_name, "next", key_of(rows[-1])) if has_next else None,
        previous=encode_cursor(list_name, "previous", key_of(rows[0])) if has_previous else None,
    )


def encode_cursor(list_name: str, direction: str, key: Sequence[Any]) -> str:
    """The opaque cursor: the list's name, the direction and the key, signed with the app's secret."""
    return _serializer().dumps({"list": list_name, "dir": direction, "key": [_plain(value) for value in key]})


def decode_cursor(list_name: str, cursor: str, keys: Sequence[SortKey]) -> tuple[str, list[Any]]:
    """(direction, key) of a cursor this list made; anything else is a 400 naming `cursor`."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise _bad_cursor("is too long")
    try:
        payload = _serializer().loads(cursor)
    except BadSignature:
        raise _bad_cursor("is not one this server made (copy the next/previous link as it is)") from None
    if not isinstance(payload, dict) or payload.get("list") != list_name:
        raise _bad_cursor("belongs to another list")
    values = payload.get("key")
    if payload.get("dir") not in ("next", "previous") or not isinstance(values, list) or len(values) != len(keys):
        raise _bad_cursor("is malformed")
    try:
        return payload["dir"], [_typed(key.kind, value) for key, value in zip(keys, values, strict=True)]
    except (TypeError, ValueError):
        raise _bad_cursor("is malformed") from None


def page_url(cursor: str) -> str:
    """This page's URL with `cursor` replaced (the other query arguments kept): for next/previous links."""
    args: dict[str, Any] = {name: value for name, value in request.args.items() if name not in ("cursor", "page")}
    return url_for(request.endpoint or "", **{**(request.view_args or {}), **args, "cursor": cursor})


def _after(keys: Sequence[SortKey], values: Sequence[Any], *, backwards: bool) -> ColumnElement[bool]:
    """Rows strictly after `values` in the order of `keys` (before, going backwards), usable by an index."""
    key, value = keys[0], values[0]
    forward = key.descending == backwards
    column = key.column.__clause_element__() if isinstance(key.column, QueryableAttribute) else key.column
    beyond: ColumnElement[bool] = column > value if forward else column < value
    if len(keys) == 1:
        return beyond
    at_least: ColumnElement[bool] = column >= value if forward else column <= value
    return and_(at_least, or_(beyond, _after(keys[1:], values[1:], backwards=backwards)))


def _plain(value: Any) -> Any:
    """A key value as JSON can carry it."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _typed(kind: type, value: Any) -> Any:
    """A cursor's JSON value as the sort column's type (ValueError/TypeError when it is not one)."""
    if kind is uuid.UUID:
        return uuid.UUID(value)
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(value)
        return float(value)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise TypeError(value)
    return value


def _serializer() -> URLSafeSerializer:
    """Signs cursors with the app's secret key, so only this server's cursors are read back."""
    return URLSafeSerializer(current_app.secret_key or "", salt=SALT)


def _bad_cursor(why: str) -> ApiError:
    """The 400 every unreadable cursor gets."""
    return ApiError(400, f"The cursor {why}.", details={"cursor": f"The cursor {why}; start again without it."})


class PageQuery(BaseModel):
    """The query arguments of every paged JSON list (documented in OpenAPI; read by `page_request`)."""

    model_config = ConfigDict(extra="ignore")

    limit: int = Field(default=20, description="Rows per page; clamped to the list's cap (100), at least 1.")
    cursor: str = Field(default="", description="The `next` (or `previous`) value of the page before; omit it first.")
