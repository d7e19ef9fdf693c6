"""Every wrong input we could think of gets a clear message and a non-zero exit, never a
traceback: the command line, the environment of `quizbot run`, and the files they name."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main

REPO = Path(__file__).resolve().parents[2]
PREVIEW = ["schedule", "preview", "--time", "09:00", "--tz", "UTC", "--from", "2026-01-05"]


@pytest.fixture
def places(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n")
    return {"dir": str(tmp_path), "text": str(text), "missing": str(tmp_path / "no" / "such")}


CASES = [
    # (argv, environment, exit code, what the message says)
    ([], {}, 2, "the following arguments are required: COMMAND"),
    (["nonsense"], {}, 2, "invalid choice: 'nonsense'"),
    (["play", "--count", "0"], {}, 2, "'0' must be 1 or more"),
    (["play", "--count", "many"], {}, 2, "'many' is not a whole number"),
    (["play", "--level", "expert"], {}, 2, "invalid choice: 'expert'"),
    (["play", "--format", "essay"], {}, 2, "invalid choice: 'essay'"),
    (["play", "--seed", "x"], {}, 2, "invalid int value: 'x'"),
    (["play", "--user", " "], {}, 2, "--user: is empty"),
    (["play", "--user", "ada\x1b[31m"], {}, 2, "--user: must be one line"),
    (["play", "--topic", "zzz"], {}, 2, "no topic matches 'zzz'"),
    (["play", "--topic", "open-questions"], {}, 2, "holds only discussion prompts"),
    (["play", "--topic", "gradient", "--level", "advanced"], {}, 2, "--level advanced left"),
    (["play", "--seeds", "{missing}"], {}, 2, "--seeds {missing}: no such folder"),
    (["play", "--db", "{text}/q.db"], {}, 1, "is not a folder"),
    (["questions", "--count", "-5"], {}, 2, "'-5' must be 1 or more"),
    (["cards", "show", "zzzz"], {}, 1, "no card with id 'zzzz'"),
    (["cards", "lint", "{missing}"], {}, 2, "no such file or folder: {missing}"),
    (["cards", "stats"], {"QUIZBOT_SEEDS": "{missing}"}, 2, "QUIZBOT_SEEDS {missing}: no such"),
    ([*PREVIEW[:-2], "--from", "9999-12-30", "--days", "5"], {}, 2, "outside the calendar"),
    ([*PREVIEW, "--days", "10000000"], {}, 2, "'10000000' is more than 36,600"),
    ([*PREVIEW, "--days", "2", "--tz", "Mars/Base"], {}, 2, "Unknown time zone 'Mars/Base'"),
    ([*PREVIEW, "--days", "2", "--time", "25:00"], {}, 2, "Bad time '25:00'"),
    (["schedule", "list", "--db", "{text}"], {}, 1, "not a SQLite database"),
    (["leaderboard", "--db", "{text}"], {}, 1, "not a SQLite database"),
    (["leaderboard", "--db", "{dir}"], {}, 1, "is a folder"),
    (["leaderboard"], {"QUIZBOT_DB": "/dev/null"}, 2, "QUIZBOT_DB /dev/null: not a regular"),
    (["health", "--db", "/dev/null"], {}, 2, "--db /dev/null: not a regular file"),
    (["db", "backup", "/proc/quizbot.db", "--db", "{missing}"], {}, 1, "no database there"),
    (["run"], {}, 2, "no platform is configured"),
    (["run"], {"SLACK_BOT_TOKEN": "wrong", "SLACK_APP_TOKEN": "xapp-1"}, 2,
     "SLACK_BOT_TOKEN does not look like a bot token 'xoxb-...'"),
    (["run"], {"DISCORD_TOKEN": "wrong"}, 2, "DISCORD_TOKEN does not look like a bot token"),
    (["run"], {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1",
               "QUIZBOT_HTTP_PORT": "http"}, 2, "QUIZBOT_HTTP_PORT='http'"),
    (["run"], {"QUIZBOT_CONFIG": "{missing}"}, 2, "no such file"),
    (["run"], {"QUIZBOT_CONFIG": "{dir}"}, 2, "cannot read it"),
    (["run"], {"QUIZBOT_CONFIG": "{text}"}, 2, "not valid TOML"),
    (["run"], {"QUIZBOT_SEEDS": "{missing}"}, 2, "QUIZBOT_SEEDS {missing}: no such folder"),
    (["run"], {"QUIZBOT_GRACE_MINUTES": "-1"}, 2, "QUIZBOT_GRACE_MINUTES='-1' must be"),
    (["run"], {"QUIZBOT_LOG_LEVEL": "loud"}, 2, "QUIZBOT_LOG_LEVEL='LOUD'"),
]  # fmt: skip


@pytest.mark.parametrize(("argv", "env", "code", "says"), CASES)
def test_a_wrong_input_is_one_clear_line(argv, env, code, says, places, capsys, monkeypatch):
    for name in [k for k in os.environ if k.startswith(("QUIZBOT_", "DISCORD_", "SLACK_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("QUIZBOT_DB", str(Path(places["dir"]) / "quiz.db"))
    for name, value in env.items():
        monkeypatch.setenv(name, value.format(**places))
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    try:
        result = main([arg.format(**places) for arg in argv])
    except SystemExit as exit_:  # argparse: usage, then the error line
        result = exit_.code
    out, err = capsys.readouterr()
    assert result == code, err
    message = err.strip().splitlines()
    assert message and says.format(**places) in message[-1], err
    if not message[-1].startswith("usage:") and not err.startswith("usage:"):
        assert len(message) == 1, err  # one line, not a listing or a traceback
    assert "Traceback" not in out + err


def run_cli(*argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *argv],
        capture_output=True, text=True, timeout=60, cwd=REPO,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("QUIZBOT_")}, **env},
    )  # fmt: skip


def test_output_that_cannot_show_a_character_escapes_it(tmp_path):
    """PYTHONIOENCODING=ascii (or a Latin-1 locale) used to end `cards show` in a
    UnicodeEncodeError; JSON Lines stay valid JSON with the same text."""
    shown = run_cli("cards", "show", "8c52712b0e17", PYTHONIOENCODING="ascii")
    assert shown.returncode == 0 and "Traceback" not in shown.stderr
    assert "\\u00b7" in shown.stdout  # the middle dot of "deck · topic"
    exported = run_cli("cards", "export", PYTHONIOENCODING="ascii")
    plain = run_cli("cards", "export")
    assert exported.returncode == 0 and exported.stdout.isascii()
    assert [json.loads(line) for line in exported.stdout.splitlines()] == [
        json.loads(line) for line in plain.stdout.splitlines()
    ]


def test_a_full_disk_is_one_line(tmp_path):
    with open("/dev/full", "w") as full:
        run = subprocess.run(
            [sys.executable, "-m", "bot.cli", "cards", "export"],
            stdout=full, stderr=subprocess.PIPE, text=True, timeout=60, cwd=REPO,
        )  # fmt: skip
    assert run.returncode == 1
    assert run.stderr == "quizbot cards export: no space left on device\n"
