"""The `rounds` table: a question asked in a place, from storing it to its reveal.

Functions run on a connection inside the caller's transaction or read snapshot (see
`bot.store.sqlite`); the daily schedule's store uses the ones it needs inside its own
transactions, so no other module names this table.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime
from typing import Any

from bot.ports import Place
from bot.store.db import Connection, parse_ts, ts
from bot.store.records import (
    FACT_NAMES,
    AskedQuestion,
    GivenAnswer,
    NewRound,
    RoundFacts,
    StoredRound,
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
    "platform", "server_id", "channel_id", "mode", "state", "card_id", "format",
    "option_count", "answer_index", "question", "topic", "level", "tz", "owner_id", "quiz_id",
    "quiz_position", "opened_at", "closes_at", "revealed_at", "reveal_delivered",
)  # fmt: skip
_INSERT = (
    f"INSERT INTO rounds ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"
    " RETURNING id"
)

_SELECT_STORED = (
    "SELECT r.*, q.question_count FROM rounds r LEFT JOIN quizzes q ON q.id = r.quiz_id"
)

# Keys of a question that its round holds in columns, or that nothing reads after asking.
_IN_COLUMNS = frozenset({"card_id", "format", "answer_index", "origin"})


def key(place: Place) -> tuple[str, str, str]:
    return place.platform, place.server_id, place.channel_id


def question_text(question: dict[str, Any]) -> str:
    """A question as stored with its round, once: what neither the round's columns nor the
    deck give (prompt, options, per-option explanations, erratum, ...), as compact JSON. The
    card's full answer is read from the deck at the reveal."""
    kept = {
        k: v
        for k, v in question.items()
        if k not in _IN_COLUMNS and v is not None and v != [] and v != () and v != ""
    }
    return json.dumps(kept, ensure_ascii=False, separators=(",", ":"))


def asked(text: str | None) -> AskedQuestion | None:
    if text is None:
        return None
    data = json.loads(text)
    return AskedQuestion(
        prompt=data.get("prompt") or "",
        options=tuple(data.get("options") or ()),
        explanations=tuple(data.get("explanations") or ()),
        erratum=data.get("erratum") or None,
        accepted=tuple(data.get("accepted") or ()),
        refused=tuple(data.get("refused") or ()),
    )


class Insert:
    """Store a new round; returns its id, or None for a quiz question the quiz no longer
    wants (it was stopped, or this question was stored already). A small object rather than
    a closure, whose cells would stay alive in the suspended caller until the commit."""

    __slots__ = ("params", "quiz")

    def __init__(self, new: NewRound) -> None:
        place = new.place
        self.params = (
            place.platform, place.server_id, place.channel_id, new.mode, new.state, new.card_id,
            new.format, new.option_count, new.answer_index, new.question, new.topic, new.level,
            new.tz, new.owner_id, new.quiz_id, new.quiz_position, ts(new.opened_at),
            ts(new.closes_at), ts(new.revealed_at) if new.revealed_at else None,
            int(new.reveal_delivered),
        )  # fmt: skip
        self.quiz = None
        if new.quiz_id is not None and new.quiz_position is not None:
            self.quiz = (new.quiz_position, new.quiz_id, new.quiz_position - 1)

    def __call__(self, conn: Connection) -> int | None:
        # A quiz question is stored only while its quiz runs and as the very next question,
        # moving the quiz's position in the same transaction: a stop that came first, or a
        # second process storing the same question, leaves nothing to post.
        if (
            self.quiz is not None
            and not conn.execute(
                "UPDATE quizzes SET position=? WHERE id=? AND state='running' AND position=?",
                self.quiz,
            ).rowcount
        ):
            return None
        return int(conn.execute(_INSERT, self.params).fetchone()[0])


def facts_for_answer(conn: Connection, round_id: int) -> RoundFacts | None:
    """The fixed facts plus state and revealed_at; a cancelled round is reported too."""
    row = conn.execute(
        f"SELECT {_FACTS}, state, revealed_at FROM rounds WHERE id=?", (round_id,)
    ).fetchone()
    return dict(row) if row else None


def cards_asked(conn: Connection, place: Place, mode: str) -> set[str]:
    rows = conn.execute(
        f"SELECT DISTINCT card_id FROM rounds WHERE {_PLACE} AND mode=? AND state != 'cancelled'",
        (*key(place), mode),
    )
    return {r[0] for r in rows}


def recent_cards(conn: Connection, place: Place, limit: int) -> list[str]:
    rows = conn.execute(
        f"SELECT card_id FROM rounds WHERE {_PLACE} ORDER BY opened_at DESC LIMIT ?",
        (*key(place), limit),
    )
    return [r[0] for r in rows]


def daily_card_uses(conn: Connection, place: Place) -> dict[str, int]:
    """How often each card was asked in the place's daily rotation (cancelled posts aside)."""
    rows = conn.execute(
        f"SELECT card_id, count(*) FROM rounds WHERE {_PLACE} AND mode='daily'"
        " AND state != 'cancelled' GROUP BY card_id",
        key(place),
    )
    return {r[0]: r[1] for r in rows}


def state_of(conn: Connection, round_id: int) -> str | None:
    row = conn.execute("SELECT state FROM rounds WHERE id=?", (round_id,)).fetchone()
    return row[0] if row else None


def post_of(conn: Connection, round_id: int) -> tuple[str | None, str | None]:
    """(message ref, closes_at as stored text) of a round, or (None, None)."""
    row = conn.execute(
        "SELECT message_ref, closes_at FROM rounds WHERE id=?", (round_id,)
    ).fetchone()
    return (row[0], row[1]) if row else (None, None)


def first_daily_since(
    conn: Connection, place: Place, card_id: str, since: str
) -> sqlite3.Row | None:
    """The first daily round of `card_id` opened at or after `since` (stored text): id, state,
    message_ref, closes_at."""
    return conn.execute(
        f"SELECT id, state, message_ref, closes_at FROM rounds WHERE {_PLACE} AND mode='daily'"
        " AND card_id=? AND opened_at>=? ORDER BY id LIMIT 1",
        (*key(place), card_id, since),
    ).fetchone()


def due_ids(conn: Connection, now: datetime) -> list[int]:
    rows = conn.execute(
        "SELECT id FROM rounds WHERE state='open' AND closes_at <= ? ORDER BY closes_at, id",
        (ts(now),),
    )
    return [r[0] for r in rows]


def earliest_close(conn: Connection) -> str | None:
    return conn.execute("SELECT min(closes_at) FROM rounds WHERE state='open'").fetchone()[0]


def open_ids_in(conn: Connection, place: Place) -> list[int]:
    rows = conn.execute(f"SELECT id FROM rounds WHERE {_PLACE} AND state='open'", key(place))
    return [r[0] for r in rows]


def open_ids_of_quiz(conn: Connection, quiz_id: int) -> list[int]:
    rows = conn.execute("SELECT id FROM rounds WHERE quiz_id=? AND state='open'", (quiz_id,))
    return [r[0] for r in rows]


def open_close_of_quiz(conn: Connection, quiz_id: int) -> datetime | None:
    row = conn.execute(
        "SELECT closes_at FROM rounds WHERE quiz_id=? AND state='open'", (quiz_id,)
    ).fetchone()
    return parse_ts(row[0]) if row else None


def revealed_of_quiz(conn: Connection, quiz_id: int) -> int:
    return conn.execute(
        "SELECT count(*) FROM rounds WHERE quiz_id=? AND state='revealed'", (quiz_id,)
    ).fetchone()[0]


def revealed(conn: Connection, round_id: int) -> StoredRound | None:
    """A revealed round with its scored answers, or None (not revealed, or no such round)."""
    row = conn.execute(
        f"{_SELECT_STORED} WHERE r.id=? AND r.state='revealed'", (round_id,)
    ).fetchone()
    return stored(conn, row) if row else None


def mark_reveal_delivered(conn: Connection, round_id: int) -> None:
    conn.execute("UPDATE rounds SET reveal_delivered=1 WHERE id=?", (round_id,))


def undelivered_reveals(conn: Connection) -> list[StoredRound]:
    rows = conn.execute(
        f"{_SELECT_STORED} WHERE r.reveal_delivered=0 AND r.state='revealed'"
        " AND r.mode != 'practice'"
    ).fetchall()
    return [stored(conn, r) for r in rows]


def unrecorded_posts(conn: Connection) -> list[UnrecordedPost]:
    rows = conn.execute(
        f"{_SELECT_STORED} WHERE r.message_ref IS NULL AND r.mode != 'practice'"
        " AND r.format != 'prompt'"
        " AND (r.state = 'open' OR (r.state = 'revealed' AND r.reveal_delivered = 0))"
    )
    found = []
    for r in rows:
        question = asked(r["question"]) or AskedQuestion("", ())
        found.append(
            UnrecordedPost(
                round_id=r["id"],
                place=Place(r["platform"], r["server_id"], r["channel_id"]),
                format=r["format"],
                prompt=question.prompt,
                options=question.options,
                topic=r["topic"],
                level=r["level"],
                closes_at=parse_ts(r["closes_at"]),
                mode=r["mode"],
                quiz_position=r["quiz_position"],
                question_count=r["question_count"],
                tz=r["tz"],
                opened_at=parse_ts(r["opened_at"]),
            )
        )
    return found


def record_found_post(conn: Connection, round_id: int, ref: str) -> None:
    conn.execute(
        "UPDATE rounds SET message_ref=? WHERE id=? AND message_ref IS NULL", (ref, round_id)
    )


def claim_reveal(conn: Connection, round_id: int, now: datetime) -> StoredRound | None:
    """open -> revealed, once: the claimed round with its answers, or None when it was not
    open."""
    claimed = conn.execute(
        "UPDATE rounds SET state='revealed', revealed_at=? WHERE id=? AND state='open'",
        (ts(now), round_id),
    ).rowcount
    if not claimed:
        return None
    return stored(conn, conn.execute(f"{_SELECT_STORED} WHERE r.id=?", (round_id,)).fetchone())


def drop_question(conn: Connection, round_id: int) -> None:
    conn.execute("UPDATE rounds SET question=NULL WHERE id=?", (round_id,))


def stored(conn: Connection, r: sqlite3.Row) -> StoredRound:
    return StoredRound(
        round_id=r["id"],
        place=Place(r["platform"], r["server_id"], r["channel_id"]),
        mode=r["mode"],
        format=r["format"],
        card_id=r["card_id"],
        question=asked(r["question"]),
        answer_index=r["answer_index"],
        topic=r["topic"],
        level=r["level"],
        tz=r["tz"],
        opened_at=parse_ts(r["opened_at"]),
        closes_at=parse_ts(r["closes_at"]),
        revealed_at=parse_ts(r["revealed_at"]) if r["revealed_at"] else None,
        message_ref=r["message_ref"],
        quiz_id=r["quiz_id"],
        quiz_position=r["quiz_position"],
        quiz_count=r["question_count"],
        answers=answers_of(conn, r["id"]),
    )


def answers_of(conn: Connection, round_id: int) -> list[GivenAnswer]:
    """A round's answers, first given first."""
    rows = conn.execute(
        "SELECT user_id, display_name, option_index, answered_at, day, correct, points,"
        " typed, read_as, hints FROM answers WHERE round_id=? ORDER BY answered_at, user_id",
        (round_id,),
    )
    return [
        GivenAnswer(
            *(r[0], r[1], r[2], parse_ts(r[3]), date.fromordinal(r[4])),
            *(r[5], r[6], r[7], r[8], r[9] or 0),
        )
        for r in rows
    ]
