"""`r` after a reveal reports the question; `quizbot cards reports` lists the reports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

QUIZBOT = [sys.executable, "-m", "bot.cli"]


def quizbot(*args: str, stdin: str = "", db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*QUIZBOT, "--db", str(db), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "100"},
    )


def play(db: Path, stdin: str) -> subprocess.CompletedProcess[str]:
    return quizbot(
        "play", "--count", "2", "--seed", "5", "--format", "choice", "--user", "ada",
        stdin=stdin, db=db,
    )  # fmt: skip


def test_r_after_a_reveal_reports_that_question_and_the_cli_lists_it(tmp_path):
    db = tmp_path / "quiz.db"
    assert quizbot("cards", "reports", db=db).stdout == ""  # no database: nothing, none made
    assert not db.exists()
    run = play(db, "A\nr\n2\nB and C both fit\nB\n")
    assert run.returncode == 0, run.stderr
    assert "r to report the last question" in run.stdout
    assert "Thank you, your report is in (two answers are right)" in run.stdout
    assert "after 2 questions" in run.stdout
    listed = quizbot("cards", "reports", db=db)
    assert listed.returncode == 0, listed.stderr
    (line,) = listed.stdout.splitlines()
    report = json.loads(line)
    assert report["reason"] == "two_right" and report["text"] == "B and C both fit"
    assert report["state"] == "open" and report["held"] is False
    assert report["platform"] == "console" and report["player"] == "ada"
    exported = quizbot("questions", "--count", "2", "--seed", "5", "--format", "choice", db=db)
    first = json.loads(exported.stdout.splitlines()[0])
    assert report["card_id"] == first["card_id"]


def test_a_bad_reason_or_an_overlong_note_is_refused_and_the_game_goes_on(tmp_path):
    db = tmp_path / "quiz.db"
    run = play(db, "A\nr\n9\n\nr\n1\n" + "x" * 10_000 + "\nB\n")
    assert run.returncode == 0, run.stderr
    assert "'9' is not one of the reasons" in run.stdout
    assert "Your note is 10000 characters; the limit is 500" in run.stdout
    assert "after 2 questions" in run.stdout
    assert quizbot("cards", "reports", db=db).stdout == ""


def test_r_before_any_reveal_is_not_an_answer(tmp_path):
    run = play(tmp_path / "quiz.db", "r\nA\nB\n")
    assert "'r' is not an option" in run.stdout


def test_the_last_question_of_a_game_can_be_reported_too(tmp_path):
    db = tmp_path / "quiz.db"
    run = play(db, "A\nB\nReport\n1\nthe key is wrong\n")
    assert run.returncode == 0, run.stderr
    assert "That was the last question. Press Enter to finish, or r" in run.stdout
    assert "Thank you, your report is in (wrong answer key)" in run.stdout
    assert run.stdout.index("Thank you") < run.stdout.index("Final score")
    (line,) = quizbot("cards", "reports", db=db).stdout.splitlines()
    exported = quizbot("questions", "--count", "2", "--seed", "5", "--format", "choice", db=db)
    second = json.loads(exported.stdout.splitlines()[1])
    assert json.loads(line)["card_id"] == second["card_id"]
    # Enter (or the end of input) just ends the game.
    assert "Final score" in play(tmp_path / "other.db", "A\nB\n\n").stdout
