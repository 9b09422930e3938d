"""A consumer's producer check: enforced where every system has its own broker user, off (and saying so) otherwise."""

from __future__ import annotations

import pytest

from federation.provenance import ProducerCheck, broker_user, publishing_user
from federation.topology import Names
from tests.federation.harness import product_event

NS = "shop"
NAMES = Names(NS)
EVENT = product_event(1)  # catalog.product.updated, published by catalog


@pytest.mark.parametrize(
    "url, user",
    [
        ("amqp://guest:guest@localhost:5672/", "guest"),
        ("amqp://shop.order:s3cret@rabbit:5672/", "shop.order"),
        ("amqp://we%40ird:pw@rabbit/", "we@ird"),
        ("amqps://order:pw@a:5671/,amqps://order:pw@b:5671/", "order"),
        ("amqps://rabbit:5671/?auth=external", None),
    ],
)
def test_the_publishing_user_is_the_user_the_url_names(url, user):
    assert publishing_user(url) == user


def test_broker_users_are_named_after_their_systems_in_the_namespace():
    assert broker_user("catalog") == "catalog" and broker_user("catalog", NS) == "shop.catalog"


def test_with_per_system_users_an_event_must_come_from_its_producers_user_through_its_exchange():
    check = ProducerCheck("order", NAMES, "amqp://shop.order:pw@rabbit/")
    assert check.enforced and "accepted only from their producer's broker user" in check.describe()
    assert check.refusal(EVENT, "shop.catalog.events", "shop.catalog") is None
    assert check.refusal(EVENT, "shop.catalog.events", "guest") == (
        "published by broker user 'guest', not by catalog's 'shop.catalog'"
    )
    assert check.refusal(EVENT, "shop.catalog.events", None) == (
        "published by broker user None, not by catalog's 'shop.catalog'"
    )
    assert check.refusal(EVENT, "shop.user.events", "shop.user") == (
        "catalog.product.updated arrived through 'shop.user.events', not 'shop.catalog.events'"
    )
    assert check.refusal(EVENT, "shop.order.requeue", None) is None  # a retry or a replay of this system's own


def test_with_one_user_for_everyone_nothing_is_checked_and_the_consumer_says_so():
    check = ProducerCheck("order", NAMES, "amqp://guest:guest@localhost/")
    assert not check.enforced
    assert "NOT checked for their producer (development only)" in check.describe()
    assert check.refusal(EVENT, "shop.catalog.events", "guest") is None
    assert check.refusal(EVENT, "shop.catalog.events", None) is None
