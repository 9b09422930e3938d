"""Draw one trace's received spans as an SVG waterfall (docs/tracing/checkout-trace.svg), for the docs."""

from __future__ import annotations

from html import escape

from tests.e2e.otlp_receiver import ReceivedSpan

ROW, LABEL, BAR = 22, 500, 520
COLOURS = {"user": "#7b5ea7", "catalog": "#2f7d5b", "order": "#2b6cb0"}


def in_tree_order(spans: list[ReceivedSpan]) -> list[tuple[int, ReceivedSpan]]:
    """(depth, span) of every span, each after its parent, siblings by start time."""
    ids = {span.span_id for span in spans}
    children: dict[str, list[ReceivedSpan]] = {}
    for span in spans:
        children.setdefault(span.parent_span_id if span.parent_span_id in ids else "", []).append(span)
    ordered: list[tuple[int, ReceivedSpan]] = []

    def visit(parent: str, depth: int) -> None:
        for child in sorted(children.get(parent, []), key=lambda span: span.start_ns):
            ordered.append((depth, child))
            visit(child.span_id, depth + 1)

    visit("", 0)
    return ordered


def waterfall_svg(spans: list[ReceivedSpan], namespace: str = "") -> str:
    """An SVG with one row per span: service and name indented by depth, and a bar on the trace's time axis.

    The test's broker `namespace` prefix is left out of the names, as a deployment without one would show them.
    """
    rows = in_tree_order(spans)
    start = min(span.start_ns for span in spans)
    total = max(max(span.end_ns for span in spans) - start, 1)
    height = ROW * (len(rows) + 2)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{LABEL + BAR + 90}" height="{height}" '
        'font-family="monospace" font-size="12">',
        '<rect width="100%" height="100%" fill="#ffffff"/>',
        f'<text x="6" y="15" font-weight="bold">one checkout, one trace: {len(rows)} spans, '
        f"{total / 1e6:.1f} ms (trace {escape(spans[0].trace_id)})</text>",
    ]
    for index, (depth, span) in enumerate(rows, start=1):
        y = ROW * index + 8
        colour = COLOURS.get(span.service.split("-")[0], "#666666")
        key = span.attributes.get("messaging.rabbitmq.destination.routing_key")
        name = span.name.replace(f"{namespace}.", "") if namespace else span.name
        label = f"{span.service}: {name}" + (f" [{key}]" if key else "")
        x = LABEL + BAR * (span.start_ns - start) / total
        width = max(BAR * (span.end_ns - span.start_ns) / total, 1.5)
        parts.append(f'<text x="{6 + 12 * depth}" y="{y + 13}" fill="{colour}">{escape(label[:72])}</text>')
        parts.append(f'<rect x="{x:.1f}" y="{y + 3}" width="{width:.1f}" height="12" fill="{colour}"/>')
        parts.append(
            f'<text x="{x + width + 4:.1f}" y="{y + 13}" fill="#444444">'
            f"{(span.end_ns - span.start_ns) / 1e6:.1f} ms</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
