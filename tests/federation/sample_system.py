"""A tiny system used to test the runtime on its own: a product source table and a replica of catalog products."""

from __future__ import annotations

import os
import signal
import uuid
from pathlib import Path

from sqlalchemy import Boolean, Integer, String, update
from sqlalchemy import event as session_events
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from federation.consumer import EventRejected
from federation.replica import upsert_if_newer
from federation.systems import System
from shared_contracts import Envelope
from shared_contracts.catalog import ProductState


class SampleBase(DeclarativeBase):
    """Metadata of the sample system."""


class Gadget(SampleBase):
    """Source rows whose changes the tests record together with outbox events."""

    __tablename__ = "gadget"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    name: Mapped[str] = mapped_column(String(200))


class ProductCopy(SampleBase):
    """A replica of catalog products, as a consuming system would keep it."""

    __tablename__ = "product_copy"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    price_cents: Mapped[int | None] = mapped_column(Integer)
    discontinued: Mapped[bool] = mapped_column(Boolean, default=False)
    aggregate_version: Mapped[int] = mapped_column(Integer)
    handled_count: Mapped[int] = mapped_column(Integer, default=0)  # handler runs: what only the inbox bounds
    changed_count: Mapped[int] = mapped_column(Integer, default=0)  # runs that changed the copy: the version guard's


def on_product_changed(session: Session, event: Envelope) -> None:
    """Upsert the copy if newer; names trigger the failure paths the tests need."""
    data = event.data_as(ProductState)
    if data.name == "always-fails":
        raise RuntimeError("this handler always fails")
    if data.name == "fails-until-fixed" and not Path(os.environ.get("SAMPLE_FIXED_MARKER", "/nonexistent")).exists():
        raise RuntimeError("not fixed yet")
    if data.name == "reject-me":
        raise EventRejected("the sample system refuses products named reject-me")
    crash_marker = os.environ.get("SAMPLE_CRASH_MARKER")
    if crash_marker and not Path(crash_marker).exists():
        if data.name == "crash-once":  # before the commit: nothing of the event is stored
            _crash(crash_marker)
        if data.name == "crash-after-commit":  # after the commit, before the ack: the effect is stored
            session_events.listen(session, "after_commit", lambda _session: _crash(crash_marker))
    changed = upsert_if_newer(
        session,
        ProductCopy,
        {
            "id": str(data.id),
            "name": data.name,
            "price_cents": data.price_cents,
            "discontinued": data.discontinued,
            "aggregate_version": event.aggregate_version,
        },
    )
    session.execute(
        update(ProductCopy)
        .where(ProductCopy.id == str(data.id))
        .values(
            handled_count=ProductCopy.handled_count + 1,
            changed_count=ProductCopy.changed_count + (1 if changed else 0),
        )
    )


def _crash(marker: str) -> None:
    """Die at once, as a power cut would, leaving a marker so the restarted worker does not crash again."""
    Path(marker).write_text("crashed")
    os.kill(os.getpid(), signal.SIGKILL)


SAMPLE = System(
    name="sample",
    package_dir=Path(__file__).parent,
    metadata=SampleBase.metadata,
    routes=[],
    event_handlers={
        "catalog.product.created": (on_product_changed,),
        "catalog.product.updated": (on_product_changed,),
        "catalog.product.discontinued": (on_product_changed,),
    },
)
