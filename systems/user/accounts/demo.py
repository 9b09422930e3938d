"""Demo accounts (`scs demo-data`): an admin and three customers, registered like anyone else."""

from __future__ import annotations

import os
from collections.abc import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from federation.systems import DemoScale
from systems.user.accounts.models import User
from systems.user.accounts.services import register

DEMO_PASSWORD_VARIABLE = "SCS_DEMO_PASSWORD"
DEMO_PASSWORD = "demo-password-2026"
DEMO_ACCOUNTS = (
    ("admin@example.org", "Shop Admin", True),
    ("ada@example.org", "Ada Lovelace", False),
    ("grace@example.org", "Grace Hopper", False),
    ("alan@example.org", "Alan Turing", False),
)


def load_demo_accounts(session: Session, _scale: DemoScale) -> Iterator[tuple[int, int]]:
    """Register the demo accounts unless any account exists; all share SCS_DEMO_PASSWORD (default: DEMO_PASSWORD).

    Yields (added, planned) once, as `scs demo-data` loaders do.
    """
    if session.scalar(select(func.count(User.id))):
        return
    password = os.environ.get(DEMO_PASSWORD_VARIABLE, DEMO_PASSWORD)
    for email, display_name, admin in DEMO_ACCOUNTS:
        register(session, email=email, password=password, display_name=display_name, admin=admin)
    yield len(DEMO_ACCOUNTS), len(DEMO_ACCOUNTS)
