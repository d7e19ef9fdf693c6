"""The terminal quiz, driven as a user would: a real process, answers piped on stdin."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

QUIZBOT = [sys.executable, "-m", "bot.cli"]


def quizbot(*args: str, stdin: str = "", db: Path, env: dict[str, str] | None = None):
    return subprocess.run(
        [*QUIZBOT, "--db", str(db), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "100", **(env or {})},
    )


def expected_answers(count: int, seed: int, fmt: str) -> list[str]:
    """The right letters for the questions `play` will ask, from the same generator."""
    out = subprocess.run(
        [*QUIZBOT, "questions", "--count", str(count), "--seed", str(seed), "--format", fmt],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return ["ABCD"[json.loads(line)["answer_index"]] for line in out.splitlines()]


def test_right_answers_score_and_reach_the_leaderboard(tmp_path):
    db = tmp_path / "nested" / "quiz.db"  # parent folders are created
    letters = expected_answers(3, 11, "choice")
    run = quizbot(
        "play",
        "--count",
        "3",
        "--seed",
        "11",
        "--format",
        "choice",
        "--user",
        "ada",
        stdin="\n".join(letters) + "\n",
        db=db,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("Right! +") == 3
    assert "Final score:" in run.stdout and "after 3 questions" in run.stdout

    board = quizbot("leaderboard", "--period", "all", db=db)
    assert board.returncode == 0
    row = next(line for line in board.stdout.splitlines() if "ada" in line).split()
    assert row[0] == "1" and row[-2:] == ["3", "3"]  # answered 3, correct 3


def test_invalid_input_is_asked_again_with_a_hint(tmp_path):
    letters = expected_answers(1, 5, "choice")
    run = quizbot(
        "play",
        "--count",
        "1",
        "--seed",
        "5",
        "--format",
        "choice",
        stdin=f"zebra\n\n{letters[0].lower()}\n",
        db=tmp_path / "q.db",
    )
    assert run.returncode == 0
    assert "'zebra' is not an option: type one letter, A, B, C, D" in run.stdout
    assert "Right! +" in run.stdout


def test_end_of_input_stops_cleanly_with_the_score_so_far(tmp_path):
    letters = expected_answers(4, 9, "choice")
    run = quizbot(
        "play",
        "--count",
        "4",
        "--seed",
        "9",
        "--format",
        "choice",
        stdin=letters[0] + "\n",
        db=tmp_path / "q.db",
    )
    assert run.returncode == 0, run.stderr
    assert "(end of input)" in run.stdout
    assert "after 1 question," in run.stdout
    assert "Traceback" not in run.stdout + run.stderr


def test_a_wrong_answer_reveals_the_right_one(tmp_path):
    right = expected_answers(1, 2, "choice")[0]
    wrong = "A" if right != "A" else "B"
    run = quizbot(
        "play",
        "--count",
        "1",
        "--seed",
        "2",
        "--format",
        "choice",
        stdin=wrong + "\n",
        db=tmp_path / "q.db",
    )
    assert f"The answer was {right}." in run.stdout
    assert "Final score: 0" in run.stdout


def test_cloze_questions_blank_a_key_term(tmp_path):
    run = quizbot(
        "play",
        "--count",
        "2",
        "--seed",
        "4",
        "--format",
        "cloze",
        stdin="q\n",
        db=tmp_path / "q.db",
    )
    assert run.returncode == 0
    assert "_____" in run.stdout


def test_unknown_topic_is_refused_with_the_closest_topics(tmp_path):
    run = quizbot("play", "--topic", "perceptorn", stdin="", db=tmp_path / "q.db")
    assert run.returncode == 2
    assert "perceptorn" in run.stderr and "closest:" in run.stderr
    assert "Perceptron Loss Function" in run.stderr


def test_unwritable_database_location_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    run = quizbot("play", "--count", "1", stdin="a\n", db=blocker / "q.db")
    assert run.returncode == 1
    assert str(blocker) in run.stderr
    assert "Traceback" not in run.stderr


def test_quizbot_db_environment_variable_is_used(tmp_path):
    db = tmp_path / "from-env.db"
    run = subprocess.run(
        [*QUIZBOT, "play", "--count", "1", "--seed", "1"],
        input="a\n",
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "QUIZBOT_DB": str(db)},
    )
    assert run.returncode == 0, run.stderr
    assert db.exists()


def test_reveal_explains_every_option_of_an_authored_question(tmp_path):
    out = subprocess.run(
        [*QUIZBOT, "questions", "--count", "1", "--seed", "3", "--format", "choice"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    asked = json.loads(out)
    assert asked["origin"] == "authored"
    run = quizbot(
        "play", "--count", "1", "--seed", "3", "--format", "choice", stdin="a\n",
        db=tmp_path / "q.db", env={"COLUMNS": "400"},
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    reveal = " ".join(run.stdout.split("Reveal:")[1].split())
    for why in asked["explanations"]:
        assert " ".join(why.split()) in reveal
    assert f"✓ {'ABCD'[asked['answer_index']]}" in reveal


def test_the_game_counts_questions_and_explains_points(tmp_path):
    letters = expected_answers(2, 11, "choice")
    run = quizbot(
        "play", "--count", "2", "--seed", "11", "--format", "choice", "--user", "ada",
        stdin="\n".join(letters) + "\n", db=tmp_path / "q.db",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "Question 1/2" in run.stdout and "Question 2/2" in run.stdout
    breakdown = r"Right! \+(\d+) points \(\+(\d+) (core|advanced)(?:, \+(\d+) speed)?\)"
    breakdowns = re.findall(breakdown, run.stdout)
    assert len(breakdowns) == 2, run.stdout
    for total, base, level, speed in breakdowns:
        assert int(base) == (15 if level == "advanced" else 10)
        assert int(total) == int(base) + int(speed or 0)


def test_the_leaderboard_is_titled_in_words_people_use(tmp_path):
    db = tmp_path / "q.db"
    quizbot("play", "--count", "1", "--seed", "1", stdin="a\n", db=db)
    board = quizbot("leaderboard", db=db)
    assert board.stdout.splitlines()[0] == "Terminal games · all time"
    week = quizbot("leaderboard", "--period", "week", db=db)
    assert re.fullmatch(r"Terminal games · week \d{4}-W\d\d", week.stdout.splitlines()[0])


def test_the_standings_hint_is_a_command_that_works_from_here(tmp_path):
    """`quizbot` is not on PATH after `make play`: the hint names what is."""
    db = tmp_path / "q.db"
    env = {k: v for k, v in os.environ.items() if k != "MAKELEVEL"}
    env["PATH"] = "/usr/bin:/bin"  # no quizbot on it, as on a fresh machine
    run = subprocess.run(
        [*QUIZBOT, "--db", str(db), "play", "--count", "1", "--seed", "1"],
        input="a\n", capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    hint = run.stdout.splitlines()[-1]
    assert hint.startswith("Standings: ")
    program, *rest = hint.removeprefix("Standings: ").split()
    assert rest == ["leaderboard", "--db", str(db)]
    listed = subprocess.run(
        [program, *rest], capture_output=True, text=True, timeout=60, env=env, cwd=Path.cwd()
    )
    assert listed.returncode == 0 and "Terminal games" in listed.stdout
    under_make = quizbot("play", "--count", "1", stdin="q\n", db=db, env={"MAKELEVEL": "1"})
    assert under_make.stdout.splitlines()[-1] == f'Standings: make leaderboard ARGS="--db {db}"'


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--topic", "open-questions"], "holds only discussion prompts"),
        (["--topic", "gradient", "--level", "advanced"],
         "--level advanced left nothing: topic 'Gradient Descent and Its Variants' has core "
         "cards only"),
        (["--topic", "perceptorn"], "Every topic: `"),
    ],
)  # fmt: skip
def test_an_empty_selection_names_the_filter_that_emptied_it(tmp_path, argv, says):
    run = quizbot("play", *argv, stdin="", db=tmp_path / "q.db")
    assert run.returncode == 2
    assert says in run.stderr
    assert "cards stats" in run.stderr  # where to see what there is
    assert run.stderr.count("\n") == 1 and "no cards match" not in run.stderr


def _typed_keys(seed: int) -> list[str]:
    out = subprocess.run(
        [*QUIZBOT, "questions", "--count", "3", "--seed", str(seed), "--format", "typed"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return [json.loads(line)["accepted"][0] for line in out.splitlines()]


def test_typed_questions_read_one_answer_per_line(tmp_path):
    # A seed whose third answer is a word long enough that a doubled letter is a typo, not
    # another answer (many keys are short: "1", "B", "skip").
    seed, (first, second, third) = next(
        (s, keys)
        for s in range(8, 40)
        if (keys := _typed_keys(s))[2].replace(" ", "").isalpha() and len(keys[2]) >= 6
    )
    # Right in other case; wrong; right with a letter doubled (read tolerantly, and said so).
    loose = third[:4] + third[3] + third[4:]
    db = tmp_path / "q.db"
    run = quizbot(
        "play", "--count", "3", "--seed", str(seed), "--format", "typed", "--user", "ada",
        stdin=f"{first.upper()}\n\n  nothing like it \n{loose}\n", db=db,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("Right! +") == 2
    assert "Nothing typed: type your answer" in run.stdout  # the empty line is asked again
    assert f"The answer was {second}." in run.stdout
    assert f"Read as {third!r}." in run.stdout
    assert "Accepted:" in run.stdout and "'nothing like it' ✗ ×1" in run.stdout
    board = quizbot("leaderboard", "--period", "all", db=db)
    row = next(line for line in board.stdout.splitlines() if "ada" in line).split()
    assert row[-2:] == ["3", "2"]  # answered 3, correct 2
    export = quizbot("export", "answers", db=db).stdout
    said = [a["option"] for a in csv.DictReader(io.StringIO(export))]
    assert said == [first.upper(), "nothing like it", loose]  # as typed, spaces trimmed


def test_h_gives_the_hint_once_then_only_the_options_left_and_half_the_points(tmp_path):
    db = tmp_path / "q.db"
    [letter] = expected_answers(1, 11, "choice")
    run = quizbot(
        "play", "--count", "1", "--seed", "11", "--format", "choice", "--user", "ada",
        stdin=f"h\n{letter}\n", db=db,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert re.search(r"Your answer \(A-D, h for a hint \(-\d+ points\), q to quit\)", run.stdout)
    said = re.search(r"It is not ([A-D]) or ([A-D])\. Still in: ([A-D]), ([A-D])\.", run.stdout)
    assert said and letter not in said.group(1, 2) and letter in said.group(3, 4)
    # After the hint only the two options left are asked for, and no second hint.
    a, b = said[3], said[4]
    shown = f"{a}-{b}" if ord(b) - ord(a) == 1 else f"{a}/{b}"
    assert f"Your answer ({shown}, q to quit)" in run.stdout
    with sqlite3.connect(db) as conn:
        hints, points = conn.execute("SELECT hints, points FROM answers").fetchone()
    assert hints == 1
    points_line = re.search(r"Right! \+(\d+) points \(\+(\d+) \w+, -(\d+) hint", run.stdout)
    assert points_line and int(points_line[1]) == points
    assert int(points_line[3]) == int(points_line[2]) // 2  # half the base
    export = quizbot("export", "answers", db=db).stdout
    [row] = csv.DictReader(io.StringIO(export))
    assert (row["option"], row["hints"], row["points"]) == (letter, "1", str(points))


def test_h_on_a_typed_question_spells_the_start(tmp_path):
    db = tmp_path / "q.db"
    run = quizbot(
        "play", "--count", "1", "--seed", "2", "--format", "typed", stdin="h\nq\n", db=db,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert re.search(r"Hint \(a right answer now earns \d+ points less\): \S", run.stdout)
    assert re.search(r"\(\d+(\+\d+)* (letters?|characters?)\)", run.stdout)
