"""Benchmark: what tracing costs — pipeline events/s and web requests/s exporting to OTLP vs off, in the same run.

    python -m tests.benchmarks.bench_tracing [--events 2000] [--seconds 5] [--rounds 1] [--database sqlite]

Each round runs the catalog → order pipeline and the catalog's product list page (wrk, as bench_web) twice: with no
OTLP endpoint (tracing off: the API's no-op) and with every process exporting traces, metrics and logs to an OTLP/HTTP
receiver on loopback (tests/e2e/otlp_receiver.py in this process, on the same cores: it parses each request and
counts its spans).
It also times, in this process, what tracing adds to one event's way when it is off (the no-op calls of outbox, relay,
consumer and log lines), against the time one event takes end to end. Needs `wrk` (Debian: apt-get install -y wrk).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import timeit

from federation.tracing import (
    PROCESS,
    PUBLISH,
    context_from,
    current_trace_context,
    log_ids,
    messaging_span,
    stored_context,
    trace_headers,
)
from tests.benchmarks.bench_web import wrk
from tests.benchmarks.pipeline import running_pipeline
from tests.benchmarks.report import print_table, save
from tests.e2e.otlp_receiver import OtlpReceiver

TARGET = 0.8
MODES = ("off", "exporting")


def measure(mode: str, database: str, events: int, seconds: int, receiver: OtlpReceiver) -> dict:
    """Pipeline events/s and product-list requests/s of one federation with tracing `mode`."""
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url} if mode == "exporting" else {}
    with running_pipeline(database, extra_env=env) as rig:
        rate = rig.throughput(events)
        rig.federation.start("catalog-web")
        page = wrk(f"{rig.federation.url('catalog')}/", seconds)
    return {"mode": mode, "pipeline_per_s": rate, "web_rps": page["rps"], "web_p99_ms": page["p99_ms"]}


def no_op_cost_us(iterations: int = 20000) -> float:
    """Microseconds tracing adds to one event's way with no SDK set up: every call outbox, relay and consumer make."""

    def one_event() -> None:
        current_trace_context()  # outbox.add
        with messaging_span(
            PUBLISH,
            exchange="catalog.events",
            routing_key="catalog.product.updated",
            message_id="id",
            correlation_id="c",
            parent=stored_context(None),
        ):
            headers = trace_headers()
        log_ids()
        parent = context_from(headers)
        with messaging_span(
            PROCESS,
            exchange="catalog.events",
            routing_key="catalog.product.updated",
            message_id="id",
            correlation_id="c",
            parent=parent,
            queue="order.inbox",
        ):
            current_trace_context()
        log_ids()

    return min(timeit.repeat(one_event, number=iterations, repeat=3)) / iterations * 1e6


def main() -> None:
    """Measure both modes per round, print the table with ratios, keep JSON and PNG."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--database", default="sqlite", choices=("sqlite", "postgres"))
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install -y wrk)")
    receiver = OtlpReceiver(keep=False).start()
    try:
        samples = [
            measure(mode, args.database, args.events, args.seconds, receiver)
            for _ in range(args.rounds)
            for mode in MODES
        ]
    finally:
        receiver.stop()
    median = {
        mode: {
            key: statistics.median(s[key] for s in samples if s["mode"] == mode)
            for key in ("pipeline_per_s", "web_rps", "web_p99_ms")
        }
        for mode in MODES
    }
    pipeline_ratio = median["exporting"]["pipeline_per_s"] / median["off"]["pipeline_per_s"]
    web_ratio = median["exporting"]["web_rps"] / median["off"]["web_rps"]
    per_event_us = no_op_cost_us()
    event_us = 1e6 / median["off"]["pipeline_per_s"]
    print_table(
        f"Tracing exporting vs off, {args.database}, {args.events} events, {args.seconds}s of wrk, "
        f"{args.rounds} round(s) (target ≥ {TARGET}×)",
        ("measure", "off", "exporting", "ratio", "target met"),
        [
            (
                "pipeline ev/s",
                median["off"]["pipeline_per_s"],
                median["exporting"]["pipeline_per_s"],
                pipeline_ratio,
                "yes" if pipeline_ratio >= TARGET else "NO",
            ),
            (
                "product list req/s",
                median["off"]["web_rps"],
                median["exporting"]["web_rps"],
                web_ratio,
                "yes" if web_ratio >= TARGET else "NO",
            ),
            ("product list p99 ms", median["off"]["web_p99_ms"], median["exporting"]["web_p99_ms"], "", ""),
        ],
    )
    print(
        f"\ntracing off: {per_event_us:.1f} µs of no-op calls per event, {per_event_us / event_us:.2%} of the "
        f"{event_us:.0f} µs one event takes end to end"
    )
    print(f"the receiver took {receiver.requests} OTLP requests, {receiver.span_count} spans")

    def draw(axes) -> None:
        labels = ["pipeline ev/s", "product list req/s"]
        for offset, mode in ((-0.2, "off"), (0.2, "exporting")):
            values = [median[mode]["pipeline_per_s"], median[mode]["web_rps"]]
            axes.bar([p + offset for p in range(2)], values, 0.4, label=f"tracing {mode}")
        for p, ratio in enumerate((pipeline_ratio, web_ratio)):
            axes.annotate(
                f"{ratio:.2f}×", (p + 0.2, median["exporting"][("pipeline_per_s", "web_rps")[p]]), ha="center"
            )
        axes.set_xticks(range(2), labels)
        axes.set_title(f"Tracing exporting to OTLP vs off (target ≥ {TARGET}×)")
        axes.legend(loc="lower right")

    save(
        "tracing",
        {
            "target_ratio": TARGET,
            "samples": samples,
            "median": median,
            "pipeline_ratio": pipeline_ratio,
            "web_ratio": web_ratio,
            "no_op_us_per_event": per_event_us,
        },
        draw,
    )


if __name__ == "__main__":
    main()
