"""Replica rows only move forward: an older aggregate_version never overwrites a newer one."""

from __future__ import annotations

from sqlalchemy import select

from federation.db import make_engine, make_session_factory
from federation.replica import upsert_if_newer
from tests.federation.sample_system import ProductCopy, SampleBase


def test_upsert_applies_only_newer_versions(database_url):
    engine = make_engine(database_url)
    SampleBase.metadata.create_all(engine)
    factory = make_session_factory(engine)

    def upsert(version: int, name: str | None, discontinued: bool = False) -> bool:
        with factory() as session:
            row = {"id": "p1", "name": name, "aggregate_version": version, "discontinued": discontinued}
            changed = upsert_if_newer(session, ProductCopy, row)
            session.commit()
            return changed

    assert upsert(1, "first") is True
    assert upsert(1, "first again") is False
    assert upsert(3, "third") is True
    assert upsert(2, "second, late") is False
    assert upsert(4, None, discontinued=True) is True  # a tombstone is just the newest state
    with factory() as session:
        copy = session.scalars(select(ProductCopy)).one()
        assert (copy.aggregate_version, copy.name, copy.discontinued) == (4, None, True)
    engine.dispose()
