"""`quizbot`: the command line. Parsing lives here; each command's work lives with its feature."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from bot.questions.formats import MIXED, PLAY_FORMATS

# command path -> "module:function"; imported only when that command runs, so
# `quizbot cards stats` never pays for discord.py or slack-bolt at start-up.
HANDLERS = {
    "play": "adapters.console.play:run_play",
    "cards export": "bot.cards.commands:run_export",
    "cards lint": "bot.cards.commands:run_lint",
    "cards stats": "bot.cards.commands:run_stats",
    "cards show": "bot.cards.commands:run_show",
    "questions": "bot.questions_cli:run_questions",
    "schedule preview": "bot.schedule_cli:run_preview",
    "schedule list": "bot.schedule_cli:run_list",
    "leaderboard": "bot.engine_cli:run_leaderboard",
    "db backup": "bot.store.backup:run_backup",
    "db prune": "bot.store.prune:run_prune",
    "run": "adapters.run:run",
    "health": "bot.health:run_health",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="quizbot", description=__doc__)
    parser.add_argument("--db", help="SQLite database file (env QUIZBOT_DB)")
    parser.add_argument(
        "--seeds",
        action="append",
        metavar="DIR",
        help="extra deck folder, repeatable (env QUIZBOT_SEEDS, ':'-separated)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    play = commands.add_parser("play", help="quiz in the terminal")
    play.add_argument("--count", type=positive_int, default=5)
    play.add_argument("--topic")
    play.add_argument("--level", choices=["core", "advanced"])
    play.add_argument("--format", choices=PLAY_FORMATS, default=MIXED)
    play.add_argument("--seed", type=int)
    play.add_argument("--user", help="name to store answers under (default: your login)")

    cards = commands.add_parser("cards", help="the card library").add_subparsers(
        dest="cards_command", required=True, metavar="ACTION"
    )
    cards.add_parser("export", help="every card as JSON Lines")
    lint = cards.add_parser("lint", help="problems with file:line; exit 1 on errors")
    lint.add_argument("paths", nargs="*", metavar="PATH")
    cards.add_parser("stats", help="counts per deck, topic and level")
    show = cards.add_parser("show", help="one card rendered")
    show.add_argument("id")

    questions = commands.add_parser("questions", help="generated questions as JSON Lines")
    questions.add_argument("--count", type=positive_int, default=10)
    questions.add_argument("--seed", type=int, default=0)
    questions.add_argument("--format", choices=PLAY_FORMATS, default=MIXED)
    questions.add_argument(
        "--audit",
        action="store_true",
        help="instead, how often naive test-takers (longest option, shared words, ...) pick "
        "the key, per deck and format, as JSON Lines",
    )
    questions.add_argument(
        "--skipped",
        action="store_true",
        help="instead, the cards the generator will not ask and why, as JSON Lines "
        "(card_id, format, reason, source)",
    )

    schedule = commands.add_parser("schedule", help="daily schedules").add_subparsers(
        dest="schedule_command", required=True, metavar="ACTION"
    )
    preview = schedule.add_parser("preview", help="the posts a schedule would make")
    preview.add_argument("--time", required=True, help="HH:MM local time")
    preview.add_argument("--tz", required=True, help="IANA zone, e.g. Europe/Berlin")
    preview.add_argument("--weekdays", default="mon-fri")
    preview.add_argument("--from", dest="start", required=True, help="YYYY-MM-DD")
    preview.add_argument("--days", type=positive_int, required=True)
    schedule.add_parser("list", help="schedules stored in the database")

    board = commands.add_parser("leaderboard", help="standings from the database")
    board.add_argument("--period", choices=["week", "month", "all"], default="all")

    db = commands.add_parser("db", help="database maintenance").add_subparsers(
        dest="db_command", required=True, metavar="ACTION"
    )
    backup = db.add_parser("backup", help="consistent copy of the live database")
    backup.add_argument("path")
    pruning = db.add_parser(
        "prune", help="apply the retention policy now (the running bot does so every hour)"
    )
    pruning.add_argument(
        "--dry-run", action="store_true", help="only show what it would remove; change nothing"
    )

    commands.add_parser("run", help="start every platform adapter the environment configures")
    commands.add_parser("health", help="exit 0 when the running bot's heartbeats are fresh")
    return parser


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be 1 or more")
    return value


def command_path(args: argparse.Namespace) -> str:
    parts = [args.command]
    sub = getattr(args, f"{args.command}_command", None)
    if sub:
        parts.append(sub)
    return " ".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    module_name, function_name = HANDLERS[command_path(args)].split(":")
    handler = getattr(importlib.import_module(module_name), function_name)
    try:
        return int(handler(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `quizbot cards export | head` is normal use, not a failure.
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
