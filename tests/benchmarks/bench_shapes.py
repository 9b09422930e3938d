"""Benchmark: the deployment shapes side by side — self-contained systems, one process, one function per process.

    python -m tests.benchmarks.bench_shapes [--pages 200] [--orders 20] [--idle 10] [--rounds 2]

Each shape starts from the same checkout on SQLite in a private namespace, with the same data (an admin, 12
products, one customer). Per shape: processes and memory at idle (RSS, and PSS, which shares forked pages
fairly), idle CPU, start (spawn → every UI answers and every worker beats), p50/p99 of the catalog page and of
checkout → confirmed (POST the order, poll until confirmed), then what still works after a SIGKILL of the web
server holding the order UI and of the process consuming order's events or catalog's order.placed. In the
function shape catalog's page is `scs function catalog browse_products` and catalog's worker is replaced by one
process per reactive function; its cold starts are measured with an event waiting in the function's queue.
Ratios are against the self-contained shape of the same run. Figures: docs/deployment-shapes.md.
"""

from __future__ import annotations

import argparse
import signal
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from federation.db import make_engine, make_session_factory
from federation.function_shape import find_function, function_names
from federation.settings import Settings
from federation.systems import load_system
from tests.benchmarks.report import percentile, print_table, save
from tests.benchmarks.stack import AMQP_URL, outbox_backlog_of, wait_until
from tests.conftest import delete_namespace
from tests.e2e.federation_processes import SYSTEM_NAMES, Federation, free_port
from tests.e2e.journeys import (
    PASSWORD,
    admin_headers,
    answering_uis,
    catalog_stock,
    copied_product,
    create_product,
    log_in,
    place_order,
    register_and_log_in,
)

SHAPES = ("self-contained", "one-process", "function")
PAGE_SIZE = 12
CLK_TCK = 100  # os.sysconf("SC_CLK_TCK") on Linux


@dataclass
class Measured:
    """The figures of one shape."""

    processes: int = 0
    rss_mb: float = 0.0
    pss_mb: float = 0.0
    idle_cpu_percent: float = 0.0
    start_s: float = 0.0
    page_ms: list[float] = field(default_factory=list)
    checkout_ms: list[float] = field(default_factory=list)
    after_web_kill: str = ""
    after_worker_kill: str = ""
    cold_start_s: dict[str, float] = field(default_factory=dict)
    function_pss_mb: dict[str, float] = field(default_factory=dict)


def _descendants(pids: list[int]) -> list[int]:
    """The processes and all their descendants (from /proc's parent links)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = set(pids), list(pids)
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in found]
        found.update(children)
        frontier += children
    return sorted(pid for pid in found if Path(f"/proc/{pid}").exists())


def _memory_mb(pid: int) -> tuple[float, float]:
    """RSS and PSS of one process in MB (smaps_rollup)."""
    values = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("Rss", "Pss"):
            values[key] = int(rest.split()[0]) / 1024
    return values["Rss"], values["Pss"]


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the processes have used so far."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / CLK_TCK


def measure_idle(federation: Federation, measured: Measured, idle_seconds: float) -> None:
    """Processes, memory and CPU of the running shape while nothing happens."""
    time.sleep(3)  # let start-up work (migrations checks, first lease takes) finish
    pids = _descendants([process.pid for process in federation.processes.values()])
    before = _cpu_seconds(pids)
    time.sleep(idle_seconds)
    measured.idle_cpu_percent = 100 * (_cpu_seconds(pids) - before) / idle_seconds
    memory = [_memory_mb(pid) for pid in pids]
    measured.processes = len(pids)
    measured.rss_mb = sum(rss for rss, _ in memory)
    measured.pss_mb = sum(pss for _, pss in memory)
    for name, process in federation.processes.items():
        if "-fn-" in name:
            measured.function_pss_mb[name] = sum(_memory_mb(pid)[1] for pid in _descendants([process.pid]))


def measure_pages(url: str, count: int) -> list[float]:
    """Milliseconds per GET of the page, one after another, after a warm-up."""
    with requests.Session() as session:
        for _ in range(20):
            session.get(url, timeout=10).raise_for_status()
        timings = []
        for _ in range(count):
            started = time.perf_counter()
            session.get(url, timeout=10).raise_for_status()
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def measure_checkouts(federation: Federation, customer: dict, product_id: str, count: int) -> list[float]:
    """Milliseconds from POSTing an order to reading it confirmed (polled every 10 ms)."""
    timings = []
    with requests.Session() as session:
        for _ in range(count):
            started = time.perf_counter()
            order = place_order(federation, customer, product_id, 1)
            url = f"{federation.url('order')}/api/orders/{order['id']}"
            wait_until(
                lambda url=url: session.get(url, headers=customer, timeout=10).json()["status"] == "confirmed",
                timeout=30,
                what=f"order {order['id']} confirmed",
                interval=0.01,
            )
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def still_working(federation: Federation, customer: dict, product_id: str, wait: float = 15) -> str:
    """Which UIs answer, whether a checkout still confirms and a new admin still reaches catalog, within `wait` s."""
    uis = answering_uis(federation)
    try:
        order = place_order(federation, customer, product_id, 1)
        url = f"{federation.url('order')}/api/orders/{order['id']}"
        wait_until(
            lambda: requests.get(url, headers=customer, timeout=5).json()["status"] == "confirmed", wait, "confirmed"
        )
        checkout = "checkout confirms"
    except (TimeoutError, AssertionError, requests.RequestException):
        checkout = "checkout stays pending"
    try:
        email = f"admin-{uuid.uuid4().hex[:6]}@example.org"
        federation.scs("users", "add", email, "--password", PASSWORD, "--admin")
        headers = log_in(federation, email)
        status = f"{federation.url('catalog')}/_status"
        wait_until(lambda: requests.get(status, headers=headers, timeout=5).status_code == 200, wait, "admitted")
        copy = "user→catalog copies flow"
    except (TimeoutError, AssertionError, requests.RequestException, subprocess.CalledProcessError):
        copy = "user→catalog copies stop"
    return f"UIs {len(uis)}/3 ({', '.join(sorted(uis)) or 'none'}); {checkout}; {copy}"


def _seed(federation: Federation) -> tuple[dict, str]:
    """An admin, PAGE_SIZE products (one with plenty of stock), a customer; the customer's headers and that product."""
    admin = admin_headers(federation)
    product_id = create_product(federation, admin, stock=100000)
    for index in range(PAGE_SIZE - 1):
        create_product(federation, admin, stock=10, name=f"Product {index}")
    customer = register_and_log_in(federation)
    copied_product(federation, product_id)
    return customer, product_id


@contextmanager
def _federation(shape: str):
    """A fresh federation (SQLite, private namespace), migrated; stopped and cleaned up afterwards."""
    with tempfile.TemporaryDirectory(prefix="scs-shapes-") as tmp:
        namespace = f"bench-{uuid.uuid4().hex[:10]}"
        federation = Federation(data_dir=Path(tmp) / "var", namespace=namespace, amqp_url=AMQP_URL)
        federation.scs("db", "upgrade")
        try:
            yield federation
        finally:
            federation.stop_all()
            catalog = load_system("catalog")
            consumers = [find_function(catalog, name).consumer_name for name in _reactive_names("catalog")]
            delete_namespace(AMQP_URL, namespace, consumers)


def _reactive_names(system: str) -> list[str]:
    """The names of a system's reactive functions."""
    loaded = load_system(system)
    return [name for name in function_names(loaded) if find_function(loaded, name).kind == "reactive"]


def run_shape(shape: str, args: argparse.Namespace) -> Measured:
    """Start one shape, measure it, crash parts of it."""
    measured = Measured()
    with _federation(shape) as federation:
        started = time.perf_counter()
        start: dict[str, Callable[[], Any]] = {
            "self-contained": lambda: federation.start_all(migrate=False),
            "one-process": federation.start_one_process,
            "function": lambda: _start_function_shape(federation),
        }
        start[shape]()
        measured.start_s = time.perf_counter() - started
        page = f"{federation.url('catalog')}/"
        if shape == "function":
            port = free_port()
            measured.cold_start_s["restful browse_products"] = _timed(
                lambda: federation.start_function("catalog", "browse_products", port=port)
            )
            page = f"http://127.0.0.1:{port}/"
        customer, product_id = _seed(federation)
        measure_idle(federation, measured, args.idle)
        measured.page_ms = measure_pages(page, args.pages)
        measured.checkout_ms = measure_checkouts(federation, customer, product_id, args.orders)
        if shape == "function":
            measured.cold_start_s["reactive on_order_placed"] = _reactive_cold_start(federation, customer, product_id)
        web, worker = {
            "self-contained": ("order-web", "order-worker"),
            "one-process": ("web", "worker"),
            "function": ("order-web", "catalog-fn-on_order_placed"),
        }[shape]
        federation.stop(web, signal.SIGKILL)
        measured.after_web_kill = f"UIs {len(answering_uis(federation))}/3"
        if shape == "one-process":
            federation.spawn("web", ["one-process", "web"])
        else:
            federation.start("order-web")
        wait_until(lambda: answering_uis(federation) == set(SYSTEM_NAMES), 60, "the web back")
        federation.stop(worker, signal.SIGKILL)
        measured.after_worker_kill = still_working(federation, customer, product_id)
    return measured


def _start_function_shape(federation: Federation) -> None:
    """User and order as systems; catalog's web as a system, its reactive functions one process each (no worker)."""
    for name in ("user-worker", "order-worker"):
        federation.start(name)
    for function in _reactive_names("catalog"):
        federation.start_function("catalog", function)
    for system in SYSTEM_NAMES:
        federation.start(f"{system}-web")


def _timed(action: Callable[[], object]) -> float:
    """Seconds `action` took."""
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _reactive_cold_start(federation: Federation, customer: dict, product_id: str) -> float:
    """Seconds from spawning `catalog on_order_placed` to its first event applied, the event waiting in its queue."""
    federation.stop("catalog-fn-on_order_placed")
    stock = catalog_stock(federation, product_id)
    place_order(federation, customer, product_id, 1)
    order = make_session_factory(make_engine(Settings.from_env("order", federation.env).database_url))
    wait_until(lambda: outbox_backlog_of(order) == 0, 30, "order's relay to publish the order.placed")
    assert catalog_stock(federation, product_id) == stock, "someone else reserved the stock"
    started = time.perf_counter()
    federation.spawn("catalog-fn-on_order_placed", ["function", "catalog", "on_order_placed"])
    wait_until(lambda: catalog_stock(federation, product_id) == stock - 1, 60, "the stock reserved", interval=0.01)
    return time.perf_counter() - started


def _combined(rounds: list[Measured]) -> Measured:
    """One shape's rounds in one: medians of the figures, latency samples pooled, distinct outcomes joined."""

    def median(values: list[float]) -> float:
        return statistics.median(values)

    def joined(values: list[str]) -> str:
        return " / ".join(dict.fromkeys(values))

    return Measured(
        processes=round(median([m.processes for m in rounds])),
        rss_mb=median([m.rss_mb for m in rounds]),
        pss_mb=median([m.pss_mb for m in rounds]),
        idle_cpu_percent=median([m.idle_cpu_percent for m in rounds]),
        start_s=median([m.start_s for m in rounds]),
        page_ms=[value for m in rounds for value in m.page_ms],
        checkout_ms=[value for m in rounds for value in m.checkout_ms],
        after_web_kill=joined([m.after_web_kill for m in rounds]),
        after_worker_kill=joined([m.after_worker_kill for m in rounds]),
        cold_start_s={key: median([m.cold_start_s[key] for m in rounds]) for key in rounds[0].cold_start_s},
        function_pss_mb={key: median([m.function_pss_mb[key] for m in rounds]) for key in rounds[0].function_pss_mb},
    )


def main() -> None:
    """Run every shape in turn, print the table, write results/shapes.json and .png."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--orders", type=int, default=20)
    parser.add_argument("--idle", type=float, default=10.0, help="seconds of idle CPU measurement")
    parser.add_argument("--rounds", type=int, default=2, help="runs of every shape; medians, latencies pooled")
    args = parser.parse_args()
    runs: dict[str, list[Measured]] = {shape: [] for shape in SHAPES}
    for round_ in range(args.rounds):  # alternate the order, so no shape always runs first on a fresh machine
        for shape in SHAPES if round_ % 2 == 0 else tuple(reversed(SHAPES)):
            runs[shape].append(run_shape(shape, args))
    results = {shape: _combined(measured) for shape, measured in runs.items()}
    base = results["self-contained"]

    def figures(measured: Measured) -> dict[str, float]:
        return {
            "processes": measured.processes,
            "PSS MB": measured.pss_mb,
            "idle CPU %": measured.idle_cpu_percent,
            "start s": measured.start_s,
            "page p50 ms": statistics.median(measured.page_ms),
            "page p99 ms": percentile(measured.page_ms, 0.99),
            "checkout p50 ms": statistics.median(measured.checkout_ms),
            "checkout p99 ms": percentile(measured.checkout_ms, 0.99),
        }

    table = {shape: figures(measured) for shape, measured in results.items()}
    header = ["shape", "processes", "RSS MB", *list(table[SHAPES[0]])[1:]]
    print_table(
        "Deployment shapes (ratio to self-contained in brackets)",
        header,
        [
            [
                shape,
                table[shape]["processes"],
                round(results[shape].rss_mb),
                *[
                    f"{value:.3g} ({value / table['self-contained'][key]:.2f}x)" if shape != "self-contained" else value
                    for key, value in list(table[shape].items())[1:]
                ],
            ]
            for shape in SHAPES
        ],
    )
    print_table(
        "After a SIGKILL",
        ["shape", "web server of the order UI", "process consuming order's / catalog's order events"],
        [[shape, results[shape].after_web_kill, results[shape].after_worker_kill] for shape in SHAPES],
    )
    print_table(
        "Cold starts of one function (spawn → first request / event handled)",
        ["function", "seconds"],
        list(results["function"].cold_start_s.items()),
    )
    print_table(
        "One function's process at idle",
        ["process", "PSS MB"],
        sorted(results["function"].function_pss_mb.items()),
    )

    def draw(axes) -> None:
        keys = [key for key in table["self-contained"] if key != "processes"]
        width = 0.8 / len(SHAPES)
        for index, shape in enumerate(SHAPES):
            ratios = [table[shape][key] / table["self-contained"][key] for key in keys]
            axes.bar([i + index * width for i in range(len(keys))], ratios, width, label=shape)
        axes.axhline(1.0, color="grey", linewidth=0.8)
        axes.set_xticks([i + width for i in range(len(keys))], keys, rotation=25, ha="right", fontsize=8)
        axes.set_ylabel("ratio to self-contained (lower is better)")
        axes.set_title("Deployment shapes, measured in one run")
        axes.legend(fontsize=8)

    save(
        "shapes",
        {
            "arguments": vars(args),
            "shapes": {
                shape: {**table[shape], "rss_mb": results[shape].rss_mb, **vars(results[shape])} for shape in SHAPES
            },
            "baseline": "self-contained",
            "baseline_figures": figures(base),
        },
        draw,
    )


if __name__ == "__main__":
    main()
