"""Shared by the benchmarks: metric records, repeats and medians, sizes, a scratch folder.

Every benchmark module has `measure(quick: bool) -> list[Metric]` (a coroutine function or a
plain one) and ends with `if __name__ == "__main__": main_for(measure)`, so it runs alone and
prints its figures (`python -m tests.bench.bench_answers`). `tests/bench/run.py` runs every
module in its own process and writes `.bench/results.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import inspect
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH_DIR = ROOT / ".bench"


@dataclass
class Metric:
    name: str
    value: float
    unit: str
    baseline: float | None = None
    ratio: float | None = None
    target: str = ""  # e.g. "ratio >= 10", "<= 30"
    passed: bool | None = None
    note: str = ""  # sizes, repeats, anything a reader needs to trust the figure

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data.pop("name")
        return data


def quick() -> bool:
    """BENCH_QUICK=1 shrinks every size for a smoke run (figures then mean little)."""
    return os.environ.get("BENCH_QUICK", "") not in ("", "0")


def repeats(default: int = 5) -> int:
    return 3 if quick() else default


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (p99 of 1,000 samples is the 990th smallest)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def at_most(name: str, value: float, unit: str, limit: float, note: str = "") -> Metric:
    return Metric(name, value, unit, target=f"<= {limit:g}", passed=value <= limit, note=note)


def at_least(name: str, value: float, unit: str, limit: float, note: str = "") -> Metric:
    return Metric(name, value, unit, target=f">= {limit:g}", passed=value >= limit, note=note)


def ratio_at_least(
    name: str, value: float, unit: str, baseline: float, ratio: float, limit: float, note: str = ""
) -> Metric:
    """A figure against its baseline in the same run; ``ratio`` is how many times better."""
    return Metric(name, value, unit, baseline, ratio, f"ratio >= {limit:g}", ratio >= limit, note)


def ratio_at_most(
    name: str, value: float, unit: str, baseline: float, ratio: float, limit: float, note: str = ""
) -> Metric:
    """A figure against its baseline in the same run; ``ratio`` is how many times worse."""
    return Metric(name, value, unit, baseline, ratio, f"ratio <= {limit:g}", ratio <= limit, note)


@contextlib.contextmanager
def scratch(name: str) -> Iterator[Path]:
    """A fresh folder under .bench/ on the same disk as the project (not tmpfs): database
    files there behave like the bot's own."""
    BENCH_DIR.mkdir(exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=BENCH_DIR))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def machine() -> dict[str, object]:
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


Measure = Callable[[bool], list[Metric]] | Callable[[bool], Awaitable[list[Metric]]]


def main_for(measure: Measure) -> None:
    """A benchmark module run as a program: measure, print its figures, or write them as JSON
    (`--json PATH`, used by the runner). An async ``measure`` gets its own event loop."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", type=Path, help="write the metrics here as JSON")
    args = parser.parse_args()
    if inspect.iscoroutinefunction(measure):
        metrics = asyncio.run(measure(quick()))
    else:
        metrics = measure(quick())
    if args.json:
        args.json.write_text(json.dumps([asdict(m) for m in metrics]))
    for m in metrics:
        print(format_row(m), flush=True)
    sys.stdout.flush()


def format_row(m: Metric) -> str:
    base = "-" if m.baseline is None else f"{m.baseline:,.4g}"
    ratio = "-" if m.ratio is None else f"{m.ratio:,.3g}"
    verdict = {True: "pass", False: "FAIL", None: "-"}[m.passed]
    return (
        f"{m.name:<28} {m.value:>12,.4g} {m.unit:<10} {base:>10} {ratio:>8} "
        f"{m.target:<14} {verdict:<5} {m.note}"
    )


HEADER = (
    f"{'metric':<28} {'value':>12} {'unit':<10} {'baseline':>10} {'ratio':>8} "
    f"{'target':<14} {'':<5} notes"
)
