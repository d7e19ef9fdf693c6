"""Each player's FSRS memory of each card (`memory`, one row per player and card) and the
review log it came from (`reviews`, one row per scored answer), written by the reveal."""

from __future__ import annotations

import sqlite3

from fsrs import Card, State

from bot.store.db import parse_ts, ts
from bot.store.records import Review

SCHEMA = """
-- One FSRS card per player and card; its id is the FSRS card id of exported reviews.
CREATE TABLE memory (
    id          INTEGER PRIMARY KEY,
    platform    TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    card_id     TEXT NOT NULL,
    state       INTEGER NOT NULL,       -- fsrs.State: 1 learning, 2 review, 3 relearning
    step        INTEGER,
    stability   REAL,
    difficulty  REAL,
    due         TEXT NOT NULL,
    last_review TEXT,
    UNIQUE (platform, user_id, card_id)
);
CREATE INDEX memory_due ON memory (platform, user_id, due);

-- The review log, in the terms the FSRS optimizer reads (rating 1 Again .. 4 Easy).
CREATE TABLE reviews (
    id          INTEGER PRIMARY KEY,
    memory_id   INTEGER NOT NULL REFERENCES memory(id),
    round_id    INTEGER NOT NULL,       -- no reference: old rounds are pruned, reviews kept
    rating      INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),
    reviewed_at TEXT NOT NULL,
    duration_ms INTEGER,
    UNIQUE (memory_id, round_id)
);
"""

_COLUMNS = "id, state, step, stability, difficulty, due, last_review"


def card_of(conn: sqlite3.Connection, platform: str, user_id: str, card_id: str) -> Card | None:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM memory WHERE platform=? AND user_id=? AND card_id=?",
        (platform, user_id, card_id),
    ).fetchone()
    return _card(row) if row else None


def player_cards(conn: sqlite3.Connection, platform: str, user_id: str) -> dict[str, Card]:
    rows = conn.execute(
        f"SELECT card_id, {_COLUMNS} FROM memory WHERE platform=? AND user_id=?",
        (platform, user_id),
    )
    return {row[0]: _card(tuple(row[1:])) for row in rows}


def save_reviews(
    conn: sqlite3.Connection, platform: str, round_id: int, reviews: list[Review]
) -> None:
    """Store each player's card as the review left it, and the review in the log."""
    for rv in reviews:
        c = rv.card
        conn.execute(
            "INSERT INTO memory (platform, user_id, card_id, state, step, stability, difficulty,"
            " due, last_review) VALUES (?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT (platform, user_id, card_id) DO UPDATE SET state=excluded.state,"
            " step=excluded.step, stability=excluded.stability, difficulty=excluded.difficulty,"
            " due=excluded.due, last_review=excluded.last_review",
            (
                platform,
                rv.user_id,
                rv.card_id,
                int(c.state),
                c.step,
                c.stability,
                c.difficulty,
                ts(c.due),
                ts(c.last_review) if c.last_review else None,
            ),
        )
        (memory_id,) = conn.execute(
            "SELECT id FROM memory WHERE platform=? AND user_id=? AND card_id=?",
            (platform, rv.user_id, rv.card_id),
        ).fetchone()
        conn.execute(
            "INSERT OR IGNORE INTO reviews (memory_id, round_id, rating, reviewed_at,"
            " duration_ms) VALUES (?,?,?,?,?)",
            (memory_id, round_id, int(rv.rating), ts(rv.reviewed_at), rv.duration_ms),
        )


def _card(row: tuple[object, ...]) -> Card:
    memory_id, state, step, stability, difficulty, due, last_review = row
    return Card(
        card_id=int(memory_id),  # type: ignore[call-overload]
        state=State(int(state)),  # type: ignore[call-overload]
        step=step,  # type: ignore[arg-type]
        stability=stability,  # type: ignore[arg-type]
        difficulty=difficulty,  # type: ignore[arg-type]
        due=parse_ts(str(due)),
        last_review=parse_ts(str(last_review)) if last_review else None,
    )
