"""The `rounds` table: a question asked in a place, from storing it to its reveal.

Functions run on a connection inside the caller's transaction or read snapshot (see
`bot.store.sqlite`); the daily schedule's store uses the ones it needs inside its own
transactions, so no other module names this table.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from bot.ports import Place
from bot.store.db import parse_ts, ts
from bot.store.records import (
    FACT_NAMES,
    NewRound,
    RoundFacts,
    UndeliveredReveal,
    UnrecordedPost,
)

_FACTS = ", ".join(FACT_NAMES)
_PLACE = "platform=? AND server_id=? AND channel_id=?"

# Single-row statements, run through Store.write_row: a burst of them (the references of
# 10,000 daily posts recorded in one minute) becomes one executemany.
SET_MESSAGE_REF = "UPDATE rounds SET message_ref=? WHERE id=?"
CANCEL_IF_OPEN = "UPDATE rounds SET state='cancelled' WHERE id=? AND state='open'"
SELECT_FACTS = f"SELECT {_FACTS} FROM rounds WHERE id=? AND state != 'cancelled'"

_COLUMNS = (
    "platform", "server_id", "channel_id", "mode", "state", "card_id", "format", "prompt",
    "options_json", "option_count", "answer_index", "question_json", "card_json", "topic",
    "level", "tz", "owner_id", "quiz_id", "quiz_position", "opened_at", "closes_at",
    "revealed_at", "reveal_delivered",
)  # fmt: skip
_INSERT = f"INSERT INTO rounds ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"


def key(place: Place) -> tuple[str, str, str]:
    return place.platform, place.server_id, place.channel_id


class Insert:
    """Store a new round; returns its id. A small object rather than a closure, whose cells
    would stay alive in the suspended caller until the commit."""

    __slots__ = ("params",)

    def __init__(self, new: NewRound) -> None:
        place = new.place
        self.params = (
            place.platform, place.server_id, place.channel_id, new.mode, new.state, new.card_id,
            new.format, new.prompt, new.options_json, new.option_count, new.answer_index,
            new.question_json, new.card_json, new.topic, new.level, new.tz, new.owner_id,
            new.quiz_id, new.quiz_position, ts(new.opened_at), ts(new.closes_at),
            ts(new.revealed_at) if new.revealed_at else None, int(new.reveal_delivered),
        )  # fmt: skip

    def __call__(self, conn: sqlite3.Connection) -> int:
        return conn.execute(_INSERT, self.params).lastrowid  # type: ignore[return-value]


def facts_for_answer(conn: sqlite3.Connection, round_id: int) -> RoundFacts | None:
    """The fixed facts plus state and revealed_at; a cancelled round is reported too."""
    row = conn.execute(
        f"SELECT {_FACTS}, state, revealed_at FROM rounds WHERE id=?", (round_id,)
    ).fetchone()
    return dict(row) if row else None


def cards_asked(conn: sqlite3.Connection, place: Place, mode: str) -> set[str]:
    rows = conn.execute(
        f"SELECT DISTINCT card_id FROM rounds WHERE {_PLACE} AND mode=? AND state != 'cancelled'",
        (*key(place), mode),
    )
    return {r[0] for r in rows}


def recent_cards(conn: sqlite3.Connection, place: Place, limit: int) -> list[str]:
    rows = conn.execute(
        f"SELECT card_id FROM rounds WHERE {_PLACE} ORDER BY opened_at DESC LIMIT ?",
        (*key(place), limit),
    )
    return [r[0] for r in rows]


def daily_card_uses(conn: sqlite3.Connection, place: Place) -> dict[str, int]:
    """How often each card was asked in the place's daily rotation (cancelled posts aside)."""
    rows = conn.execute(
        f"SELECT card_id, count(*) FROM rounds WHERE {_PLACE} AND mode='daily'"
        " AND state != 'cancelled' GROUP BY card_id",
        key(place),
    )
    return {r[0]: r[1] for r in rows}


def state_of(conn: sqlite3.Connection, round_id: int) -> str | None:
    row = conn.execute("SELECT state FROM rounds WHERE id=?", (round_id,)).fetchone()
    return row[0] if row else None


def post_of(conn: sqlite3.Connection, round_id: int) -> tuple[str | None, str | None]:
    """(message ref, closes_at as stored text) of a round, or (None, None)."""
    row = conn.execute(
        "SELECT message_ref, closes_at FROM rounds WHERE id=?", (round_id,)
    ).fetchone()
    return (row[0], row[1]) if row else (None, None)


def first_daily_since(
    conn: sqlite3.Connection, place: Place, card_id: str, since: str
) -> sqlite3.Row | None:
    """The first daily round of `card_id` opened at or after `since` (stored text): id, state,
    message_ref, closes_at."""
    return conn.execute(
        f"SELECT id, state, message_ref, closes_at FROM rounds WHERE {_PLACE} AND mode='daily'"
        " AND card_id=? AND opened_at>=? ORDER BY id LIMIT 1",
        (*key(place), card_id, since),
    ).fetchone()


def due_ids(conn: sqlite3.Connection, now: datetime) -> list[int]:
    rows = conn.execute(
        "SELECT id FROM rounds WHERE state='open' AND closes_at <= ? ORDER BY closes_at, id",
        (ts(now),),
    )
    return [r[0] for r in rows]


def earliest_close(conn: sqlite3.Connection) -> str | None:
    return conn.execute("SELECT min(closes_at) FROM rounds WHERE state='open'").fetchone()[0]


def open_ids_in(conn: sqlite3.Connection, place: Place) -> list[int]:
    rows = conn.execute(f"SELECT id FROM rounds WHERE {_PLACE} AND state='open'", key(place))
    return [r[0] for r in rows]


def open_ids_of_quiz(conn: sqlite3.Connection, quiz_id: int) -> list[int]:
    rows = conn.execute("SELECT id FROM rounds WHERE quiz_id=? AND state='open'", (quiz_id,))
    return [r[0] for r in rows]


def open_close_of_quiz(conn: sqlite3.Connection, quiz_id: int) -> datetime | None:
    row = conn.execute(
        "SELECT closes_at FROM rounds WHERE quiz_id=? AND state='open'", (quiz_id,)
    ).fetchone()
    return parse_ts(row[0]) if row else None


def revealed_of_quiz(conn: sqlite3.Connection, quiz_id: int) -> int:
    return conn.execute(
        "SELECT count(*) FROM rounds WHERE quiz_id=? AND state='revealed'", (quiz_id,)
    ).fetchone()[0]


def reveal_json(conn: sqlite3.Connection, round_id: int) -> str | None:
    row = conn.execute("SELECT reveal_json FROM rounds WHERE id=?", (round_id,)).fetchone()
    return row[0] if row else None


def mark_reveal_delivered(conn: sqlite3.Connection, round_id: int) -> None:
    conn.execute("UPDATE rounds SET reveal_delivered=1 WHERE id=?", (round_id,))


def undelivered_reveals(conn: sqlite3.Connection) -> list[UndeliveredReveal]:
    rows = conn.execute(
        "SELECT id, platform, server_id, channel_id, message_ref, reveal_json FROM rounds"
        " WHERE reveal_delivered=0 AND state='revealed' AND mode != 'practice'"
    )
    return [UndeliveredReveal(r[0], Place(r[1], r[2], r[3]), r[4], r[5]) for r in rows]


def unrecorded_posts(conn: sqlite3.Connection) -> list[UnrecordedPost]:
    rows = conn.execute(
        "SELECT r.*, q.question_count FROM rounds r LEFT JOIN quizzes q ON q.id = r.quiz_id"
        " WHERE r.message_ref IS NULL AND r.mode != 'practice' AND r.format != 'prompt'"
        " AND (r.state = 'open' OR (r.state = 'revealed' AND r.reveal_delivered = 0))"
    )
    return [
        UnrecordedPost(
            round_id=r["id"],
            place=Place(r["platform"], r["server_id"], r["channel_id"]),
            format=r["format"],
            prompt=r["prompt"],
            options=tuple(json.loads(r["options_json"])),
            topic=r["topic"],
            level=r["level"],
            closes_at=parse_ts(r["closes_at"]),
            mode=r["mode"],
            quiz_position=r["quiz_position"],
            question_count=r["question_count"],
            tz=r["tz"],
        )
        for r in rows
    ]


def record_found_post(conn: sqlite3.Connection, round_id: int, ref: str) -> None:
    conn.execute(
        "UPDATE rounds SET message_ref=? WHERE id=? AND message_ref IS NULL", (ref, round_id)
    )


def claim_reveal(conn: sqlite3.Connection, round_id: int, now: datetime) -> sqlite3.Row | None:
    """open -> revealed, once: the claimed round's row, or None when it was not open."""
    claimed = conn.execute(
        "UPDATE rounds SET state='revealed', revealed_at=? WHERE id=? AND state='open'",
        (ts(now), round_id),
    ).rowcount
    if not claimed:
        return None
    return conn.execute("SELECT * FROM rounds WHERE id=?", (round_id,)).fetchone()


def save_reveal(conn: sqlite3.Connection, round_id: int, reveal: str) -> None:
    conn.execute("UPDATE rounds SET reveal_json=? WHERE id=?", (reveal, round_id))


def answer_text(row: Any) -> str:
    return json.loads(row["card_json"]).get("answer") or ""


def question_notes(row: Any) -> tuple[tuple[str, ...], str | None]:
    """The question's per-option explanations and erratum, as asked (empty before items)."""
    question = json.loads(row["question_json"])
    return tuple(question.get("explanations") or ()), question.get("erratum") or None
