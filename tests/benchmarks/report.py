"""What every benchmark prints and keeps: the machine, a short table, a JSON result and a PNG plot under results/."""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable, Sequence
from pathlib import Path

RESULTS_DIR = Path(__file__).parent / "results"


def machine() -> dict:
    """Cores, CPU model and memory of the machine the figures come from."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": round(memory_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "load_average_at_end": load_average(),
    }


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages (the figures are trustworthy only on a quiet machine: below 1.5)."""
    return [round(value, 2) for value in os.getloadavg()]


def percentile(values: Sequence[float], fraction: float) -> float:
    """The value below which `fraction` of `values` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A plain-text table, columns padded to fit."""
    cells = [list(map(str, header)), *[[_cell(value) for value in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    print(f"\n{title}")
    for index, row in enumerate(cells):
        padded = (value.rjust(width) if index else value.ljust(width) for value, width in zip(row, widths, strict=True))
        print("  ".join(padded))
        if index == 0:
            print("  ".join("-" * width for width in widths))


def _cell(value: object) -> str:
    """Floats with three significant decimals, the rest as they are."""
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)


def save(name: str, result: dict, draw: Callable) -> tuple[Path, Path]:
    """Write results/<name>.json (with the machine) and results/<name>.png drawn by `draw(axes)`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    result = {"benchmark": name, "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": machine(), **result}
    json_path = RESULTS_DIR / f"{name}.json"
    json_path.write_text(json.dumps(result, indent=2, default=str))
    figure, axes = plt.subplots(figsize=(7, 4), dpi=100)
    draw(axes)
    figure.tight_layout()
    png_path = RESULTS_DIR / f"{name}.png"
    figure.savefig(png_path)
    plt.close(figure)
    print(
        f"\nwrote {json_path.relative_to(Path.cwd()) if json_path.is_relative_to(Path.cwd()) else json_path} and {png_path.name}"
    )
    return json_path, png_path
