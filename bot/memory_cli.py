"""`quizbot stats --user NAME [--json]`: one player's memory by topic; `quizbot export reviews`
and `quizbot export answers`: the review log (for fitting FSRS parameters) and the raw answers,
as CSV on standard output."""

from __future__ import annotations

import argparse
import asyncio
import csv
import dataclasses
import json
import sqlite3
import sys
from collections.abc import Callable

from bot.cards import Library, load_library
from bot.clock import SystemClock
from bot.engine import Engine
from bot.engine.memory import WEAK_TOPICS
from bot.engine.standings import stats_message
from bot.invocation import command_hint
from bot.messages import TopicMemory
from bot.paths import Database, db_path, seed_dirs
from bot.ports import MemoryPoster, Player
from bot.store import Store, StoreError
from bot.store import memory as stored
from bot.store.sqlite import SqliteStorage

Rows = Callable[[sqlite3.Connection], list[tuple[object, ...]]]
TERMINAL = "console"  # `quizbot play` stores its players under this platform, by name


def run_stats(args: argparse.Namespace) -> int:
    path = db_path(args.db)
    if not path.exists():  # reading must not create a database
        print(f"No answers yet: try `{command_hint('play --practice')}`.")
        return 0
    library = load_library(seed_dirs(args.seeds))
    try:
        if getattr(args, "team", False):
            return asyncio.run(_team(path, library, args.json))
        return asyncio.run(_stats(path, library, args.user, args.json))
    except StoreError as exc:
        print(f"quizbot stats: {exc}", file=sys.stderr)
        return 1


async def _team(path: Database, library: Library, as_json: bool) -> int:
    async with await Store.open(path) as store:
        engine = Engine(store, library, SystemClock(), MemoryPoster(), None)
        team = await engine.team_memory(None)
    if as_json:
        print(json.dumps(dataclasses.asdict(team), ensure_ascii=False))
    else:
        print("\n".join(team.lines()))
    return 0


async def _stats(path: Database, library: Library, name: str, as_json: bool) -> int:
    async with await Store.open(path) as store:
        found = await store.read(lambda conn: stored.players_named(conn, name))
        if not found:
            found = [(TERMINAL, name, name)]  # a terminal player who has not finished a round
        if len(found) > 1:
            who = ", ".join(f"{platform} user {user_id}" for platform, user_id, _ in found)
            print(
                f"quizbot stats: --user {name!r} names {len(found)} players ({who}); "
                "each platform keeps its own memory, and this command cannot tell them apart.",
                file=sys.stderr,
            )
            return 2
        platform, user_id, display = found[0]
        player = Player(platform, user_id, display)
        engine = Engine(store, library, SystemClock(), MemoryPoster(), None)
        topics = await engine.memory_by_topic(player)
        totals = await SqliteStorage(store).player_totals(platform, user_id, None)
        today = SystemClock().now().date()
        streak = stats_message(totals, fallback_name=display, today=today).current_streak
    if as_json:
        print(json.dumps(_as_json(display, platform, streak, topics), ensure_ascii=False))
    else:
        print(format_stats(display, streak, topics))
    return 0


def _as_json(name: str, platform: str, streak: int, topics: list[TopicMemory]) -> dict[str, object]:
    return {
        "player": name,
        "platform": platform,
        "streak": streak,
        "topics": [
            {
                "topic": t.topic,
                "seen": t.seen,
                "recall": round(t.recall, 3),
                "due_now": t.due_now,
                "due_this_week": t.due_this_week,
            }
            for t in sorted(topics, key=lambda t: t.topic.casefold())
        ],
        "weakest": [t.topic for t in topics[:WEAK_TOPICS]],
    }


def format_stats(name: str, streak: int, topics: list[TopicMemory]) -> str:
    if not topics:
        return f"{name} has not answered any card yet."
    header = ("Topic", "Seen", "Recall now", "Due now", "Due this week")
    rows = [
        (t.topic, str(t.seen), f"{t.recall:.0%}", str(t.due_now), str(t.due_this_week))
        for t in sorted(topics, key=lambda t: t.topic.casefold())
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ).rstrip()
        for r in [header, *rows]
    ]
    weakest = ", ".join(t.topic for t in topics[:WEAK_TOPICS])
    return "\n".join(
        [f"{name} · streak {streak} day{'s' if streak != 1 else ''}", *lines,
         f"Practise these: {weakest}"]
    )  # fmt: skip


def run_export_reviews(args: argparse.Namespace) -> int:
    return _export(args, stored.REVIEW_COLUMNS, stored.review_rows, "export reviews")


def run_export_answers(args: argparse.Namespace) -> int:
    return _export(args, stored.ANSWER_COLUMNS, stored.answer_rows, "export answers")


def _export(args: argparse.Namespace, columns: tuple[str, ...], rows_of: Rows, name: str) -> int:
    path = db_path(args.db)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    if not path.exists():  # no database yet: the header alone, and nothing created
        return 0
    try:
        rows = asyncio.run(_read(path, rows_of))
    except StoreError as exc:
        print(f"quizbot {name}: {exc}", file=sys.stderr)
        return 1
    writer.writerows(rows)
    return 0


async def _read(path: Database, rows_of: Rows) -> list[tuple[object, ...]]:
    async with await Store.open(path) as store:
        return await store.read(rows_of)
