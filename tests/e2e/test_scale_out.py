"""Two worker processes of one system compete on its queue: every event applies once and no copy goes backwards."""

from __future__ import annotations

import random
import uuid

from sqlalchemy import func, select

from federation.db import make_engine, make_session_factory
from federation.runtime_models import InboxMessage
from shared_contracts import new_event
from shared_contracts.examples import example_data
from systems.order.products_copy.models import ProductCopy
from tests.conftest import wait_for
from tests.e2e.federation_processes import Federation
from tests.federation.harness import publish_event

PRODUCTS, VERSIONS = 20, 15


def test_two_order_workers_apply_each_event_once_and_never_regress_a_copy(tmp_path, namespace, amqp_url, postgres_url):
    federation = Federation(
        data_dir=tmp_path / "var", namespace=namespace, amqp_url=amqp_url, database_urls={"order": postgres_url}
    )
    federation.scs("db", "upgrade", "order")
    federation.start("order-worker")
    federation.start("order-worker", name="order-worker-2")
    try:
        events = []
        for _ in range(PRODUCTS):
            product_id = str(uuid.uuid4())
            for version in range(1, VERSIONS + 1):
                data = {**example_data("catalog.product.updated"), "id": product_id, "stock": version}
                events.append(
                    new_event("catalog.product.updated", data, aggregate_id=product_id, aggregate_version=version)
                )
        random.Random(7).shuffle(events)
        for event in events + events[:50]:  # and 50 duplicates
            publish_event(amqp_url, namespace, event)

        session_factory = make_session_factory(make_engine(postgres_url))

        def all_applied() -> bool:
            with session_factory() as session:
                return session.scalar(select(func.count()).select_from(InboxMessage)) == len(events)

        wait_for(all_applied, timeout=60, message="every event in the inbox")
        with session_factory() as session:
            copies = session.scalars(select(ProductCopy)).all()
        assert len(copies) == PRODUCTS
        assert {(copy.aggregate_version, copy.available) for copy in copies} == {(VERSIONS, VERSIONS)}
    finally:
        federation.stop("order-worker-2")
        federation.stop("order-worker")
    for worker in ("order-worker", "order-worker-2"):
        assert "applied catalog.product.updated" in federation.log(worker), f"{worker} took part"
