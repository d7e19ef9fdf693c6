"""`quizbot`: the command line. Parsing lives here; each command's work lives with its feature
(HANDLERS), imported only when that command runs."""

from __future__ import annotations

import argparse
import codecs
import importlib
import sys
from collections.abc import Callable, Sequence

from bot.paths import LocationError, db_path, seed_dirs
from bot.questions.formats import MIXED, PLAY_FORMATS, QUESTION_FORMATS, describe_play_formats

# command path -> "module:function"; imported only when that command runs, so
# `quizbot cards stats` never pays for discord.py or slack-bolt at start-up.
HANDLERS = {
    "play": "adapters.console.play:run_play",
    "stats": "bot.memory_cli:run_stats",
    "export reviews": "bot.memory_cli:run_export_reviews",
    "export answers": "bot.memory_cli:run_export_answers",
    "cards export": "bot.cards.commands:run_export",
    "cards lint": "bot.cards.commands:run_lint",
    "cards stats": "bot.cards.commands:run_stats",
    "cards show": "bot.cards.commands:run_show",
    "cards quality": "bot.quality_cli:run_quality",
    "cards reports": "bot.reports_cli:run_reports",
    "questions": "bot.questions_cli:run_questions",
    "schedule preview": "bot.schedule_cli:run_preview",
    "schedule list": "bot.schedule_cli:run_list",
    "leaderboard": "adapters.leaderboard:run_leaderboard",
    "db backup": "bot.store.backup:run_backup",
    "db prune": "bot.store.prune:run_prune",
    "db migrate": "bot.store.pg_tools:run_migrate",
    "run": "adapters.run:run",
    "health": "bot.health:run_health",
}


DESCRIPTION = (
    "A deep-learning quiz: play it in a terminal (quizbot play), or run it as a Discord "
    "and Slack bot (quizbot run)."
)
EPILOG = "Options --db and --seeds may come before or after the command."
MIN_ANSWERS = 20  # bot.quality.MIN_ANSWERS, not imported: that would slow every command
DAYS_MAX = 36_600  # a century of daily posts: more is a typo, and dates end at year 9999


class VersionAction(argparse.Action):
    """`--version`: looked up only when asked, so every other command starts as fast."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        print(f"quizbot {version()}")
        parser.exit()


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("quizbot")
    except PackageNotFoundError:  # run from a checkout without `pip install`
        return "(not installed)"


def _global_options(parser: argparse.ArgumentParser, *, after_command: bool) -> None:
    """--db and --seeds. Given after the command they land in their own names (`main` merges
    them), so `quizbot --seeds a play --seeds b` keeps both folders."""
    suffix, default = ("_after", argparse.SUPPRESS) if after_command else ("", None)
    parser.add_argument(
        "--db",
        dest="db" + suffix,
        default=default,
        metavar="PATH",
        help="the database file (default: $QUIZBOT_DB, else ~/.local/share/quizbot/quizbot.db)",
    )
    parser.add_argument(
        "--seeds",
        dest="seeds" + suffix,
        default=default,
        action="append",
        metavar="DIR",
        help="an extra deck folder, repeatable (default: $QUIZBOT_SEEDS, ':'-separated; "
        "the shipped decks always load)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="quizbot", description=DESCRIPTION, epilog=EPILOG)
    parser.add_argument("--version", action=VersionAction)
    _global_options(parser, after_command=False)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    leaves: list[argparse.ArgumentParser] = []

    def command(group: argparse._SubParsersAction, name: str, text: str) -> argparse.ArgumentParser:
        leaf = group.add_parser(name, help=text, description=text[:1].upper() + text[1:] + ".")
        leaves.append(leaf)
        return leaf

    play = command(commands, "play", "quiz in the terminal")
    play.add_argument(
        "--count", type=positive_int, default=5, help="how many questions (default: %(default)s)"
    )
    play.add_argument(
        "--topic", help="a topic, or part of its name (default: every topic; see cards stats)"
    )
    play.add_argument(
        "--level",
        choices=["core", "advanced"],
        help="only core or only advanced cards (default: both)",
    )
    play.add_argument(
        "--format",
        choices=PLAY_FORMATS,
        default=MIXED,
        help=f"question format: {describe_play_formats()}",
    )
    play.add_argument(
        "--seed", type=int, help="the same seed asks the same questions (default: random)"
    )
    play.add_argument(
        "--user",
        type=player_name,
        help="name to store answers under (default: your login name)",
    )

    play.add_argument(
        "--practice",
        action="store_true",
        help="practise as /practice does: the cards you are due to review first, then new "
        "cards from your weakest topics (--topic weak: only those topics)",
    )

    stats = command(commands, "stats", "one player's memory by topic: seen, recall, due")
    who = stats.add_mutually_exclusive_group(required=True)
    who.add_argument(
        "--user",
        type=player_name,
        help="the player's name (one of --user and --team is required; no default)",
    )
    who.add_argument(
        "--team",
        action="store_true",
        help="everyone active in the last 30 days: topics forgotten most, cards nobody has seen",
    )
    stats.add_argument("--json", action="store_true", help="one JSON object instead of a table")

    export = commands.add_parser("export", help="data out: the review log, the answers")
    export_kinds = export.add_subparsers(dest="export_command", required=True, metavar="WHAT")
    for kind, text in (
        ("reviews", "the review log in the columns the FSRS optimizer reads"),
        ("answers", "every answer: place, player, card, option, correct, points, time"),
    ):
        leaf = command(export_kinds, kind, text)
        leaf.add_argument(
            "--format", choices=["csv"], default="csv", help="output format (default: csv)"
        )

    cards = commands.add_parser(
        "cards", help="the card library: export, lint, stats, show; quality from the answers"
    )
    card_actions = cards.add_subparsers(dest="cards_command", required=True, metavar="ACTION")
    command(card_actions, "export", "every card as JSON Lines")
    lint = command(card_actions, "lint", "deck problems as file:line; exit 1 on errors")
    lint.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="deck files or folders to check (default: every loaded deck)",
    )
    lint.add_argument(
        "--all",
        action="store_true",
        help="list every warning (by default, after 3 of one kind in a file, a count)",
    )
    command(card_actions, "stats", "counts per deck, topic and level")
    show = command(card_actions, "show", "one card rendered")
    show.add_argument("id", help="the card's id, or the start of it (cards export lists ids)")
    quality = command(
        card_actions,
        "quality",
        "answer statistics per card as JSON Lines, worst first: share right, discrimination, "
        "option picks, flags",
    )
    quality.add_argument(
        "--min-answers",
        type=positive_int,
        default=MIN_ANSWERS,
        metavar="N",
        help="answers a card needs before it is flagged (default: %(default)s)",
    )
    command(
        card_actions,
        "reports",
        "players' reports of questions and their state (open, keep, hold, accept, void), as "
        "JSON Lines",
    )

    questions = command(commands, "questions", "questions as JSON Lines")
    questions.add_argument(
        "--count", type=positive_int, default=10, help="how many questions (default: %(default)s)"
    )
    questions.add_argument(
        "--seed",
        type=int,
        default=0,
        help="the same seed makes the same questions (default: %(default)s)",
    )
    questions.add_argument(
        "--format",
        choices=QUESTION_FORMATS,
        default=MIXED,
        help=f"question format: {describe_play_formats(QUESTION_FORMATS)}",
    )
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

    schedule = commands.add_parser("schedule", help="daily schedules: preview, list")
    schedule_actions = schedule.add_subparsers(
        dest="schedule_command", required=True, metavar="ACTION"
    )
    preview = command(schedule_actions, "preview", "the posts a schedule would make")
    preview.add_argument("--time", required=True, help="local time HH:MM, e.g. 09:00")
    preview.add_argument("--tz", required=True, help="IANA time zone, e.g. Europe/Berlin")
    preview.add_argument(
        "--weekdays",
        default="mon-fri",
        help="days to post, e.g. mon,wed,fri (default: %(default)s)",
    )
    preview.add_argument(
        "--from", dest="start", metavar="DATE", required=True, help="first local date, YYYY-MM-DD"
    )
    preview.add_argument(
        "--days",
        type=bounded_int(DAYS_MAX),
        required=True,
        help=f"how many days to preview, 1 to {DAYS_MAX:,}",
    )
    command(schedule_actions, "list", "schedules stored in the database")

    board = command(commands, "leaderboard", "standings from the database")
    board.add_argument(
        "--period",
        choices=["week", "month", "all"],
        default="all",
        help="this week, this month or all time (default: %(default)s)",
    )

    db = commands.add_parser("db", help="database maintenance: backup, prune, migrate")
    db_actions = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    backup = command(db_actions, "backup", "consistent copy of the live database")
    backup.add_argument("path", help="the backup file to write, e.g. backups/quizbot.db")
    migrate = command(
        db_actions, "migrate", "copy this SQLite database into an empty PostgreSQL database"
    )
    migrate.add_argument(
        "--to",
        required=True,
        metavar="URL",
        help="the empty PostgreSQL database: postgresql://USER:PASSWORD@HOST:5432/DATABASE",
    )
    pruning = command(
        db_actions, "prune", "apply the retention policy now (the running bot does so hourly)"
    )
    pruning.add_argument(
        "--dry-run", action="store_true", help="only show what it would remove; change nothing"
    )

    command(commands, "run", "start every chat platform the environment configures")
    command(commands, "health", "exit 0 when the running bot's heartbeats are fresh")
    for leaf in leaves:
        _global_options(leaf, after_command=True)
    return parser


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be 1 or more")
    return value


NAME_MAX = 64  # a leaderboard row's name


def player_name(text: str) -> str:
    """A name as it will show on leaderboards: printable, one line, at most NAME_MAX long."""
    name = " ".join(text.split())
    if not name:
        raise argparse.ArgumentTypeError("is empty: give a name, or leave --user out")
    if len(name) > NAME_MAX or not name.isprintable():
        raise argparse.ArgumentTypeError(
            f"must be one line of at most {NAME_MAX} printable characters"
        )
    return name


def bounded_int(maximum: int) -> Callable[[str], int]:
    """A whole number from 1 to `maximum` (argparse names the option in its error)."""

    def parse(text: str) -> int:
        value = positive_int(text)
        if value > maximum:
            raise argparse.ArgumentTypeError(f"{text!r} is more than {maximum:,}")
        return value

    return parse


def command_path(args: argparse.Namespace) -> str:
    parts = [args.command]
    sub = getattr(args, f"{args.command}_command", None)
    if sub:
        parts.append(sub)
    return " ".join(parts)


def merge_global_options(args: argparse.Namespace) -> argparse.Namespace:
    """--db / --seeds given after the command join those given before it."""
    after = vars(args)
    db_after = after.pop("db_after", None)
    seeds_after = after.pop("seeds_after", None)
    if db_after is not None:
        args.db = db_after
    if seeds_after:
        args.seeds = [*(args.seeds or []), *seeds_after]
    return args


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        # A terminal or pipe that cannot show "η" (PYTHONIOENCODING=ascii, a Latin-1 locale)
        # gets "\u03b7" rather than a UnicodeEncodeError; in JSON Lines that is still η.
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors=UNENCODABLE)
    args = merge_global_options(build_parser().parse_args(argv))
    name = command_path(args)
    module_name, function_name = HANDLERS[name].split(":")
    try:
        check_locations(args)
        handler = getattr(importlib.import_module(module_name), function_name)
        return int(handler(args) or 0)
    except LocationError as problem:
        print(f"quizbot {name}: {problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `quizbot cards export | head` is normal use, not a failure.
        sys.stderr.close()
        return 0
    except OSError as problem:
        # A full disk, a folder that went away, a file without permission: what and where,
        # not a traceback (each command explains the cases it expects itself).
        print(f"quizbot {name}: {describe_os_error(problem)}", file=sys.stderr)
        return 1


UNENCODABLE = "quizbot-json-escape"


def _json_escape(error: UnicodeError) -> tuple[str, int]:
    """Characters the output cannot encode, as JSON's \\uXXXX escapes (surrogate pairs
    beyond the first plane): valid inside a JSON string, readable anywhere else."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    escaped = []
    for char in error.object[error.start : error.end]:
        code = ord(char)
        if code > 0xFFFF:
            code -= 0x10000
            escaped.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
        else:
            escaped.append(f"\\u{code:04x}")
    return "".join(escaped), error.end


codecs.register_error(UNENCODABLE, _json_escape)


def check_locations(args: argparse.Namespace) -> None:
    """The deck folders and database file the operator named exist and are usable, checked
    before any command runs (LocationError names the option or variable)."""
    seed_dirs(args.seeds)
    db_path(args.db)


def describe_os_error(problem: OSError) -> str:
    where = f"{problem.filename}: " if problem.filename else ""
    what = problem.strerror or str(problem) or type(problem).__name__
    return f"{where}{what[:1].lower()}{what[1:]}"


if __name__ == "__main__":
    sys.exit(main())
