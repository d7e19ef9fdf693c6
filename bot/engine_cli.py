"""`quizbot leaderboard [--period week|month|all]`: standings from the database, per server."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from datetime import UTC, datetime

from bot.engine import standings
from bot.invocation import command_hint
from bot.messages import LeaderboardMessage
from bot.paths import Database, db_path
from bot.store import Store, StoreError
from bot.store.sqlite import SqliteStorage

WHEN = {"week": "This week", "month": "This month", "all": "All time"}
# Names a board's place from (platform, server id); the adapters know each platform's words.
PlaceTitle = Callable[[str, str], str]


def _empty() -> str:
    return f"No answers yet: try `{command_hint('play')}`."


def plain_title(platform: str, server: str) -> str:
    return f"{platform} {server}"


def run_leaderboard(args: argparse.Namespace, title: PlaceTitle = plain_title) -> int:
    path = db_path(args.db)
    period = getattr(args, "period", None) or "all"
    if not path.exists():  # reading must not create a database
        print(_empty())
        return 0
    try:
        boards = asyncio.run(_boards(path, period, datetime.now(UTC), title))
    except StoreError as exc:
        print(f"quizbot leaderboard: {exc}", file=sys.stderr)
        return 1
    if not boards:
        print(_empty() if period == "all" else f"No answers {WHEN[period].lower()} yet.")
        return 0
    print("\n\n".join(format_board(board) for board in boards))
    return 0


async def _boards(
    path: Database, period: str, now: datetime, title: PlaceTitle
) -> list[LeaderboardMessage]:
    # Each server's week and month in its own zone, as its channels show them.
    async with await Store.open(path) as store:
        return await standings.every_server_board(SqliteStorage(store), period, now, title=title)


def format_board(board: LeaderboardMessage) -> str:
    header = ("#", "Player", "Points", "Answered", "Correct")
    rows = [
        (str(r.rank), r.name, str(r.points), str(r.answered), str(r.correct)) for r in board.rows
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            cell.ljust(width) if i == 1 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    title = f"{board.title} · {board.period_label}"
    lines = [title, line(header), *(line(r) for r in rows)]
    if board.more_tied_text:
        lines.append(board.more_tied_text)
    return "\n".join(lines)
