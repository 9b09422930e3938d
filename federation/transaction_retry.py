"""A request run again when PostgreSQL aborted its transaction to break a deadlock or a serialization conflict.

Workers applying batches that lock the same rows in different orders can deadlock; PostgreSQL then aborts the
waiter whose check comes first, often a web request merely queued on one of those rows. That abort says nothing
about the request, so it runs again on a fresh session (what PostgreSQL's documentation advises for SQLSTATE
40P01 and 40001), a few times before it becomes an error. None of its database writes were committed, so none is doubled.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar, cast

from sqlalchemy.exc import OperationalError

log = logging.getLogger(__name__)
View = TypeVar("View", bound=Callable[..., Any])

ATTEMPTS = 3
#: deadlock_detected, serialization_failure
ABORTED_TO_RESOLVE_A_CONFLICT = frozenset({"40P01", "40001"})


def retrying_aborted_transactions(view: View, discard_session: Callable[[], None]) -> View:
    """`view`, run up to ATTEMPTS times while its transaction is aborted to resolve a conflict; a new session each time."""

    @functools.wraps(view)
    def retrying(*args: Any, **kwargs: Any) -> Any:
        for _ in range(ATTEMPTS - 1):
            try:
                return view(*args, **kwargs)
            except OperationalError as error:
                if getattr(error.orig, "sqlstate", None) not in ABORTED_TO_RESOLVE_A_CONFLICT:
                    raise
                log.warning("%s: transaction aborted (%s), running it again", view.__name__, type(error.orig).__name__)
                discard_session()
        return view(*args, **kwargs)

    return cast(View, retrying)
