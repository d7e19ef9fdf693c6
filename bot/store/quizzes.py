"""The `quizzes` table: a quick quiz's questions, progress and state (one running per channel,
enforced by a unique index)."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from bot.ports import Place
from bot.store.db import Connection, parse_ts, ts
from bot.store.records import NewQuiz, Quiz


def _key(place: Place) -> tuple[str, str, str]:
    return place.platform, place.server_id, place.channel_id


def _quiz(row: sqlite3.Row) -> Quiz:
    return Quiz(
        quiz_id=row["id"],
        place=Place(row["platform"], row["server_id"], row["channel_id"]),
        starter_id=row["starter_id"],
        starter_name=row["starter_name"],
        question_count=row["question_count"],
        seconds=row["seconds"],
        questions=json.loads(row["questions_json"]),
        position=row["position"],
        tz=row["tz"],
        state=row["state"],
        next_at=parse_ts(row["next_at"]) if row["next_at"] else None,
        started_at=parse_ts(row["started_at"]),
    )


def create(conn: Connection, new: NewQuiz) -> int | None:
    """The new quiz's id, or None when another quiz is already running in the place."""
    place = new.place
    # ON CONFLICT names the one-running-quiz-per-channel index: another start that won the
    # race for this channel leaves no row, so nothing is returned.
    row = conn.execute(
        "INSERT INTO quizzes (platform, server_id, channel_id, starter_id, starter_name,"
        " question_count, seconds, questions_json, position, tz, started_at)"
        " VALUES (?,?,?,?,?,?,?,?,0,?,?)"
        " ON CONFLICT (platform, server_id, channel_id) WHERE state = 'running' DO NOTHING"
        " RETURNING id",
        (
            place.platform,
            place.server_id,
            place.channel_id,
            new.starter_id,
            new.starter_name,
            new.question_count,
            new.seconds,
            new.questions_json,
            new.tz,
            ts(new.started_at),
        ),
    ).fetchone()
    return int(row[0]) if row else None


def get(conn: Connection, quiz_id: int) -> Quiz | None:
    row = conn.execute("SELECT * FROM quizzes WHERE id=?", (quiz_id,)).fetchone()
    return _quiz(row) if row else None


def question_count(conn: Connection, quiz_id: int) -> int | None:
    row = conn.execute("SELECT question_count FROM quizzes WHERE id=?", (quiz_id,)).fetchone()
    return row[0] if row else None


def running_in(conn: Connection, place: Place) -> Quiz | None:
    row = conn.execute(
        "SELECT * FROM quizzes WHERE platform=? AND server_id=? AND channel_id=?"
        " AND state='running'",
        _key(place),
    ).fetchone()
    return _quiz(row) if row else None


def running(conn: Connection) -> list[Quiz]:
    return [_quiz(r) for r in conn.execute("SELECT * FROM quizzes WHERE state='running'")]


def due_ids(conn: Connection, now: datetime) -> list[int]:
    rows = conn.execute(
        "SELECT id FROM quizzes WHERE state='running' AND next_at IS NOT NULL AND next_at <= ?",
        (ts(now),),
    )
    return [r[0] for r in rows]


def earliest_next(conn: Connection) -> str | None:
    return conn.execute("SELECT min(next_at) FROM quizzes WHERE state='running'").fetchone()[0]


def claim_next(conn: Connection, quiz_id: int, now: datetime) -> Quiz | str | None:
    """Claim a due quiz's next question: the quiz (its position is the questions stored so
    far; storing the next one moves it, see `rounds.Insert`), "all_asked" when it has no
    question left, None when not due or claimed by someone else."""
    row = conn.execute(
        "SELECT * FROM quizzes WHERE id=? AND state='running' AND next_at <= ?",
        (quiz_id, ts(now)),
    ).fetchone()
    if row is None:
        return None
    if row["position"] >= row["question_count"]:
        return "all_asked"
    conn.execute("UPDATE quizzes SET next_at=NULL WHERE id=?", (quiz_id,))
    return _quiz(row)


def end(conn: Connection, quiz_id: int, state: str, now: datetime) -> bool:
    """running -> `state` (finished or stopped), once. The questions not asked are dropped:
    each asked one is stored with its round."""
    return bool(
        conn.execute(
            "UPDATE quizzes SET state=?, ended_at=?, next_at=NULL, questions_json='[]'"
            " WHERE id=? AND state='running'",
            (state, ts(now), quiz_id),
        ).rowcount
    )


def set_next_at(conn: Connection, quiz_id: int, when: datetime) -> None:
    conn.execute("UPDATE quizzes SET next_at=? WHERE id=? AND state='running'", (ts(when), quiz_id))
