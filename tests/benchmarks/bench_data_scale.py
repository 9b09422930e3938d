"""Benchmark 10: every list, search and detail page and API of the three systems at 1k, 10k and 100k products.

    python -m tests.benchmarks.bench_data_scale [--sizes 1000,10000,100000] [--orders 1000,10000,1000000]
        [--requests 20] [--databases sqlite,postgres] [--page TEXT ...]

`--page` (repeatable) measures only the pages whose name contains one of the texts, to iterate on a few.

Per database and size: fresh, migrated databases of the three systems, bulk-loaded straight into their tables
as a long life would leave them (PostgreSQL then analyzed, as autovacuum does after such growth): N catalog
products (a tenth with sales), the same N in order's product copy, N accounts, and M orders (one line each) in
order and in user's orders copy, a hundredth of them (and at least 50) of the customer the benchmark logs in as.
Each page is requested through the app's WSGI interface (no network), a few times to warm up, then `--requests`
times, the sizes in turn; the table shows the median and p95 in ms, the response size, and the median against
the same page at the smallest size, measured in the same run. Target: at the largest size every page costs at
most 1.5x its cost at the smallest and answers under 1 MB.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text

from federation.auth import sign_token
from federation.keys import current_signing_key
from federation.migrations import upgrade
from systems.catalog.products.generator import generated_products
from systems.catalog.products.models import Product
from systems.catalog.sales.models import ProductSales
from systems.order.orders.models import Order, OrderLine
from systems.order.products_copy.models import ProductCopy
from systems.user.accounts.models import User
from systems.user.orders_copy.models import OrderCopy
from tests.benchmarks.report import percentile, print_table, save
from tests.benchmarks.stack import DATABASES, postgres_database
from tests.conftest import account_known

TARGET_RATIO = 1.5
TARGET_BYTES = 1_000_000
CHUNK = 5000
WARM_UP = 3


def build_app(system: str, data_dir: Path, url: str):
    """A migrated app of `system` on `url`."""
    module = __import__(f"systems.{system}", fromlist=["create_app"])
    system_module = __import__(f"systems.{system}.system", fromlist=["SYSTEM"])
    app = module.create_app(
        {
            "SCS_DATA_DIR": str(data_dir),
            f"SCS_{system.upper()}_DATABASE_URL": url,
            "SCS_NAMESPACE": f"bench-{uuid.uuid4().hex[:8]}",
            "TESTING": True,
        }
    )
    runtime = app.extensions["scs"]
    upgrade(system_module.SYSTEM, runtime.settings, engine=runtime.engine)
    return app


def bulk(app, model, rows: Iterator[dict]) -> None:
    """Insert `rows` into `model`'s table in chunks, in one transaction per chunk."""
    factory = app.extensions["scs"].session_factory
    chunk: list[dict] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            _flush(factory, model, chunk)
            chunk = []
    if chunk:
        _flush(factory, model, chunk)


def _flush(factory, model, chunk: list[dict]) -> None:
    with factory() as session, session.begin():
        session.execute(insert(model), chunk)


def load(apps: dict, products: int, orders: int, me: uuid.UUID) -> dict:
    """Fill the three systems; returns ids the pages need."""
    started = time.monotonic()
    now = datetime.now(UTC)
    rng = random.Random(products)
    ids = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(products)]
    generated = list(generated_products(0, products))
    bulk(
        apps["catalog"],
        Product,
        (
            {
                "id": ids[n],
                "sku": item.sku,
                "name": item.name,
                "description": item.description,
                "price_cents": item.price_cents,
                "currency": "EUR",
                "stock": item.stock,
                "discontinued": n % 50 == 49,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            for n, item in enumerate(generated)
        ),
    )
    bulk(apps["catalog"], ProductSales, ({"product_id": ids[n], "units_sold": n % 97} for n in range(0, products, 10)))
    bulk(
        apps["order"],
        ProductCopy,
        (
            {
                "id": ids[n],
                "sku": item.sku,
                "name": item.name,
                "description": item.description,
                "price_cents": item.price_cents,
                "currency": "EUR",
                "available": item.stock,
                "discontinued": n % 50 == 49,
                "aggregate_version": 1,
                "updated_at": now,
            }
            for n, item in enumerate(generated)
        ),
    )
    accounts = [me, *(uuid.UUID(int=rng.getrandbits(128)) for _ in range(products - 1))]
    bulk(
        apps["user"],
        User,
        (
            {
                "id": account,
                "email": f"user{n}@example.org",
                "display_name": f"User {n}",
                "password_hash": "x",
                "is_admin": n == 0,
                "created_at": now - timedelta(seconds=products - n),
                "version": 1,
            }
            for n, account in enumerate(accounts)
        ),
    )
    order_ids = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(orders)]
    owner = [me if n % 100 == 0 or n < 50 else accounts[n % len(accounts)] for n in range(orders)]
    placed = [now - timedelta(minutes=orders - n) for n in range(orders)]
    bulk(
        apps["order"],
        Order,
        (
            {
                "id": order_ids[n],
                "customer_id": owner[n],
                "status": "confirmed",
                "total_cents": 1250,
                "currency": "EUR",
                "placed_at": placed[n],
                "version": 2,
            }
            for n in range(orders)
        ),
    )
    bulk(
        apps["order"],
        OrderLine,
        (
            {
                "order_id": order_ids[n],
                "position": 0,
                "product_id": ids[n % products],
                "name": generated[n % products].name,
                "quantity": 1,
                "unit_price_cents": 1250,
            }
            for n in range(orders)
        ),
    )
    bulk(
        apps["user"],
        OrderCopy,
        (
            {
                "id": order_ids[n],
                "customer_id": owner[n],
                "status": "confirmed",
                "total_cents": 1250,
                "currency": "EUR",
                "placed_at": placed[n],
                "aggregate_version": 2,
            }
            for n in range(orders)
        ),
    )
    for app in apps.values():  # PostgreSQL's autovacuum analyzes a table after such growth; a long life has stats
        engine = app.extensions["scs"].engine
        if engine.dialect.name == "postgresql":
            with engine.connect() as connection:
                connection.execute(text("ANALYZE"))
                connection.commit()
    account_known(apps["order"], me)
    mine = next(order_ids[n] for n in range(orders) if owner[n] == me)
    print(f"  loaded {products:,} products and {orders:,} orders in {time.monotonic() - started:.0f} s", flush=True)
    return {"product": ids[products // 2], "order": mine, "sku": generated[products // 2].sku}


def pages(ids: dict) -> dict[str, tuple[str, str]]:
    """Name -> (system, path) of every page and API measured."""
    return {
        "catalog /": ("catalog", "/"),
        "catalog /?q=mug": ("catalog", "/?q=mug"),
        "catalog /?q=<sku>": ("catalog", f"/?q={ids['sku']}"),
        "catalog /?sort=bestsellers": ("catalog", "/?sort=bestsellers"),
        "catalog /api/products": ("catalog", "/api/products"),
        "catalog /api/products?q=stoneware mug": ("catalog", "/api/products?q=stoneware%20mug"),
        "catalog /api/products next page": ("catalog", "/api/products?cursor={catalog_next}"),
        "catalog /products/ID": ("catalog", f"/products/{ids['product']}"),
        "catalog /api/products/ID": ("catalog", f"/api/products/{ids['product']}"),
        "order /": ("order", "/"),
        "order /?q=mug": ("order", "/?q=mug"),
        "order /api/products": ("order", "/api/products"),
        "order /api/products?q=oak": ("order", "/api/products?q=oak"),
        "order /api/products next page": ("order", "/api/products?cursor={order_next}"),
        "order /products/ID": ("order", f"/products/{ids['product']}"),
        "order /orders": ("order", "/orders"),
        "order /api/orders": ("order", "/api/orders"),
        "order /api/orders next page": ("order", "/api/orders?cursor={orders_next}"),
        "order /orders/ID": ("order", f"/orders/{ids['order']}"),
        "order /api/orders/ID": ("order", f"/api/orders/{ids['order']}"),
        "user /admin/users": ("user", "/admin/users"),
        "user /admin/users next page": ("user", "/admin/users?cursor={users_next}"),
        "user / (profile, my orders)": ("user", "/"),
        "user /api/users/me/orders": ("user", "/api/users/me/orders"),
    }


def timed_get(client, path: str) -> tuple[float, int]:
    """One GET of `path`: (ms, bytes); fails on anything but 200."""
    started = time.perf_counter()
    response = client.get(path)
    body = response.get_data()
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}: {body[:300]!r}")
    return elapsed, len(body)


def next_cursor(client, path: str) -> str:
    """The `next` cursor of a JSON list's first page."""
    return client.get(path).json["next"]


def next_link_cursor(client, path: str) -> str:
    """The cursor in an HTML page's next link."""
    import html
    import re

    found = re.search(r'href="[^"]*cursor=([^"&]+)[^"]*" rel="next"', client.get(path).get_data(as_text=True))
    assert found, f"{path} has no next link"
    return html.unescape(found.group(1))


@contextmanager
def databases(kind: str) -> Iterator[dict[str, str]]:
    """A fresh database URL per system."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="bench-scale-db-") as folder:
            yield {system: f"sqlite:///{folder}/{system}.db" for system in ("catalog", "order", "user")}
        return
    with postgres_database() as catalog, postgres_database() as order, postgres_database() as user:
        yield {"catalog": catalog, "order": order, "user": user}


@contextmanager
def prepared(kind: str, products: int, orders: int) -> Iterator[dict[str, tuple[object, str]]]:
    """The three systems loaded at one size: page name -> (test client, path), while the context lasts."""
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as folder, databases(kind) as urls:
        data_dir = Path(folder)
        apps = {system: build_app(system, data_dir, url) for system, url in urls.items()}
        me = uuid.uuid4()
        ids = load(apps, products, orders, me)
        token = sign_token(
            current_signing_key(data_dir / "keys"),
            user_id=me,
            display_name="User 0",
            roles=["admin", "customer"],
            issuer="scs-user",
            audience="scs",
            ttl=timedelta(hours=6),
        )
        clients = {}
        for system, app in apps.items():
            clients[system] = app.test_client()
            clients[system].set_cookie("scs_token", token)
        cursors = {
            "{catalog_next}": next_cursor(clients["catalog"], "/api/products"),
            "{order_next}": next_cursor(clients["order"], "/api/products"),
            "{orders_next}": next_cursor(clients["order"], "/api/orders"),
            "{users_next}": next_link_cursor(clients["user"], "/admin/users"),
        }
        targets = {}
        for name, (system, path) in pages(ids).items():
            for marker, cursor in cursors.items():
                path = path.replace(marker, cursor)
            targets[name] = (clients[system], path)
        try:
            yield targets
        finally:
            for app in apps.values():
                app.extensions["scs"].engine.dispose()


def run_kind(
    kind: str, sizes: list[int], order_sizes: list[int], requests: int, only: list[str]
) -> dict[int, dict[str, dict]]:
    """Every page (or those named in `only`) at every size on one database kind, the sizes measured in turn."""
    with ExitStack() as stack:
        loaded = {
            products: stack.enter_context(prepared(kind, products, orders))
            for products, orders in zip(sizes, order_sizes, strict=True)
        }
        results: dict[int, dict[str, dict]] = {size: {} for size in sizes}
        for name in loaded[sizes[0]]:
            if only and not any(text in name for text in only):
                continue
            times: dict[int, list[float]] = {size: [] for size in sizes}
            for attempt in range(WARM_UP + requests):
                for size in sizes:
                    client, path = loaded[size][name]
                    elapsed, size_bytes = timed_get(client, path)
                    if attempt >= WARM_UP:
                        times[size].append(elapsed)
                        results[size][name] = {"bytes": size_bytes}
            for size in sizes:
                results[size][name].update(
                    median_ms=statistics.median(times[size]), p95_ms=percentile(times[size], 0.95)
                )
        return results


def main() -> None:
    """Run every size on every database, print the table, save JSON and the plot."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--orders", default="1000,10000,1000000")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--databases", default=",".join(DATABASES))
    parser.add_argument("--page", action="append", default=[], help="only pages whose name contains this")
    args = parser.parse_args()
    sizes = [int(value) for value in args.sizes.split(",")]
    order_sizes = [int(value) for value in args.orders.split(",")]
    if len(order_sizes) != len(sizes):
        parser.error("--orders needs one value per --sizes value")
    result: dict = {"sizes": sizes, "orders": order_sizes, "requests": args.requests, "databases": {}}
    failures: list[str] = []
    for kind in args.databases.split(","):
        print(f"\n{kind}:", flush=True)
        by_size = run_kind(kind, sizes, order_sizes, args.requests, args.page)
        result["databases"][kind] = by_size
        rows = []
        for name in by_size[sizes[0]]:
            base = by_size[sizes[0]][name]["median_ms"]
            top = by_size[sizes[-1]][name]
            ratio = top["median_ms"] / base
            ok = ratio <= TARGET_RATIO and top["bytes"] < TARGET_BYTES
            if not ok:
                failures.append(f"{kind} {name}")
            rows.append(
                [
                    name,
                    *(by_size[size][name]["median_ms"] for size in sizes),
                    top["p95_ms"],
                    f"{top['bytes'] / 1024:.0f} KiB",
                    f"{ratio:.2f}x",
                    "ok" if ok else "MISSED",
                ]
            )
        header = ["page", *(f"median ms @{size:,}" for size in sizes), f"p95 @{sizes[-1]:,}", "size", "ratio", ""]
        print_table(f"{kind}: median per request against {sizes[0]:,} products (orders {order_sizes})", header, rows)
    result["missed"] = failures
    print(f"\n{'every page met' if not failures else f'{len(failures)} page(s) missed'} the target", flush=True)

    def draw(axes) -> None:
        for kind, by_size in result["databases"].items():
            for name in by_size[sizes[0]]:
                axes.plot(
                    sizes,
                    [by_size[size][name]["median_ms"] for size in sizes],
                    alpha=0.5,
                    linestyle="-" if kind == "sqlite" else "--",
                )
        axes.set_xscale("log")
        axes.set_yscale("log")
        axes.set_xlabel("products (orders scale alongside)")
        axes.set_ylabel("median ms per request")
        axes.set_title("Every page and API: cost by table size (solid SQLite, dashed PostgreSQL)")

    save(f"bench_data_scale_{'_'.join(result['databases'])}", result, draw)


if __name__ == "__main__":
    main()
