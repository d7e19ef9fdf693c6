"""`quizbot cards quality` on 100,000 answers: how long item analysis takes.

Data: 2,000 revealed quiz rounds of 500 cards (four rounds a card, options shuffled per
round) in one server, 50 answers each by 2,000 players whose skill and each card's difficulty
are drawn once (seeded), so discrimination and the flags have something real to find. Built
with executemany into a file made by `Store.open` (the bot's own schema).

Timed, medians of repeats:
- `cards_quality_s`: the command as a process (`python -m bot.cli cards quality`), start-up,
  read-only snapshot, analysis and JSON output included;
- `cards_quality_analyse_s`: the read and the analysis alone, in process.
No target: the issue asks for the figure (a figure, not a gate, on a shared machine).
"""

from __future__ import annotations

import json
import math
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from bot.quality import analyse
from bot.quality_cli import read_answers
from bot.store import Store
from bot.store.quality import PlaceScope
from tests.bench.common import ROOT, Metric, main_for, median, repeats, scratch

OPENED = "2026-03-02T09:00:00.000000Z"


def build(path: Path, cards: int, rounds: int, per_round: int, players: int) -> int:
    rng = random.Random(18)
    skill = [rng.gauss(0, 1) for _ in range(players)]
    difficulty = [rng.gauss(0, 1.2) for _ in range(cards)]
    round_rows, answer_rows = [], []
    for r in range(rounds):
        card = r % cards
        options = [f"card {card} key", *(f"card {card} wrong {k}" for k in range(3))]
        rng.shuffle(options)
        key = options.index(f"card {card} key")
        question = json.dumps({"prompt": f"Question {card}?", "options": options})
        round_rows.append((r + 1, f"c{card}", key, question))
        for who in rng.sample(range(players), per_round):
            right = rng.random() < 1 / (1 + math.exp(difficulty[card] - skill[who]))
            pick = key if right else rng.choice([i for i in range(4) if i != key])
            seconds = rng.randint(1, 29)
            answer_rows.append(
                (r + 1, f"u{who}", pick, f"2026-03-02T09:00:{seconds:02d}.000000Z", int(right))
            )
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO rounds (id, platform, server_id, channel_id, mode, state, card_id,"
            " format, option_count, answer_index, question, opened_at, closes_at, revealed_at)"
            " VALUES (?, 'discord', 'guild', 'chan', 'quiz', 'revealed', ?, 'choice', 4, ?, ?,"
            f" '{OPENED}', '{OPENED}', '{OPENED}')",
            round_rows,
        )
        conn.executemany(
            "INSERT INTO answers (round_id, user_id, display_name, option_index, answered_at,"
            " day, correct, points) VALUES (?, ?, 'Player', ?, ?, 739677, ?, 0)",
            answer_rows,
        )
        conn.execute("COMMIT")
    finally:
        conn.close()
    return len(answer_rows)


async def measure(quick: bool) -> list[Metric]:
    cards, rounds, per_round, players = (100, 400, 25, 500) if quick else (500, 2_000, 50, 2_000)
    trials = repeats(3)
    with scratch("quality") as folder:
        path = folder / "quality.db"
        async with await Store.open(path):
            pass  # the schema, exactly as the bot creates it
        answers = build(path, cards, rounds, per_round, players)
        command = [sys.executable, "-m", "bot.cli", "cards", "quality", "--db", str(path)]
        process, lines = [], 0
        for _ in range(trials):
            t0 = time.perf_counter()
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
            process.append(time.perf_counter() - t0)
            lines = len(done.stdout.splitlines())
        inside = []
        for _ in range(trials):
            t0 = time.perf_counter()
            found = analyse(*read_answers(path, PlaceScope()))
            inside.append(time.perf_counter() - t0)
        flagged = sum(1 for c in found if c.flags)
    note = f"{answers:,} answers, {cards} cards, {players:,} players; {flagged} flagged"
    return [
        Metric("cards_quality_s", round(median(process), 3), "s", note=f"{note}; {lines} lines"),
        Metric("cards_quality_analyse_s", round(median(inside), 3), "s", note=note),
    ]


if __name__ == "__main__":
    main_for(measure)
