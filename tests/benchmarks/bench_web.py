"""Benchmark 4: requests/s and p99 of three pages under wrk, each against a minimal Flask + Jinja2 page on the same database.

    python -m tests.benchmarks.bench_web [--seconds 5] [--rounds 3] [--database sqlite]

Catalog and order web run as `scs web <system> --workers 2`, the baseline under gunicorn with 2 workers; the
catalog holds 50 products (its list page shows its first page of them), the order copy holds the same 50 and
one order of 3 lines. Needs `wrk` (Debian: apt-get install -y wrk). Rounds alternate baseline and page; medians are kept.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import uuid
from datetime import timedelta

import requests

from federation.auth import sign_token
from federation.keys import current_signing_key
from systems.order.orders.services import place
from tests.benchmarks.report import print_table, save
from tests.benchmarks.stack import (
    create_products,
    replica_count,
    running_federation,
    sessions,
    wait_until,
)
from tests.e2e.federation_processes import ROOT, free_port

TARGET = 0.6
CONNECTIONS = 4


def wrk(url: str, seconds: float, cookie: str | None = None) -> dict:
    """Requests/s and p99 (ms) of `url` under wrk with keep-alive connections on loopback."""
    argv = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", url]
    if cookie:
        argv[1:1] = ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in output:
        raise RuntimeError(f"{url} answered with errors:\n{output}")
    return {
        "rps": float(_figure(r"Requests/sec:\s+([\d.]+)", output)),
        "p99_ms": _ms(_figure(r"99%\s+([\d.]+\w+)", output)),
    }


def _figure(pattern: str, output: str) -> str:
    """The figure `pattern` captures in wrk's output; an error naming the output if wrk printed no such line."""
    match = re.search(pattern, output)
    if match is None:
        raise RuntimeError(f"no {pattern!r} in wrk's output:\n{output}")
    return match.group(1)


def _ms(value: str) -> float:
    """Wrk's '12.34ms' / '1.2s' / '900us' in milliseconds."""
    match = re.fullmatch(r"([\d.]+)(\w+)", value)
    if match is None:
        raise ValueError(f"not a wrk duration: {value!r}")
    number, unit = match.groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def start_baseline(urls: dict[str, str], port: int) -> subprocess.Popen:
    """The minimal app under gunicorn with 2 workers."""
    env = {**os.environ, "BENCH_CATALOG_DATABASE_URL": urls["catalog"], "BENCH_ORDER_DATABASE_URL": urls["order"]}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "tests.benchmarks.minimal_app:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_until(lambda: _answers(f"http://127.0.0.1:{port}/catalog"), 30, "the baseline app")
    return process


def _answers(url: str) -> bool:
    """Whether `url` answers 200."""
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.RequestException:
        return False


def main() -> None:
    """Set up the data, serve, measure in alternating rounds, print the table, keep JSON and PNG."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database", default="sqlite", choices=("sqlite", "postgres"))
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install -y wrk)")
    with running_federation(args.database) as federation:
        catalog_engine, catalog = sessions(federation, "catalog")
        order_engine, order = sessions(federation, "order")
        ids = create_products(catalog, 50, announce=True)
        federation.start("catalog-worker")
        federation.start("order-worker")
        wait_until(lambda: replica_count(order) == 50, 60, "the 50 products in the order copy")
        customer = uuid.uuid4()
        with order() as session:
            placed, _ = place(session, customer, [(product_id, 1) for product_id in ids[:3]], None)
            session.commit()
        token = sign_token(
            current_signing_key(federation.data_dir / "keys"),
            user_id=customer,
            display_name="Bench",
            roles=["customer"],
            issuer="scs-user",
            audience="scs",
            ttl=timedelta(hours=1),
        )
        federation.start("catalog-web")
        federation.start("order-web")
        port = free_port()
        baseline = start_baseline(federation.database_urls, port)
        base = f"http://127.0.0.1:{port}"
        pages = {
            "catalog product list": (f"{federation.url('catalog')}/", f"{base}/catalog", None),
            "order product list": (f"{federation.url('order')}/", f"{base}/order", None),
            "order page": (f"{federation.url('order')}/orders/{placed.id}", f"{base}/order", f"scs_token={token}"),
        }
        samples: dict[str, dict[str, list[dict]]] = {name: {"system": [], "baseline": []} for name in pages}
        try:
            for _ in range(args.rounds):
                for name, (page_url, baseline_url, cookie) in pages.items():
                    samples[name]["baseline"].append(wrk(baseline_url, args.seconds))
                    samples[name]["system"].append(wrk(page_url, args.seconds, cookie))
        finally:
            baseline.terminate()
            baseline.wait(10)
            catalog_engine.dispose()
            order_engine.dispose()
    runs = []
    for name, kinds in samples.items():
        median = {
            kind: {key: statistics.median(s[key] for s in values) for key in ("rps", "p99_ms")}
            for kind, values in kinds.items()
        }
        runs.append(
            {"page": name, **median, "ratio": median["system"]["rps"] / median["baseline"]["rps"], "samples": kinds}
        )
    print_table(
        f"Web pages, {args.database}, gunicorn 2 workers, wrk {CONNECTIONS} connections, "
        f"median of {args.rounds}×{args.seconds}s (target ≥ {TARGET}× minimal page)",
        ("page", "req/s", "p99 ms", "minimal req/s", "minimal p99 ms", "ratio", "target met"),
        [
            (
                r["page"],
                r["system"]["rps"],
                r["system"]["p99_ms"],
                r["baseline"]["rps"],
                r["baseline"]["p99_ms"],
                r["ratio"],
                "yes" if r["ratio"] >= TARGET else "NO",
            )
            for r in runs
        ],
    )

    def draw(axes) -> None:
        positions = range(len(runs))
        axes.bar(
            [p - 0.2 for p in positions], [r["baseline"]["rps"] for r in runs], 0.4, label="minimal Flask + Jinja2 page"
        )
        axes.bar([p + 0.2 for p in positions], [r["system"]["rps"] for r in runs], 0.4, label="system page")
        for p, r in zip(positions, runs, strict=True):
            axes.annotate(f"{r['ratio']:.2f}×", (p + 0.2, r["system"]["rps"]), ha="center", va="bottom")
        axes.set_xticks(list(positions), [r["page"] for r in runs])
        axes.set_ylabel("requests per second")
        axes.set_title(f"Web pages vs a minimal page ({args.database}; target ≥ {TARGET}×)")
        axes.legend(loc="lower right")

    save(
        f"web_{args.database}",
        {
            "target_ratio": TARGET,
            "connections": CONNECTIONS,
            "seconds": args.seconds,
            "rounds": args.rounds,
            "runs": runs,
        },
        draw,
    )


if __name__ == "__main__":
    main()
