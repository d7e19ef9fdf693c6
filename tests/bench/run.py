"""`make bench`: every benchmark, each in its own process, one table, `.bench/results.json`.

Not a test module (pytest collects only test_*.py). BENCH_QUICK=1 shrinks every size for a
smoke run. A benchmark that crashes is reported as such and the others still run; the exit
status is 1 when any target is missed or any benchmark failed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.common import BENCH_DIR, HEADER, ROOT, Metric, format_row, machine, quick

MODULES = (
    "tests.bench.bench_answers",
    "tests.bench.bench_leaderboard",
    "tests.bench.bench_daily",
    "tests.bench.bench_startup",
    "tests.bench.bench_memory",
    "tests.bench.bench_delivery",
    "tests.bench.bench_storage",
    "tests.bench.bench_quality",
    "tests.bench.bench_postgres",
)


def run_module(module: str) -> tuple[list[Metric], str | None]:
    with tempfile.NamedTemporaryFile(suffix=".json", dir=BENCH_DIR, delete=False) as handle:
        out = Path(handle.name)
    try:
        done = subprocess.run(
            [sys.executable, "-m", module, "--json", str(out)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=900,
        )
        if done.returncode != 0:
            return [], (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        return [Metric(**m) for m in json.loads(out.read_text())], None
    except subprocess.TimeoutExpired:
        return [], "took longer than 15 minutes"
    finally:
        out.unlink(missing_ok=True)


def main() -> int:
    BENCH_DIR.mkdir(exist_ok=True)
    info = machine()
    print(
        f"quizbot benchmarks{' (BENCH_QUICK: small sizes)' if quick() else ''}: "
        f"{info['nproc']} x {info['cpu']}, Python {info['python']}",
        flush=True,
    )
    print(HEADER, flush=True)
    metrics: list[Metric] = []
    failures: dict[str, str] = {}
    started = time.perf_counter()
    for module in MODULES:
        found, error = run_module(module)
        if error:
            failures[module] = error
            print(f"{module}: FAILED: {error}", flush=True)
        for metric in found:
            print(format_row(metric), flush=True)
        metrics += found
    elapsed = time.perf_counter() - started
    results = {
        "machine": info,
        "quick": quick(),
        "seconds": round(elapsed, 1),
        "metrics": {m.name: m.to_json() for m in metrics},
        "failed_benchmarks": failures,
    }
    path = BENCH_DIR / "results.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    missed = [m.name for m in metrics if m.passed is False]
    print(f"\n{len(metrics)} figures in {elapsed:.0f} s; written to {path.relative_to(ROOT)}")
    if missed:
        print(f"targets missed: {', '.join(missed)}")
    return 1 if missed or failures else 0


if __name__ == "__main__":
    sys.exit(main())
