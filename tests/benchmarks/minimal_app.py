"""The web baseline: a minimal Flask + Jinja2 app rendering 50 product rows from the catalog's or the order's database.

Served by gunicorn like the systems: `gunicorn -w 2 'tests.benchmarks.minimal_app:create_app()'` with
BENCH_CATALOG_DATABASE_URL and BENCH_ORDER_DATABASE_URL set.
"""

from __future__ import annotations

import os

from flask import Flask, render_template_string
from sqlalchemy import create_engine, text

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Products</title></head>
<body><h1>Products</h1>
<table><thead><tr><th>Name</th><th>SKU</th><th>Price</th><th>Stock</th></tr></thead><tbody>
{% for row in rows %}<tr><td><a href="/products/{{ row.id }}">{{ row.name }}</a></td><td>{{ row.sku }}</td>
<td>{{ "%.2f"|format(row.price_cents / 100) }} {{ row.currency }}</td><td>{{ row.stock }}</td></tr>
{% endfor %}</tbody></table></body></html>"""

QUERIES = {
    "catalog": "SELECT id, name, sku, price_cents, currency, stock FROM products ORDER BY name LIMIT 50",
    "order": "SELECT id, name, sku, price_cents, currency, available AS stock FROM product_copy ORDER BY name LIMIT 50",
}


def create_app() -> Flask:
    """One page per database: /catalog and /order."""
    app = Flask(__name__)
    engines = {name: create_engine(os.environ[f"BENCH_{name.upper()}_DATABASE_URL"]) for name in QUERIES}

    @app.get("/<any(catalog, order):name>")
    def products(name: str):
        with engines[name].connect() as connection:
            rows = connection.execute(text(QUERIES[name])).all()
        return render_template_string(PAGE, rows=rows)

    return app
