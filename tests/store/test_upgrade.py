"""The scores-and-storage migration on a database made by the schema before it, with data in
it: every
answer dated, streaks rebuilt from the answers, the server's zone from its first schedule,
each question stored once, revealed practice rounds with their answer only."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime

from fsrs import State

from bot.cards.model import Card
from bot.clock import FakeClock
from bot.engine import Engine
from bot.ports import MemoryPoster, Place, Player
from bot.store import Store
from bot.store.migrations import MIGRATIONS, _scores_and_storage, latest_version
from bot.store.sqlite import SqliteStorage

SCORES = next(v for v, step in MIGRATIONS if step is _scores_and_storage)
BEFORE = [m for m in MIGRATIONS if m[0] < SCORES]
BERLIN = Place("discord", "g1", "c1")
ADA = Player("discord", "u1", "Ada")

QUESTION = {
    "card_id": "card1",
    "format": "choice",
    "prompt": "What does ReLU output for -2?",
    "options": ["-2", "0", "2", "1"],
    "answer_index": 1,
    "origin": "authored",
    "explanations": ["no", "yes", "no", "no"],
    "erratum": "The card says -2.",
}


def _round(conn, rid, place, mode, state, opened, closes, *, tz="Europe/Berlin", quiz=None):
    conn.execute(
        "INSERT INTO rounds (id, platform, server_id, channel_id, mode, state, card_id, format,"
        " prompt, options_json, option_count, answer_index, question_json, card_json, topic,"
        " level, tz, owner_id, quiz_id, quiz_position, opened_at, closes_at, revealed_at,"
        " message_ref, reveal_json, reveal_delivered)"
        " VALUES (?,?,?,?,?,?,'card1','choice',?,?,4,1,?,?,'Activations','core',"
        " ?,?,?,?,?,?,?,?,?,1)",
        (
            rid, *place, mode, state, QUESTION["prompt"], json.dumps(QUESTION["options"]),
            json.dumps(QUESTION), json.dumps({"id": "card1", "answer": "Zero: max(0, x)."}), tz,
            "u1" if mode == "practice" else None, quiz, 1 if quiz else None, opened, closes,
            closes if state == "revealed" else None, f"m{rid}", '{"big": "reveal"}' * 20,
        ),
    )  # fmt: skip


def _answer(conn, rid, user, option, at, correct, points):
    conn.execute(
        "INSERT INTO answers (round_id, user_id, display_name, option_index, answered_at,"
        " correct, points) VALUES (?,?,?,?,?,?,?)",
        (rid, user, user.upper(), option, at, correct, points),
    )


def make_old_database(path) -> None:
    conn = sqlite3.connect(path)
    for number, sql in BEFORE:
        assert isinstance(sql, str)
        conn.executescript(sql)
        conn.execute(f"PRAGMA user_version = {number}")
    practice = ("discord", "practice", "practice:u1")
    for channel, tz, when in (
        ("c1", "Europe/Berlin", "2026-01-01"),
        ("c2", "Asia/Tokyo", "2026-02-01"),
    ):
        conn.execute(
            "INSERT INTO daily_schedules (platform, server_id, channel_id, post_time, tz,"
            " weekdays, reveal, updated_at) VALUES ('discord', 'g1', ?, '09:00', ?, 'mon-fri',"
            " '8h', ?)",
            (channel, tz, when + "T00:00:00.000000Z"),
        )
    # Mon 2 March 00:30 in Berlin (Sunday 23:30 UTC): a Monday for the streak.
    _round(
        conn,
        1,
        BERLIN_KEY,
        "daily",
        "revealed",
        "2026-03-01T21:00:00.000000Z",
        "2026-03-02T05:00:00.000000Z",
    )
    _answer(conn, 1, "u1", 1, "2026-03-01T23:30:00.000000Z", 1, 15)
    _answer(conn, 1, "u2", 0, "2026-03-01T23:40:00.000000Z", 0, 0)
    _round(
        conn,
        2,
        BERLIN_KEY,
        "daily",
        "revealed",
        "2026-03-03T08:00:00.000000Z",
        "2026-03-03T16:00:00.000000Z",
    )
    _answer(conn, 2, "u1", 1, "2026-03-03T08:05:00.000000Z", 1, 16)
    _round(
        conn,
        3,
        practice,
        "practice",
        "revealed",
        "2026-03-04T10:00:00.000000Z",
        "2026-03-04T11:00:00.000000Z",
        tz="UTC",
    )
    _answer(conn, 3, "u1", 1, "2026-03-04T10:01:00.000000Z", 1, 15)
    _round(
        conn,
        4,
        practice,
        "practice",
        "revealed",
        "2026-03-04T10:02:00.000000Z",
        "2026-03-04T11:02:00.000000Z",
        tz="UTC",
    )
    _round(
        conn,
        5,
        BERLIN_KEY,
        "daily",
        "open",
        "2026-03-04T08:00:00.000000Z",
        "2026-03-04T16:00:00.000000Z",
    )
    for qid, state, position in ((1, "finished", 1), (2, "running", 2)):
        conn.execute(
            "INSERT INTO quizzes (id, platform, server_id, channel_id, starter_id, starter_name,"
            " state, question_count, seconds, questions_json, position, started_at)"
            " VALUES (?, 'discord', 'g1', ?, 'u1', 'Ada', ?, 3, 30, ?, ?, '2026-03-04T09:00:00Z')",
            (qid, f"q{qid}", state, json.dumps([QUESTION] * 3), position),
        )
    _round(
        conn,
        6,
        ("discord", "g1", "q2"),
        "quiz",
        "revealed",
        "2026-03-04T09:00:00.000000Z",
        "2026-03-04T09:00:30.000000Z",
        quiz=2,
    )
    conn.execute("INSERT INTO players VALUES ('discord', 'u1', 'Ada')")
    conn.execute("INSERT INTO streaks VALUES ('discord', 'u1', 1, 1, '2026-03-04')")  # wrong
    conn.commit()
    conn.close()


BERLIN_KEY = ("discord", "g1", "c1")


async def test_upgrading_an_old_database_keeps_every_score_and_shrinks_rounds(tmp_path):
    path = tmp_path / "old.db"
    make_old_database(path)
    clock = FakeClock(datetime(2026, 3, 4, 10, 0, tzinfo=UTC))
    cards = [
        Card("card1", "deck", "Activations", "core", "qa", "1", "ReLU(-2)?", "Zero: max(0, x).",
             "d.md:1"),
    ]  # fmt: skip
    async with await Store.open(path) as store:
        assert await store.schema_version() == latest_version()
        columns = {r[1] for r in await store.fetchall("PRAGMA table_info(rounds)")}
        assert "question" in columns
        assert not columns & {"prompt", "options_json", "question_json", "card_json", "reveal_json"}
        days = {
            (r[0], r[1]): date.fromordinal(r[2])
            for r in await store.fetchall("SELECT round_id, user_id, day FROM answers")
        }
        assert days[1, "u1"] == date(2026, 3, 2)  # dated in the round's zone, Berlin
        assert days[3, "u1"] == date(2026, 3, 4)
        runs = await store.fetchall("SELECT first_day, last_day FROM streak_runs")
        assert [(date.fromordinal(a), date.fromordinal(b)) for a, b in runs] == [
            (date(2026, 3, 2), date(2026, 3, 4))
        ]  # rebuilt from the answers: Mon (Berlin), Tue, Wed (practice)
        zone = await store.fetchone("SELECT tz, channel_id FROM server_settings")
        assert tuple(zone) == ("Europe/Berlin", "c1")  # the first schedule's
        texts = {r[0]: r[1] for r in await store.fetchall("SELECT id, question FROM rounds")}
        assert json.loads(texts[1]) == {
            "prompt": QUESTION["prompt"],
            "options": QUESTION["options"],
            "explanations": QUESTION["explanations"],
            "erratum": QUESTION["erratum"],
        }
        assert texts[3] is None and texts[4] is not None and texts[5] is not None
        quizzes = {r[0]: (r[1], r[2]) for r in await store.fetchall(
            "SELECT id, questions_json, position FROM quizzes")}  # fmt: skip
        assert quizzes[1] == ("[]", 1)
        assert quizzes[2][1] == 1  # claimed question 2 but never stored it: ask it again
        engine = Engine(store, cards, clock, MemoryPoster(), None)
        stats = await engine.stats(ADA, BERLIN)
        assert (stats.current_streak, stats.best_streak, stats.name) == (3, 3, "Ada")
        again = await engine.reveal_of(1)
        assert again is not None and again.right == (("U1", 15),) and again.counts == (1, 1, 0, 0)
        assert again.answer == "Zero: max(0, x)." and again.erratum == QUESTION["erratum"]
        # A new answer dated and named as the new rules say.
        assert (await engine.answer(5, Player("discord", "u1", "Ada L."), 1)).status == "locked_in"
        clock.set(datetime(2026, 3, 4, 16, 0, tzinfo=UTC))
        reveal = await engine.reveal(5)
        assert reveal is not None and reveal.right[0][0] == "Ada L."
        board = await engine.leaderboard(BERLIN, "week")
        assert board.rows[0].name == "Ada L."


async def test_upgrading_replays_the_revealed_answers_into_each_players_memory(tmp_path):
    path = tmp_path / "old.db"
    make_old_database(path)
    async with await Store.open(path) as store:
        rows = await store.fetchall(
            "SELECT m.user_id, r.round_id, r.rating, r.reviewed_at, r.duration_ms"
            " FROM reviews r JOIN memory m ON m.id = r.memory_id ORDER BY r.reviewed_at"
        )
        # Only revealed answers, in the order they were given; the practice answer came a
        # minute after its question was shown: Good, not Easy.
        assert [tuple(r) for r in rows] == [
            ("u1", 1, 3, "2026-03-01T23:30:00.000000Z", None),
            ("u2", 1, 1, "2026-03-01T23:40:00.000000Z", None),
            ("u1", 2, 3, "2026-03-03T08:05:00.000000Z", None),
            ("u1", 3, 3, "2026-03-04T10:01:00.000000Z", 60_000),
        ]
        storage = SqliteStorage(store)
        ada = await storage.player_memory("discord", "u1")
        assert list(ada) == ["card1"] and ada["card1"].state == State.Review
        assert ada["card1"].due > datetime(2026, 3, 5, tzinfo=UTC)
        u2 = await storage.player_memory("discord", "u2")
        assert u2["card1"].state == State.Learning  # answered wrong: relearn within minutes


async def answers_of_a_release_before(path, version: int) -> list[tuple]:
    """An old database migrated up to (not including) `version`, as the release before it
    left it; its answers (round, user, option, correct, points), which an upgrade keeps."""
    make_old_database(path)
    async with await Store.open(path, migrations=[m for m in MIGRATIONS if m[0] < version]):
        pass
    with sqlite3.connect(path) as conn:
        before = conn.execute(
            "SELECT round_id, user_id, option_index, correct, points FROM answers"
            " ORDER BY round_id, user_id"
        ).fetchall()
    assert before
    return before


async def test_typed_answer_columns_are_added_to_a_database_with_answers(tmp_path):
    path = tmp_path / "old.db"
    typed_step = next(v for v, step in MIGRATIONS if "typed" in str(step))
    before = await answers_of_a_release_before(path, typed_step)
    async with await Store.open(path) as store:
        # Later migrations (hints, ...) run too: the database ends at the latest version.
        assert await store.schema_version() == latest_version() >= typed_step
        after = await store.fetchall(
            "SELECT round_id, user_id, option_index, correct, points, typed, read_as"
            " FROM answers ORDER BY round_id, user_id"
        )
        assert [tuple(r)[:5] for r in after] == before
        assert all(r["typed"] is None and r["read_as"] is None for r in after)
        # A choice round revealed before the upgrade reads back as it was.
        shown = await SqliteStorage(store).revealed_round(1)
        assert shown is not None and shown.answers and shown.answers[0].typed is None


async def test_hint_columns_are_added_to_a_database_with_answers(tmp_path):
    path = tmp_path / "old.db"
    before = await answers_of_a_release_before(path, 8)  # 8: the hints
    async with await Store.open(path) as store:
        assert await store.schema_version() == latest_version() >= 8
        after = await store.fetchall(
            "SELECT round_id, user_id, option_index, correct, points, hints"
            " FROM answers ORDER BY round_id, user_id"
        )
        assert [tuple(r)[:5] for r in after] == before
        assert all(r["hints"] == 0 for r in after)
        assert (await store.fetchone("SELECT count(*) FROM round_hints"))[0] == 0
        shown = await SqliteStorage(store).revealed_round(1)
        assert shown is not None and all(a.hints == 0 for a in shown.answers)
