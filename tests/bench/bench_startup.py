"""Start-up and deck loading: `quizbot cards stats` as a process, and a 100k-card deck.

cold_start_ms: wall time of `quizbot cards stats` (the installed entry point, a fresh
process each time, shipped decks) against `python -c "import discord, slack_bolt, aiosqlite,
apscheduler"` run the same way; trials alternate the two, medians.

load_100k_cards_s: `load_library` on one generated Markdown deck of 100,000 cards (1,000
sections of 100 rows; bold key terms, inline math, an advanced section every fifth) written
under .bench/, median of repeats, in this process.
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
from pathlib import Path

from bot.cards import load_library
from tests.bench.common import (
    ROOT,
    Metric,
    at_most,
    main_for,
    median,
    ratio_at_most,
    repeats,
    scratch,
)

WORDS = (
    "gradient", "descent", "weight", "bias", "layer", "neuron", "activation", "softmax",
    "loss", "entropy", "batch", "norm", "dropout", "residual", "attention", "token",
    "embedding", "momentum", "optimiser", "kernel", "stride",
)  # fmt: skip


def write_deck(path: Path, cards: int) -> None:
    rng = random.Random(7)
    lines = ["# Generated deck", ""]
    per = 100
    for section in range(cards // per):
        header = "Refined Question" if section % 5 == 4 else "Question"
        lines += [
            f"## Topic {section % 50}",
            "",
            f"| # | {header} | Answer |",
            "| :-: | :-- | :-- |",
        ]
        for i in range(per):
            q = " ".join(rng.choice(WORDS) for _ in range(6))
            a = " ".join(rng.choice(WORDS) for _ in range(9))
            lines.append(
                f"| {i + 1} | What does **{q}** do ({section}.{i})? "
                f"| It is the **{a.split()[0]}** of {a}, with $\\eta x_i$. |"
            )
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")


def _wall(argv: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def cold_start(quick: bool) -> Metric:
    trials = repeats(7)
    quizbot = str(Path(sys.executable).with_name("quizbot"))
    imports = [sys.executable, "-c", "import discord, slack_bolt, aiosqlite, apscheduler"]
    _wall([quizbot, "cards", "stats"])  # the page cache holds the files for both, alike
    _wall(imports)
    ours, base = [], []
    for _ in range(trials):
        ours.append(_wall([quizbot, "cards", "stats"]))
        base.append(_wall(imports))
    value, baseline = median(ours) * 1000, median(base) * 1000
    return ratio_at_most(
        "cold_start_ms", value, "ms", baseline, value / baseline, 1.5, f"median of {trials}"
    )


def load_cards(quick: bool) -> Metric:
    count = 10_000 if quick else 100_000
    trials = repeats(3)
    with scratch("cards") as folder:
        deck = folder / "generated.md"
        write_deck(deck, count)
        size = deck.stat().st_size
        times = []
        for _ in range(trials):
            t0 = time.perf_counter()
            library = load_library([deck])
            times.append(time.perf_counter() - t0)
            assert len(library.cards) == count, (len(library.cards), library.messages[:3])
    return at_most(
        "load_100k_cards_s",
        median(times),
        "s",
        5,
        note=f"{count:,} cards, {size / 1e6:.1f} MB, median of {trials}",
    )


def measure(quick: bool) -> list[Metric]:
    return [cold_start(quick), load_cards(quick)]


if __name__ == "__main__":
    main_for(measure)
