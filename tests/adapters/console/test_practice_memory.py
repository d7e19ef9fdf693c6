"""`quizbot play --practice`, `quizbot stats` and `quizbot export`, run as a user would: a real
process over a real database file."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import datetime

from fsrs import Card, Rating, ReviewLog
from test_play import quizbot

from bot.engine.memory import SCHEDULER


def practise(db, *letters, user="ada"):
    run = quizbot(
        # Choice: "mixed" asks a short-answer card typed, where a letter is a typed answer.
        "play", "--practice", "--user", user, "--count", str(len(letters)), "--format", "choice",
        stdin="\n".join(letters) + "\n", db=db,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    return run


def test_practice_in_the_terminal_feeds_stats_and_the_review_log(tmp_path):
    db = tmp_path / "quiz.db"
    run = practise(db, "a", "b", "c", "d")
    assert "Practised 4 cards" in run.stdout and "stats --user ada" in run.stdout

    stats = quizbot("stats", "--user", "ada", "--json", db=db)
    assert stats.returncode == 0, stats.stderr
    found = json.loads(stats.stdout)
    assert found["player"] == "ada" and found["platform"] == "console"
    assert sum(t["seen"] for t in found["topics"]) == 4
    answers = list(csv.DictReader(io.StringIO(quizbot("export", "answers", db=db).stdout)))
    wrong = sum(a["correct"] == "0" for a in answers)
    # A card answered wrong is due again within minutes (a quick right one, Easy, in days).
    assert sum(t["due_this_week"] for t in found["topics"]) >= wrong
    assert all(0 <= t["recall"] <= 1 for t in found["topics"])
    assert 1 <= len(found["weakest"]) <= 3

    team = quizbot("stats", "--team", "--json", db=db)
    assert team.returncode == 0, team.stderr
    found_team = json.loads(team.stdout)
    assert found_team["players"] == 1 and found_team["days"] == 30
    assert sum(t["players"] for t in found_team["topics"]) >= 1
    assert found_team["unseen"] == found_team["cards"] - 4
    assert "Cards nobody has seen yet" in quizbot("stats", "--team", db=db).stdout
    both = quizbot("stats", "--team", "--user", "ada", db=db)
    assert both.returncode == 2 and "not allowed with" in both.stderr

    table = quizbot("stats", "--user", "ADA", db=db)  # a name in any case
    assert table.returncode == 0 and "Recall now" in table.stdout
    assert "Practise these:" in table.stdout

    assert [a["option"] for a in answers] == ["A", "B", "C", "D"]
    assert {a["player"] for a in answers} == {"ada"} and {a["mode"] for a in answers} == {
        "practice"
    }


def test_the_review_export_loads_back_into_fsrs_and_replays_to_the_same_card(tmp_path):
    db = tmp_path / "quiz.db"
    practise(db, "a", "b")
    practise(db, "a", "b", "c")  # the first cards may come back: they are due within minutes
    out = quizbot("export", "reviews", "--format", "csv", db=db)
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert len(rows) == 5
    logs = [
        ReviewLog(
            card_id=int(r["card_id"]),
            rating=Rating(int(r["review_rating"])),
            review_datetime=datetime.fromisoformat(r["review_datetime"]),
            review_duration=int(r["review_duration"]) if r["review_duration"] else None,
        )
        for r in rows
    ]
    # The optimizer's epoch-millisecond column and the text column say the same instant.
    for row, log in zip(rows, logs, strict=True):
        assert int(row["review_time"]) == int(log.review_datetime.timestamp() * 1000)
    # FSRS itself, replaying a card's exported log, reaches the state the bot stored.
    conn = sqlite3.connect(db)
    for card_id in {log.card_id for log in logs}:
        mine = [log for log in logs if log.card_id == card_id]
        replayed = SCHEDULER.reschedule_card(
            Card(card_id=card_id, due=mine[0].review_datetime), mine
        )
        stored = conn.execute(
            "SELECT state, stability, due FROM memory WHERE id=?", (card_id,)
        ).fetchone()
        assert int(replayed.state) == stored[0]
        assert abs(replayed.stability - stored[1]) < 1e-9
    conn.close()


def test_stats_for_nobody_and_exports_of_no_database(tmp_path):
    db = tmp_path / "none.db"
    assert "No answers yet" in quizbot("stats", "--user", "ada", db=db).stdout
    assert quizbot("export", "reviews", db=db).stdout.startswith("card_id,review_time,")
    assert not db.exists()  # reading never creates a database
    practise(db, "a")
    nobody = quizbot("stats", "--user", "bob", db=db)
    assert nobody.returncode == 0 and "bob has not answered any card yet" in nobody.stdout
