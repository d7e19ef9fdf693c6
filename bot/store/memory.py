"""Each player's FSRS memory of each card (`memory`, one row per player and card) and the
review log it came from (`reviews`, one row per scored answer), written by the reveal."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from fsrs import Card, State

from bot.store.db import Connection, parse_ts, ts
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

-- The review log, in the terms the FSRS optimizer reads (rating 1 Again .. 4 Easy). One
-- b-tree, no extra index: a reveal writes a review for each of its answers.
CREATE TABLE reviews (
    memory_id   INTEGER NOT NULL REFERENCES memory(id),
    round_id    INTEGER NOT NULL,       -- no reference: old rounds are pruned, reviews kept
    rating      INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),
    reviewed_at TEXT NOT NULL,
    duration_ms INTEGER,
    PRIMARY KEY (memory_id, round_id)
) WITHOUT ROWID;
"""

CHUNK = 500  # players per IN (...) list, well under SQLite's limit on parameters
_COLUMNS = "id, state, step, stability, difficulty, due, last_review"


def cards_of(
    conn: Connection, platform: str, card_id: str, user_ids: Sequence[str]
) -> dict[str, Card]:
    """The stored FSRS card of each of these players for one card, by user id (one query per
    chunk: a reveal reads the cards of all its answers at once)."""
    rows = _memory_of(conn, platform, user_ids, "user_id", " AND card_id=?", (card_id,))
    return {row[0]: _card(tuple(row[1:])) for row in rows}


def _memory_of(
    conn: Connection,
    platform: str,
    user_ids: Sequence[str],
    leading: str,
    where: str = "",
    params: tuple[object, ...] = (),
) -> Iterator[Any]:
    """These players' memory rows (`leading` columns, then `_COLUMNS`) on one platform, `where`
    narrowing them; one query per CHUNK players, under SQLite's limit on parameters."""
    for start in range(0, len(user_ids), CHUNK):
        chunk = user_ids[start : start + CHUNK]
        marks = ",".join("?" * len(chunk))
        yield from conn.execute(
            f"SELECT {leading}, {_COLUMNS} FROM memory WHERE platform=?{where}"
            f" AND user_id IN ({marks})",
            (platform, *params, *chunk),
        )


def card_of(conn: Connection, platform: str, user_id: str, card_id: str) -> Card | None:
    return cards_of(conn, platform, card_id, [user_id]).get(user_id)


def player_cards(conn: Connection, platform: str, user_id: str) -> dict[str, Card]:
    rows = conn.execute(
        f"SELECT card_id, {_COLUMNS} FROM memory WHERE platform=? AND user_id=?",
        (platform, user_id),
    )
    return {row[0]: _card(tuple(row[1:])) for row in rows}


def save_reviews(conn: Connection, platform: str, round_id: int, reviews: list[Review]) -> None:
    """Store each player's card as the review left it, and the review in the log; in bulk,
    as a reveal may carry a thousand answers. A card read from here carries its row id
    (`Card.card_id`), so it is updated by that id; only a player's first card of this card
    is inserted, its new id returned by the insert itself."""
    states = [_state(rv) for rv in reviews]  # each instant formatted once: the costly part
    conn.executemany(
        "UPDATE memory SET state=?, step=?, stability=?, difficulty=?, due=?, last_review=?"
        " WHERE id=?",
        [(*st, rv.card.card_id) for rv, st in zip(reviews, states, strict=True) if rv.card.card_id],
    )
    ids = {(rv.user_id, rv.card_id): rv.card.card_id for rv in reviews if rv.card.card_id}
    first = [
        (platform, rv.user_id, rv.card_id, *st)
        for rv, st in zip(reviews, states, strict=True)
        if not rv.card.card_id
    ]
    # One statement per chunk that also returns the new rows' ids (executemany cannot).
    for start in range(0, len(first), CHUNK):
        chunk = first[start : start + CHUNK]
        rows = conn.execute(
            "INSERT INTO memory (platform, user_id, card_id, state, step, stability, difficulty,"
            " due, last_review) VALUES "
            + ",".join(["(?,?,?,?,?,?,?,?,?)"] * len(chunk))
            + " ON CONFLICT (platform, user_id, card_id) DO UPDATE SET state=excluded.state,"
            " step=excluded.step, stability=excluded.stability, difficulty=excluded.difficulty,"
            " due=excluded.due, last_review=excluded.last_review RETURNING user_id, card_id, id",
            [v for row in chunk for v in row],
        )
        ids.update(((user_id, card_id), memory_id) for user_id, card_id, memory_id in rows)
    conn.executemany(
        "INSERT INTO reviews (memory_id, round_id, rating, reviewed_at, duration_ms)"
        " VALUES (?,?,?,?,?) ON CONFLICT (memory_id, round_id) DO NOTHING",
        [
            (ids[rv.user_id, rv.card_id], round_id, int(rv.rating),
             st[5] if rv.reviewed_at == rv.card.last_review else _text(rv.reviewed_at),
             rv.duration_ms)
            for rv, st in zip(reviews, states, strict=True)
        ],
    )  # fmt: skip


def _state(rv: Review) -> tuple[int, int | None, float | None, float | None, str, str | None]:
    card = rv.card
    last = card.last_review
    return (
        int(card.state), card.step, card.stability, card.difficulty, _text(card.due),
        _text(last) if last is not None else None,
    )  # fmt: skip


def _text(when: datetime) -> str:
    """`ts` without its cache: a reveal's thousand instants are all different, and FSRS's
    are UTC already."""
    if when.tzinfo is UTC:
        return when.isoformat(timespec="microseconds")[:-6] + "Z"
    return ts(when)


_STATES = {int(s): s for s in State}  # a dict lookup: calling State(n) is slow, per row


def _card(row: tuple[object, ...]) -> Card:
    memory_id, state, step, stability, difficulty, due, last_review = row
    return Card(
        int(memory_id),  # type: ignore[call-overload]
        _STATES[state],  # type: ignore[index]
        step,  # type: ignore[arg-type]
        stability,  # type: ignore[arg-type]
        difficulty,  # type: ignore[arg-type]
        parse_ts(str(due)),
        parse_ts(str(last_review)) if last_review else None,
    )


def players_named(conn: Connection, name: str) -> list[tuple[str, str, str]]:
    """(platform, user id, name) of every player whose latest name is `name` (any case)."""
    rows = conn.execute(
        "SELECT platform, user_id, display_name FROM players"
        " WHERE lower(display_name) = lower(?) ORDER BY platform, user_id",
        (name,),
    )
    return [(r[0], r[1], r[2]) for r in rows]


REVIEW_COLUMNS = (
    "card_id", "review_time", "review_rating", "review_state", "review_duration",
    "review_datetime", "platform", "user_id", "card", "round_id",
)  # fmt: skip


def review_rows(conn: Connection) -> list[tuple[object, ...]]:
    """The review log oldest first, in `REVIEW_COLUMNS`: the FSRS optimizer's own columns
    (card id, review time in epoch milliseconds, rating 1-4, state, duration in ms; state is
    left empty, the optimizer infers it) then the review's time as text and whose card it is."""
    rows = conn.execute(
        "SELECT r.memory_id, r.reviewed_at, r.rating, r.duration_ms, m.platform, m.user_id,"
        " m.card_id, r.round_id FROM reviews r JOIN memory m ON m.id = r.memory_id"
        " ORDER BY r.reviewed_at, r.memory_id"
    )
    out: list[tuple[object, ...]] = []
    for memory_id, at, rating, duration, platform, user_id, card_id, round_id in rows:
        when = parse_ts(at)
        millis = int(when.timestamp() * 1000)
        out.append(
            (memory_id, millis, rating, "", duration, when.isoformat(), platform, user_id,
             card_id, round_id)
        )  # fmt: skip
    return out


ANSWER_COLUMNS = (
    "platform", "server_id", "channel_id", "mode", "round_id", "user_id", "player", "card",
    "format", "option", "correct", "points", "answered_at", "hints",
)  # fmt: skip


def answer_rows(conn: Connection) -> list[tuple[object, ...]]:
    """Every stored answer oldest first, in `ANSWER_COLUMNS`; option is the letter chosen (a
    typed answer: what was typed), correct and points are empty until the round is revealed;
    hints: how many the player took before answering (0 or 1)."""
    rows = conn.execute(
        "SELECT r.platform, r.server_id, r.channel_id, r.mode, r.id, a.user_id,"
        " a.display_name, r.card_id, r.format, a.option_index, a.correct, a.points,"
        " a.answered_at, a.typed, a.hints FROM answers a JOIN rounds r ON r.id = a.round_id"
        " ORDER BY a.answered_at, r.id, a.user_id"
    )
    return [
        (*r[:9], r[13] if r[13] is not None else chr(ord("A") + r[9]), *r[10:13], r[14])
        for r in rows
    ]


def channel_memory(
    conn: Connection, platform: str, server_id: str, channel_id: str, since: datetime
) -> tuple[dict[str, list[Card]], set[str]]:
    """The memory of a channel's active players (those who answered a daily or quiz question
    there since `since`), per card; and the cards asked there since `since`."""
    where = (
        "r.platform=? AND r.server_id=? AND r.channel_id=? AND r.opened_at >= ?"
        " AND r.mode != 'practice'"
    )
    params = (platform, server_id, channel_id, ts(since))
    players = [
        row[0]
        for row in conn.execute(
            f"SELECT DISTINCT a.user_id FROM rounds r JOIN answers a ON a.round_id = r.id"
            f" WHERE {where}",
            params,
        )
    ]
    asked = {
        row[0]
        for row in conn.execute(
            f"SELECT DISTINCT r.card_id FROM rounds r WHERE {where} AND r.state != 'cancelled'",
            params,
        )
    }
    by_card: dict[str, list[Card]] = {}
    for row in _memory_of(conn, platform, players, "card_id"):
        by_card.setdefault(row[0], []).append(_card(tuple(row[1:])))
    return by_card, asked


def team_memory(
    conn: Connection, platform: str | None, server_id: str | None, since: datetime
) -> tuple[int, dict[str, list[tuple[str, Card]]]]:
    """The team's active players (answered since `since`: in one server's daily questions and
    quizzes, or, with no platform, anywhere) and their memory, per card: ("platform:user id",
    FSRS card) for each of them who has seen it."""
    if platform is None:
        rows = conn.execute(
            "SELECT DISTINCT r.platform, a.user_id FROM answers a JOIN rounds r"
            " ON r.id = a.round_id WHERE a.answered_at >= ?",
            (ts(since),),
        )
    else:
        rows = conn.execute(
            "SELECT DISTINCT r.platform, a.user_id FROM rounds r JOIN answers a"
            " ON a.round_id = r.id WHERE r.platform=? AND r.server_id=? AND r.mode != 'practice'"
            " AND a.answered_at >= ?",
            (platform, server_id, ts(since)),
        )
    players: dict[str, list[str]] = {}
    for who_platform, user_id in rows:
        players.setdefault(who_platform, []).append(user_id)
    by_card: dict[str, list[tuple[str, Card]]] = {}
    for who_platform, user_ids in players.items():
        for row in _memory_of(conn, who_platform, user_ids, "card_id, user_id"):
            who = f"{who_platform}:{row[1]}"
            by_card.setdefault(row[0], []).append((who, _card(tuple(row[2:]))))
    return sum(len(u) for u in players.values()), by_card
