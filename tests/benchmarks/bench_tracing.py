"""Benchmark: what tracing costs — pipeline events/s and web requests/s exporting to OTLP vs off, in the same run.

    python -m tests.benchmarks.bench_tracing [--events 2000] [--seconds 5] [--rounds 1] [--database sqlite]

Each round runs the catalog → order pipeline and the catalog's product list page (wrk, as bench_web) three times:
with no OTLP endpoint (tracing off: the API's no-op), with every process exporting all its spans, and exporting with
the ratio sampler keeping one trace in ten (`parentbased_traceidratio`). Exporting means traces, metrics and logs
to an OTLP/HTTP receiver on loopback (tests/e2e/otlp_receiver.py in this process, on the same cores: it parses
each request and counts its spans). It also times, in this process, what tracing adds to one event's way when it
is off (the no-op calls of outbox, relay, consumer and log lines), against the time one event takes end to end.
Needs `wrk` (Debian: apt-get install -y wrk).
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
MODES = ("off", "exporting", "sampled")  # sampled: exporting, whole traces kept at a ratio of SAMPLED
SAMPLED = "0.1"


def measure(mode: str, database: str, events: int, seconds: int, receiver: OtlpReceiver) -> dict:
    """Pipeline events/s and product-list requests/s of one federation with tracing `mode`."""
    env = {} if mode == "off" else {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url}
    if mode == "sampled":  # decided where a trace starts (a request, an untraced row), followed by every hop
        env.update({"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": SAMPLED})
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
    ratios = {
        mode: {key: median[mode][key] / median["off"][key] for key in ("pipeline_per_s", "web_rps")}
        for mode in MODES[1:]
    }
    per_event_us = no_op_cost_us()
    event_us = 1e6 / median["off"]["pipeline_per_s"]
    rows: list[tuple[object, ...]] = []
    for key, label in (("pipeline_per_s", "pipeline ev/s"), ("web_rps", "product list req/s")):
        for mode in MODES[1:]:
            ratio = ratios[mode][key]
            rows.append(
                (f"{label}, {mode}", median["off"][key], median[mode][key], ratio, "yes" if ratio >= TARGET else "NO")
            )
    rows.append(("product list p99 ms", median["off"]["web_p99_ms"], median["exporting"]["web_p99_ms"], "", ""))
    print_table(
        f"Tracing exporting (all spans, and sampled at {SAMPLED}) vs off, {args.database}, {args.events} events, "
        f"{args.seconds}s of wrk, {args.rounds} round(s) (target ≥ {TARGET}×)",
        ("measure", "off", "tracing", "ratio", "target met"),
        rows,
    )
    print(
        f"\ntracing off: {per_event_us:.1f} µs of no-op calls per event, {per_event_us / event_us:.2%} of the "
        f"{event_us:.0f} µs one event takes end to end"
    )
    print(f"the receiver took {receiver.requests} OTLP requests, {receiver.span_count} spans")

    def draw(axes) -> None:
        labels = ["pipeline ev/s", "product list req/s"]
        for offset, mode in zip((-0.27, 0, 0.27), MODES, strict=True):
            values = [median[mode]["pipeline_per_s"], median[mode]["web_rps"]]
            axes.bar([p + offset for p in range(2)], values, 0.27, label=f"tracing {mode}")
            if mode != "off":
                for p, key in enumerate(("pipeline_per_s", "web_rps")):
                    axes.annotate(f"{ratios[mode][key]:.2f}×", (p + offset, values[p]), ha="center", va="bottom")
        axes.set_xticks(range(2), labels)
        axes.set_title(f"Tracing exporting to OTLP vs off (target ≥ {TARGET}×)")
        axes.legend(loc="lower right")

    save(
        "tracing",
        {
            "target_ratio": TARGET,
            "samples": samples,
            "median": median,
            "ratios": ratios,
            "sampled_ratio": SAMPLED,
            "no_op_us_per_event": per_event_us,
        },
        draw,
    )


if __name__ == "__main__":
    main()
