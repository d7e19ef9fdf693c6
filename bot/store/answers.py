"""The `answers` table: one answer per player and round, scored at the reveal."""

from __future__ import annotations

import sqlite3

from bot.ports import Player
from bot.store import rounds
from bot.store.db import parse_ts
from bot.store.records import BoardEntry, GivenAnswer, RoundFacts
from bot.store.storage import Verdict

# The hot path of a click burst: one single-row INSERT that checks the round is still open
# (Store.write_row runs a burst of them as one executemany). Parameters: user id, display
# name, option, answered_at, round id, answered_at.
LOCK_IN_IF_OPEN = (
    "INSERT INTO answers (round_id, user_id, display_name, option_index, answered_at)"
    " SELECT id, ?, ?, ?, ? FROM rounds WHERE id=? AND state='open' AND closes_at > ?"
    " ON CONFLICT (round_id, user_id) DO NOTHING"
)


class CheckedAnswer:
    """Look at the round, let the engine's `verdict` decide, then record the answer if it may
    be: one write transaction. Returns (status, option on record, the round's facts)."""

    __slots__ = ("option", "player", "round_id", "stamp", "verdict")

    def __init__(
        self, round_id: int, player: Player, option: int, stamp: str, verdict: Verdict
    ) -> None:
        self.round_id, self.player, self.option = round_id, player, option
        self.stamp, self.verdict = stamp, verdict

    def __call__(self, conn: sqlite3.Connection) -> tuple[str, int | None, RoundFacts | None]:
        facts = rounds.facts_for_answer(conn, self.round_id)
        if facts is None:
            return "unknown_round", None, None
        status = self.verdict(facts)
        if status is not None:
            return status, None, None if status == "unknown_round" else facts
        player = self.player
        inserted = conn.execute(
            "INSERT INTO answers (round_id, user_id, display_name, option_index, answered_at)"
            " VALUES (?,?,?,?,?) ON CONFLICT (round_id, user_id) DO NOTHING",
            (self.round_id, player.user_id, player.display_name, self.option, self.stamp),
        ).rowcount
        if not inserted:
            earlier = conn.execute(
                "SELECT option_index FROM answers WHERE round_id=? AND user_id=?",
                (self.round_id, player.user_id),
            ).fetchone()
            return "already_answered", earlier[0], facts
        return "locked_in", self.option, facts


def of_round(conn: sqlite3.Connection, round_id: int) -> list[GivenAnswer]:
    """A round's answers, first given first."""
    rows = conn.execute(
        "SELECT id, user_id, display_name, option_index, answered_at FROM answers"
        " WHERE round_id=? ORDER BY answered_at, id",
        (round_id,),
    )
    return [GivenAnswer(r[0], r[1], r[2], r[3], parse_ts(r[4])) for r in rows]


def save_scores(conn: sqlite3.Connection, scored: list[tuple[int, int, int]]) -> None:
    """(answer id, correct 0/1, points) for each answer of a revealed round."""
    conn.executemany(
        "UPDATE answers SET correct=?, points=? WHERE id=?", [(c, p, i) for i, c, p in scored]
    )


def quiz_totals(conn: sqlite3.Connection, quiz_id: int, limit: int) -> list[BoardEntry]:
    """Each player's total over a quiz's revealed rounds, best first."""
    rows = conn.execute(
        "SELECT a.user_id, max(a.display_name), sum(a.points) AS points, count(*),"
        " sum(a.correct) AS correct FROM answers a JOIN rounds r ON r.id = a.round_id"
        " WHERE r.quiz_id=? AND r.state='revealed'"
        " GROUP BY a.user_id ORDER BY points DESC, correct DESC, a.user_id LIMIT ?",
        (quiz_id, limit),
    )
    return [BoardEntry(r[0], r[1], r[2], r[3], r[4]) for r in rows]
