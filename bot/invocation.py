"""How to tell a person to run another quizbot command, written so that it works from where
they ran this one: after `make play` there is no `quizbot` on their PATH."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

from bot.paths import default_db_path

# quizbot commands the Makefile runs (`make play`, `make leaderboard`).
MAKE_TARGETS = frozenset({"play", "leaderboard"})


def command_hint(command: str, db: Path | None = None) -> str:
    """`make leaderboard` under make, `quizbot leaderboard` when that is on PATH, else the
    path of the program running now (`.venv/bin/quizbot leaderboard`). A database other than
    the default is named, so the command reads the same one."""
    options = f"--db {shlex.quote(str(db))}" if db and db != default_db_path() else ""
    if os.environ.get("MAKELEVEL") and command.split()[0] in MAKE_TARGETS:
        return f"make {command}" + (f' ARGS="{options}"' if options else "")
    return " ".join(part for part in (program(), command, options) if part)


def program() -> str:
    """`quizbot` if that name runs this program, else its path (relative when below here)."""
    running = Path(sys.argv[0]).resolve() if sys.argv and sys.argv[0] else None
    if running is None or running.name != "quizbot":
        # `python -m bot.cli` (tests, a checkout): the installed script beside this Python.
        beside = Path(sys.executable).with_name("quizbot")
        running = beside.resolve() if beside.exists() else None
    on_path = shutil.which("quizbot")
    if running is None or (on_path and Path(on_path).resolve() == running):
        return "quizbot"
    try:
        return str(running.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(running)
