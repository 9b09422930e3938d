"""Catalog search on its index (FTS5 / tsvector): ranked, prefix matching, kept by edits and deletes, any input safe."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from federation.migrations import upgrade
from federation.search import terms
from systems.catalog import create_app
from systems.catalog.products.models import Product
from systems.catalog.system import SYSTEM
from tests.catalog.conftest import add_product

HOSTILE = [
    '"',
    "'",
    'tea"',
    "AND",
    "OR NOT",
    "tea NEAR(pot)",
    "NEAR",
    "*",
    "^tea",
    "name:tea",
    "(tea",
    "tea)",
    "-tea",
    "t" * 1000,
    "tea " * 250,
    "Ünïcødé 茶",
    "🍵",
    "'; DROP TABLE products; --",
    "tea & pot | !x <-> y",
    "a:* & b",
    "%_\\",
]


def names(client, **query) -> list[str]:
    response = client.get("/api/products", query_string=query)
    assert response.status_code == 200, response.json
    return [item["name"] for item in response.json["items"]]


def test_search_ranks_name_and_sku_above_description_and_matches_prefixes(client, session_factory):
    add_product(session_factory, sku="MUG-1", name="Enamel mug", description="For tea and coffee")
    add_product(session_factory, sku="POT-1", name="Teapot", description="Cast iron")
    add_product(session_factory, sku="BAG-1", name="Tea bags", description="Black tea, a tea for every day")
    assert names(client, q="tea")[-1] == "Enamel mug" and set(names(client, q="tea")[:2]) == {"Teapot", "Tea bags"}
    assert names(client, q="teap") == ["Teapot"]
    assert names(client, q="tea cast") == ["Teapot"]  # every word, the last as a prefix
    assert names(client, q="mug-1") == ["Enamel mug"]
    assert names(client, q="tea", sort="name") == ["Enamel mug", "Tea bags", "Teapot"]


def test_the_index_follows_edits_and_deletes(client, admin, session_factory):
    product = add_product(session_factory, sku="MUG-1", name="Enamel mug")
    response = client.patch(f"/api/products/{product.id}", json={"name": "Steel cup"}, headers=admin)
    assert response.status_code == 200
    assert names(client, q="enamel") == [] and names(client, q="steel") == ["Steel cup"]
    with session_factory() as session:
        session.delete(session.get(Product, product.id))
        session.commit()
    assert names(client, q="steel") == []


def test_many_products_each_have_their_own_index_key(client, session_factory):
    for number in range(300):  # the lost attempt's UUID-derived FTS keys collided; the key table cannot
        add_product(session_factory, sku=f"BOWL-{number:03d}", name=f"Bowl {number:03d}")
    assert names(client, q="bowl", limit=100)[:1] and len(names(client, q="bowl", limit=1000)) == 100
    assert names(client, q="bowl-299") == ["Bowl 299"]


@pytest.mark.parametrize("q", HOSTILE)
def test_any_search_text_gives_results_or_an_empty_page(client, session_factory, q):
    add_product(session_factory, sku="POT-1", name="Teapot")
    assert isinstance(names(client, q=q), list)
    assert client.get("/", query_string={"q": q}).status_code == 200
    assert names(client) == ["Teapot"]


def test_terms_are_words_only_lowercased_and_bounded():
    assert terms('"Tea" AND pot* NEAR(x) ^y name:z') == ["tea", "and", "pot", "near", "x", "y", "name", "z"][:8]
    assert terms("") == [] and terms('"*^:()') == [] and terms("Ünï 茶") == ["ünï", "茶"]
    assert len(terms("w " * 500)) == 8 and max(len(word) for word in terms("x" * 1000)) == 40


def test_the_migration_indexes_products_that_were_there_before_it(data_dir, database_url, amqp_url):
    app = create_app(
        {"SCS_DATA_DIR": str(data_dir), "SCS_CATALOG_DATABASE_URL": database_url, "SCS_AMQP_URL": amqp_url}
    )
    runtime = app.extensions["scs"]
    upgrade(SYSTEM, runtime.settings, revision="3d09793348da", engine=runtime.engine)
    with runtime.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO products (id, sku, name, description, price_cents, currency, stock, discontinued, "
                "version, created_at, updated_at) VALUES "
                "(:id, 'OLD-1', 'Old lantern', '', 100, 'EUR', 1, false, 1, :now, :now)"
            ),
            {
                "id": "0" * 31 + "1" if database_url.startswith("sqlite") else "00000000-0000-0000-0000-000000000001",
                "now": "2026-01-01 00:00:00",
            },
        )
    upgrade(SYSTEM, runtime.settings, engine=runtime.engine)
    assert names(app.test_client(), q="lant") == ["Old lantern"]
    runtime.engine.dispose()
