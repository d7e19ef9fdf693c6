"""`quizbot cards ...` as a user runs it: real processes, exit codes, output format."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

# This checkout's code, whichever checkout runs the tests (not an installed quizbot).
REPO = Path(__file__).resolve().parents[2]
QUIZBOT = [sys.executable, "-m", "bot.cli"]


def quizbot(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k != "QUIZBOT_SEEDS"}
    full_env.update(env or {})
    return subprocess.run(
        [*QUIZBOT, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=full_env,
        check=False,
        cwd=REPO,
    )


def test_export_is_json_lines_in_stable_order() -> None:
    first = quizbot("cards", "export")
    assert first.returncode == 0, first.stderr
    rows = [json.loads(line) for line in first.stdout.splitlines()]
    assert len(rows) == 234
    assert list(rows[0]) == [
        "id",
        "deck",
        "topic",
        "level",
        "kind",
        "number",
        "question",
        "answer",
        "source",
    ]
    assert rows[0]["source"] == "deep-learning-qa.md:11"
    assert rows[-1]["kind"] == "prompt"
    assert quizbot("cards", "export").stdout == first.stdout


def test_lint_of_the_shipped_decks_exits_0_with_warnings() -> None:
    result = quizbot("cards", "lint")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    warnings = [line for line in lines if ": warning: " in line]
    notes = [line for line in lines if ": note: erratum for the card at " in line]
    assert len(warnings) == 4 and len(notes) == 28 and len(lines) == 32
    assert warnings[0].startswith("deep-learning-qa.md:111: warning: identical answers")
    assert "234 cards in 2 decks; 0 errors, 4 warnings; 28 errata" in result.stderr


def test_lint_of_broken_decks_exits_1_and_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "binary.md").write_bytes(b"\x00\x01\x02")
    (tmp_path / "no-answer.md").write_text(
        "| # | Question | Answer |\n|---|---|---|\n| 1 | Q? |  |\n", encoding="utf-8"
    )
    (tmp_path / "no-question-column.md").write_text(
        "| Name | Value | Unit |\n|---|---|---|\n| x | 1 | m |\n", encoding="utf-8"
    )
    (tmp_path / "good.csv").write_text("Why?,Because\n", encoding="utf-8")
    result = quizbot("cards", "lint", str(tmp_path))
    assert result.returncode == 1
    assert "binary.md:1: error: not a text file" in result.stdout
    assert "no-answer.md:3: error: row 1 has a question and no answer" in result.stdout
    assert "no-question-column.md:1: error: table has no question column" in result.stdout
    assert "Traceback" not in result.stderr
    assert "1 cards in 1 deck; 4 errors" in result.stderr


def test_broken_extra_folder_still_loads_the_shipped_decks(tmp_path: Path) -> None:
    (tmp_path / "binary.md").write_bytes(b"\x00\xff")
    result = quizbot("--seeds", str(tmp_path), "cards", "export")
    assert result.returncode == 0
    assert len(result.stdout.splitlines()) == 234
    assert "1 error" in result.stderr


def test_extra_decks_come_from_the_environment(tmp_path: Path) -> None:
    (tmp_path / "team.yaml").write_text("What is Adam?:\n- an optimizer\n", encoding="utf-8")
    result = quizbot("cards", "export", env={"QUIZBOT_SEEDS": str(tmp_path)})
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows[-1]["deck"] == "team" and rows[-1]["answer"] == "an optimizer"


def test_stats_counts_per_deck_topic_and_level() -> None:
    result = quizbot("cards", "stats")
    assert result.returncode == 0
    out = result.stdout
    assert "Gradient Descent and Its Variants" in out
    assert "deep-learning-qa: 220 cards (core 180, advanced 40)" in out
    assert "open-questions: 14 cards (core 14)" in out


def test_show_renders_one_card_by_id_or_prefix() -> None:
    card = json.loads(quizbot("cards", "export").stdout.splitlines()[0])
    result = quizbot("cards", "show", card["id"][:6])
    assert result.returncode == 0, result.stderr
    assert "primary objective" in result.stdout
    assert "deep-learning-qa.md:11" in result.stdout
    assert "**" not in result.stdout  # bold is styled, not shown as stars


def test_show_unknown_id_exits_1_and_points_to_export() -> None:
    result = quizbot("cards", "show", "doesnotexist")
    assert result.returncode == 1
    assert "no card with id 'doesnotexist'" in result.stderr
    assert "quizbot cards export" in result.stderr
    assert "Traceback" not in result.stderr
