"""Benchmark: what tracing costs — pipeline events/s and web requests/s exporting to OTLP vs off, in the same run.

    python -m tests.benchmarks.bench_tracing [--events 2000] [--seconds 5] [--rounds 1] [--database sqlite]

Each round runs the catalog → order pipeline (2000 product changes committed as fast as one writer goes while both
workers run, until the order copy holds them) and the catalog's product list page (wrk, as bench_web) three times:
with no OTLP endpoint (tracing off: the API's no-op), with every process exporting all its spans, and exporting with
the ratio sampler keeping one trace in ten (`parentbased_traceidratio`). Exporting means traces, metrics and logs
to an OTLP/HTTP receiver on loopback (tests/e2e/otlp_receiver.py in this process, on the same cores: it parses
each request and counts its spans). Beside the rates, which swing with whatever else runs on the machine, it
reports the CPU the federation's processes spent per event and per request, which does not. It also times, in
this process, what tracing adds to one event's way when it is off (the no-op calls of outbox, relay, consumer and
log lines), against the time one event takes end to end.
Needs `wrk` (Debian: apt-get install -y wrk).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
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
from tests.benchmarks.cpu import session_cpu_seconds
from tests.benchmarks.pipeline import running_pipeline
from tests.benchmarks.report import print_table, save
from tests.e2e.otlp_receiver import OtlpReceiver

TARGET = 0.8
MODES = ("off", "exporting", "sampled")  # sampled: exporting, whole traces kept at a ratio of SAMPLED
SAMPLED = "0.1"


def measure(mode: str, database: str, events: int, seconds: int, receiver: OtlpReceiver) -> dict:
    """Pipeline events/s and product-list requests/s of one federation with tracing `mode`, and the CPU they took.

    CPU is what the federation's processes (workers; gunicorn and its workers) used per event and per request,
    from /proc: unlike a rate, it hardly moves when other work shares the machine.
    """
    env = {} if mode == "off" else {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url}
    if mode == "sampled":  # decided where a trace starts (a request, an untraced row), followed by every hop
        env.update({"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": SAMPLED})
    with running_pipeline(database, extra_env=env) as rig:
        workers = [rig.federation.processes[name].pid for name in ("catalog-worker", "order-worker")]
        before = session_cpu_seconds(workers)
        rate = rig.sustained_rate(events)
        event_cpu = (session_cpu_seconds(workers) - before) / events
        rig.federation.start("catalog-web")
        web = [rig.federation.processes["catalog-web"].pid]
        before = session_cpu_seconds(web)
        page = wrk(f"{rig.federation.url('catalog')}/", seconds)
        request_cpu = (session_cpu_seconds(web) - before) / (page["rps"] * seconds)
    return {
        "mode": mode,
        "pipeline_per_s": rate,
        "web_rps": page["rps"],
        "web_p99_ms": page["p99_ms"],
        "cpu_us_per_event": event_cpu * 1e6,
        "cpu_us_per_request": request_cpu * 1e6,
    }


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


def span_cost_us(spans: int = 20000) -> tuple[float, float]:
    """CPU µs per span the SDK records (seven attributes, as a messaging span), without and with the OTLP encoding.

    The second figure adds the batch processor and the OTLP exporter's protobuf encoding (all but the HTTP call), on
    the processor's own thread: what each span costs its process, whichever thread pays it.
    """
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

    class Encoding(SpanExporter):
        """Encodes each batch as the OTLP exporter does, and sends it nowhere."""

        def export(self, batch):
            encode_spans(batch).SerializeToString()
            return SpanExportResult.SUCCESS

    attributes = {f"messaging.attribute_{index}": "value-of-twenty-chars" for index in range(7)}
    costs = []
    for processor in (None, BatchSpanProcessor(Encoding(), max_queue_size=spans)):
        provider = TracerProvider()
        if processor is not None:
            provider.add_span_processor(processor)
        tracer = provider.get_tracer("bench")
        started = time.process_time()
        for _ in range(spans):
            with tracer.start_as_current_span("publish catalog.events", attributes=attributes):
                pass
        provider.shutdown()  # the processor's thread encodes what is left
        costs.append((time.process_time() - started) / spans * 1e6)
    return costs[0], costs[1]


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
            for key in ("pipeline_per_s", "web_rps", "web_p99_ms", "cpu_us_per_event", "cpu_us_per_request")
        }
        for mode in MODES
    }
    ratios = {  # rates: tracing / off; CPU: off / tracing (the rate a fixed CPU budget gives, relative to off)
        mode: {
            **{key: median[mode][key] / median["off"][key] for key in ("pipeline_per_s", "web_rps")},
            **{key: median["off"][key] / median[mode][key] for key in ("cpu_us_per_event", "cpu_us_per_request")},
        }
        for mode in MODES[1:]
    }
    per_event_us = no_op_cost_us()
    event_us = 1e6 / median["off"]["pipeline_per_s"]
    rows: list[tuple[object, ...]] = []
    for key, label in (
        ("pipeline_per_s", "pipeline ev/s"),
        ("cpu_us_per_event", "pipeline CPU µs/event"),
        ("web_rps", "product list req/s"),
        ("cpu_us_per_request", "product list CPU µs/req"),
    ):
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
    recorded, encoded = span_cost_us()
    print(f"one span: {recorded:.0f} µs CPU to record, {encoded:.0f} µs with the batch processor and OTLP encoding")
    print(f"the receiver took {receiver.requests} OTLP requests, {receiver.span_count} spans")

    save(
        "tracing",
        {
            "target_ratio": TARGET,
            "samples": samples,
            "median": median,
            "ratios": ratios,
            "sampled_ratio": SAMPLED,
            "no_op_us_per_event": per_event_us,
            "span_cpu_us": {"recorded": recorded, "recorded_and_encoded": encoded},
        },
        lambda axes: draw_ratios(axes, ratios),
    )


def draw_ratios(axes, ratios: dict[str, dict[str, float]]) -> None:
    """Bars of each tracing mode's ratio to tracing off: the two rates, and events and requests per CPU second."""
    keys = (
        ("pipeline_per_s", "pipeline ev/s"),
        ("cpu_us_per_event", "events per CPU s"),
        ("web_rps", "list req/s"),
        ("cpu_us_per_request", "requests per CPU s"),
    )
    for offset, mode in ((-0.2, "exporting"), (0.2, "sampled")):
        values = [ratios[mode][key] for key, _ in keys]
        axes.bar([p + offset for p in range(len(keys))], values, 0.4, label=f"tracing {mode} / off")
        for p, value in enumerate(values):
            axes.annotate(f"{value:.2f}", (p + offset, value), ha="center", va="bottom", fontsize=8)
    axes.axhline(TARGET, color="grey", linestyle="--", linewidth=1)
    axes.set_xticks(range(len(keys)), [label for _, label in keys])
    axes.set_title(f"Tracing exporting to OTLP vs off (target ≥ {TARGET}×, dashed)")
    axes.legend(loc="lower right")


if __name__ == "__main__":
    main()
