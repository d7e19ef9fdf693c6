"""`quizbot leaderboard`: every place's standings, each named the way its people say it
("Terminal games", "Discord server 1234", "Slack workspace T0123")."""

from __future__ import annotations

import argparse

from adapters import registry
from bot.engine_cli import run_leaderboard as run_boards

# adapters.console.play's Place("console", "local", ...): every terminal game on this machine.
TERMINAL = "console"
TERMINAL_TITLE = "Terminal games"


def board_title(platform: str, server: str) -> str:
    if platform == TERMINAL:
        return TERMINAL_TITLE
    for known in registry.PLATFORMS:
        if known.name == platform:
            return known.board_title.format(server=server)
    return f"{platform} {server}"


def run_leaderboard(args: argparse.Namespace) -> int:
    return run_boards(args, title=board_title)
