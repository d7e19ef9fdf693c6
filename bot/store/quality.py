"""What item analysis reads: every scored answer of a revealed round, with its round.

Plain SELECTs with `?` parameters and no SQLite-only functions, so a PostgreSQL connection
wrapper runs them unchanged; every statistic is computed in Python (`bot.quality`), where
integer division and medians behave the same whatever the database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.store.db import Connection

# The schema this module reads: version 7 gave typed answers their `typed`/`read_as`.
QUALITY_SCHEMA = 7


@dataclass(frozen=True, slots=True)
class PlaceScope:
    """Which rounds count: one platform, one server/workspace on it, or one channel of it.
    Unset parts match everything (`PlaceScope()` is every round stored)."""

    platform: str | None = None
    server_id: str | None = None
    channel_id: str | None = None


@dataclass(frozen=True, slots=True)
class AskedRound:
    """A revealed round that was answered, as item analysis needs it."""

    round_id: int
    card_id: str
    mode: str
    format: str
    answer_index: int
    opened_at: str
    prompt: str | None  # None once the retention policy dropped the question text
    options: tuple[str, ...]  # () for typed questions, or once the text was dropped


@dataclass(frozen=True, slots=True)
class ScoredAnswer:
    round_id: int
    platform: str
    user_id: str
    option_index: int  # a typed answer: 0 right, -1 wrong (bot.store.answers.TYPED_*)
    correct: bool
    answered_at: str
    typed: str | None
    read_as: str | None


def _where(scope: PlaceScope) -> tuple[str, tuple[Any, ...]]:
    # Revealed rounds only: an open round's answers are not scored yet, and a cancelled one's
    # never will be. Discussion prompts have no key.
    clauses = ["r.state = 'revealed'", "r.answer_index IS NOT NULL", "r.format != 'prompt'"]
    params: list[Any] = []
    for column, value in (
        ("platform", scope.platform),
        ("server_id", scope.server_id),
        ("channel_id", scope.channel_id),
    ):
        if value is not None:
            clauses.append(f"r.{column} = ?")
            params.append(value)
    return " AND ".join(clauses), tuple(params)


def asked_rounds(conn: Connection, scope: PlaceScope) -> list[AskedRound]:
    """The answered revealed rounds in `scope`, each with the question as it was shown."""
    where, params = _where(scope)
    rows = conn.execute(
        "SELECT r.id, r.card_id, r.mode, r.format, r.answer_index, r.opened_at, r.question"
        f" FROM rounds r WHERE {where}"
        " AND EXISTS (SELECT 1 FROM answers a WHERE a.round_id = r.id AND a.correct IS NOT NULL)"
        " ORDER BY r.id",
        params,
    ).fetchall()
    found = []
    for round_id, card_id, mode, fmt, answer_index, opened_at, question in rows:
        data = json.loads(question) if question else None
        found.append(
            AskedRound(
                round_id=round_id,
                card_id=card_id,
                mode=mode,
                format=fmt,
                answer_index=answer_index,
                opened_at=opened_at,
                prompt=(data.get("prompt") or None) if data else None,
                options=tuple(data.get("options") or ()) if data else (),
            )
        )
    return found


def scored_answers(conn: Connection, scope: PlaceScope) -> list[ScoredAnswer]:
    """Every scored answer of the revealed rounds in `scope`."""
    where, params = _where(scope)
    rows = conn.execute(
        "SELECT a.round_id, r.platform, a.user_id, a.option_index, a.correct, a.answered_at,"
        " a.typed, a.read_as FROM answers a JOIN rounds r ON r.id = a.round_id"
        f" WHERE {where} AND a.correct IS NOT NULL ORDER BY a.round_id, a.user_id",
        params,
    ).fetchall()
    return [
        ScoredAnswer(
            round_id=r[0],
            platform=r[1],
            user_id=r[2],
            option_index=r[3],
            correct=bool(r[4]),
            answered_at=r[5],
            typed=r[6],
            read_as=r[7],
        )
        for r in rows
    ]


def answered(conn: Connection, scope: PlaceScope) -> tuple[list[AskedRound], list[ScoredAnswer]]:
    """Both reads, for one trip to the reader (and one snapshot: they agree)."""
    return asked_rounds(conn, scope), scored_answers(conn, scope)
