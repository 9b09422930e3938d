"""Benchmark 3: rebuilding an empty order replica of N catalog products (republisher → relay → order consumer); cost per 1k.

    python -m tests.benchmarks.bench_resync [--sizes 1000,10000,100000] [--database sqlite]

Each size gets fresh databases: the catalog holds N products, the order worker runs with an empty copy, and the
clock runs from `resync()` (what `scs resync order --from catalog` calls) until the copy holds all N.
"""

from __future__ import annotations

import argparse
import time
from itertools import pairwise

from federation.resync import resync
from federation.settings import Settings
from systems.catalog.system import SYSTEM as CATALOG
from systems.order.system import SYSTEM as ORDER
from tests.benchmarks.report import print_table, save
from tests.benchmarks.stack import (
    create_products,
    replica_count,
    running_federation,
    sessions,
    wait_until,
)

TARGET = 1.3


def measure(database: str, size: int) -> dict:
    """Seconds to rebuild a copy of `size` products, and how long the re-publication itself took."""
    with running_federation(database) as federation:
        catalog_engine, catalog = sessions(federation, "catalog")
        order_engine, order = sessions(federation, "order", writes=False)
        try:
            create_products(catalog, size, announce=False)
            federation.start("order-worker")
            started = time.time()
            resync(ORDER, CATALOG, Settings.from_env("catalog", federation.env))
            relayed = time.time()
            finished = wait_until(
                lambda: replica_count(order) == size, 3600, f"{size} products in the copy", interval=0.2
            )
        finally:
            catalog_engine.dispose()
            order_engine.dispose()
    seconds = finished - started
    return {
        "database": database,
        "products": size,
        "seconds": seconds,
        "republish_and_relay_seconds": relayed - started,
        "seconds_per_1k": seconds / size * 1000,
    }


def main() -> None:
    """Measure each size, print the table, keep JSON and PNG."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--database", default="sqlite", choices=("sqlite", "postgres"))
    args = parser.parse_args()
    runs = [measure(args.database, int(size)) for size in args.sizes.split(",")]
    for previous, run in pairwise(runs):
        run["per_item_vs_previous"] = run["seconds_per_1k"] / previous["seconds_per_1k"]
    print_table(
        f"Resync of an empty order copy from the catalog, {args.database} "
        f"(target: per-item cost of each size ≤ {TARGET}× the previous)",
        ("products", "seconds", "republish+relay s", "s per 1k", "vs previous size"),
        [
            (
                r["products"],
                r["seconds"],
                r["republish_and_relay_seconds"],
                r["seconds_per_1k"],
                f"{r['per_item_vs_previous']:.2f}×" if "per_item_vs_previous" in r else "",
            )
            for r in runs
        ],
    )

    def draw(axes) -> None:
        axes.plot([r["products"] for r in runs], [r["seconds_per_1k"] for r in runs], "o-")
        axes.set_xscale("log")
        axes.set_ylim(bottom=0)
        axes.set_xlabel("products in the copy (log)")
        axes.set_ylabel("seconds per 1k products")
        axes.set_title(f"Resync cost per 1k products ({args.database}; flat = linear)")

    save(f"resync_{args.database}", {"target_per_item_ratio": TARGET, "runs": runs}, draw)


if __name__ == "__main__":
    main()
