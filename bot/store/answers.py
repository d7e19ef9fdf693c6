"""The `answers` table: one answer per player and round, dated when given, scored at the
reveal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from bot.ports import Player
from bot.store import rounds
from bot.store.db import Connection, ts
from bot.store.records import AskedQuestion, BoardEntry, RoundFacts
from bot.store.storage import DayOf, ReadTyped, Verdict

# The hot path of a click burst: one single-row INSERT that checks the round is still open
# (Store.write_row runs a burst of them as one executemany). Parameters: user id, display
# name, option, answered_at, streak day (date ordinal), round id, answered_at.
# A hint the player took before answering is carried into the answer's `hints` (see
# `HINTS_TAKEN`); the user id is given twice for it. Parameters: user id, display name,
# option, answered_at, streak day (date ordinal), user id, round id, answered_at.
HINTS_TAKEN = "(SELECT COUNT(*) FROM round_hints h WHERE h.round_id = ? AND h.user_id = ?)"
LOCK_IN_IF_OPEN = (
    "INSERT INTO answers (round_id, user_id, display_name, option_index, answered_at, day,"
    " hints) SELECT id, ?, ?, ?, ?, ?,"
    " (SELECT COUNT(*) FROM round_hints h WHERE h.round_id = rounds.id AND h.user_id = ?)"
    " FROM rounds WHERE id=? AND state='open' AND closes_at > ?"
    " ON CONFLICT (round_id, user_id) DO NOTHING"
)


def _judged(
    conn: Connection, round_id: int, verdict: Verdict
) -> tuple[str | None, RoundFacts | None]:
    """The round's facts and the engine's verdict on an answer to it: (None, facts) when the
    answer may be recorded, else (status, facts, or None for an unknown round)."""
    facts = rounds.facts_for_answer(conn, round_id)
    if facts is None:
        return "unknown_round", None
    status = verdict(facts)
    if status is not None:
        return status, None if status == "unknown_round" else facts
    return None, facts


class CheckedAnswer:
    """Look at the round, let the engine's `verdict` decide, then record the answer if it may
    be, dated by `day_of(facts)`: one write transaction. Returns (status, option on record,
    the round's facts)."""

    __slots__ = ("day_of", "option", "player", "round_id", "stamp", "verdict")

    def __init__(
        self,
        round_id: int,
        player: Player,
        option: int,
        stamp: str,
        verdict: Verdict,
        day_of: Callable[[RoundFacts], date],
    ) -> None:
        self.round_id, self.player, self.option = round_id, player, option
        self.stamp, self.verdict, self.day_of = stamp, verdict, day_of

    def __call__(self, conn: Connection) -> tuple[str, int | None, RoundFacts | None]:
        status, facts = _judged(conn, self.round_id, self.verdict)
        if status is not None:
            return status, None, facts
        assert facts is not None
        player = self.player
        inserted = conn.execute(
            "INSERT INTO answers (round_id, user_id, display_name, option_index, answered_at,"
            f" day, hints) VALUES (?,?,?,?,?,?,{HINTS_TAKEN})"
            " ON CONFLICT (round_id, user_id) DO NOTHING",
            (
                self.round_id,
                player.user_id,
                player.display_name,
                self.option,
                self.stamp,
                self.day_of(facts).toordinal(),
                self.round_id,
                player.user_id,
            ),
        ).rowcount
        if not inserted:
            earlier = conn.execute(
                "SELECT option_index FROM answers WHERE round_id=? AND user_id=?",
                (self.round_id, player.user_id),
            ).fetchone()
            return "already_answered", earlier[0], facts
        return "locked_in", self.option, facts


class CheckedTypedAnswer:
    """A typed answer, as `CheckedAnswer`: look at the round, let the engine's `verdict`
    decide, read the text against the round's accepted answers (the engine's `read`: the
    accepted answer it counts as, or None), record it if the player has no answer yet. One
    write transaction. Returns (status, (typed, read as) on record, the round's facts)."""

    __slots__ = ("day_of", "player", "read", "round_id", "stamp", "text", "verdict")

    def __init__(
        self,
        round_id: int,
        player: Player,
        text: str,
        stamp: str,
        verdict: Verdict,
        read: ReadTyped,
        day_of: DayOf,
    ) -> None:
        self.round_id, self.player, self.text, self.stamp = round_id, player, text, stamp
        self.verdict, self.read, self.day_of = verdict, read, day_of

    def __call__(
        self, conn: Connection
    ) -> tuple[str, tuple[str, str | None] | None, RoundFacts | None]:
        status, facts = _judged(conn, self.round_id, self.verdict)
        if status is not None:
            return status, None, facts
        assert facts is not None
        player = self.player
        earlier = conn.execute(
            "SELECT typed, read_as FROM answers WHERE round_id=? AND user_id=?",
            (self.round_id, player.user_id),
        ).fetchone()
        if earlier is not None:
            return "already_answered", (earlier[0] or "", earlier[1]), facts
        question = rounds.asked(
            conn.execute("SELECT question FROM rounds WHERE id=?", (self.round_id,)).fetchone()[0]
        )
        read_as = (
            self.read(question.accepted, question.refused, question.prompt)
            if question is not None
            else None
        )
        conn.execute(
            "INSERT INTO answers (round_id, user_id, display_name, option_index, answered_at,"
            f" day, typed, read_as, hints) VALUES (?,?,?,?,?,?,?,?,{HINTS_TAKEN})",
            (
                self.round_id,
                player.user_id,
                player.display_name,
                TYPED_RIGHT if read_as is not None else TYPED_WRONG,
                self.stamp,
                self.day_of(facts).toordinal(),
                self.text,
                read_as,
                self.round_id,
                player.user_id,
            ),
        )
        return "locked_in", (self.text, read_as), facts


class HintTaken:
    """A player asks for a round's hint: look at the round, let the engine's `verdict` decide,
    refuse when the player has answered already, else record that they took it (once: asking
    again changes nothing). One write transaction. Returns (status, the round's facts, its
    question as asked); status "hinted", "hinted_again", "already_answered" or the verdict's."""

    __slots__ = ("player", "round_id", "stamp", "verdict")

    def __init__(self, round_id: int, player: Player, stamp: str, verdict: Verdict) -> None:
        self.round_id, self.player, self.stamp, self.verdict = round_id, player, stamp, verdict

    def __call__(self, conn: Connection) -> tuple[str, RoundFacts | None, AskedQuestion | None]:
        facts = rounds.facts_for_answer(conn, self.round_id)
        if facts is None:
            return "unknown_round", None, None
        status = self.verdict(facts)
        if status is not None:
            return status, None if status == "unknown_round" else facts, None
        user_id = self.player.user_id
        answered = conn.execute(
            "SELECT 1 FROM answers WHERE round_id=? AND user_id=?", (self.round_id, user_id)
        ).fetchone()
        if answered is not None:
            return "already_answered", facts, None
        taken = conn.execute(
            "INSERT INTO round_hints (round_id, user_id, taken_at) VALUES (?,?,?)"
            " ON CONFLICT (round_id, user_id) DO NOTHING",
            (self.round_id, user_id, self.stamp),
        ).rowcount
        text, level = conn.execute(
            "SELECT question, level FROM rounds WHERE id=?", (self.round_id,)
        ).fetchone()
        # The hint's cost depends on the card's level, which the fixed facts leave out.
        status = "hinted" if taken else "hinted_again"
        return status, {**facts, "level": level}, rounds.asked(text)


# A typed round's key is option 0; a typed answer is recorded as that option when it reads
# as an accepted answer and as no option otherwise, so every rule that compares an answer
# with the key (scoring, streak days) treats it as it treats a choice.
TYPED_RIGHT = 0
TYPED_WRONG = -1


def save_scores(conn: Connection, round_id: int, scored: list[tuple[str, int, int]]) -> None:
    """(user id, correct 0/1, points) for each answer of a revealed round."""
    conn.executemany(
        "UPDATE answers SET correct=?, points=? WHERE round_id=? AND user_id=?",
        [(c, p, round_id, u) for u, c, p in scored],
    )


def settled_streak_days(
    conn: Connection,
    platform: str,
    user_id: str,
    first: date,
    last: date,
    settled_by: datetime,
) -> set[date]:
    """The days from `first` to `last` on which the player gave a correct daily or practice
    answer that was settled by `settled_by` (a round's close): a practice answer given before
    it, a daily one whose round had closed by then (`bot.scoring`). Read from the answers
    themselves, revealed or not: every one of them exists by that moment, so the result does
    not depend on the order of reveals, nor on what else happens in the instant of one. A
    regraded round counts its also-accepted option; a voided one counts nothing."""
    stamp = ts(settled_by)
    rows = conn.execute(
        "SELECT DISTINCT a.day FROM answers a JOIN rounds r ON r.id = a.round_id"
        " WHERE a.user_id = ? AND a.day BETWEEN ? AND ? AND r.platform = ?"
        " AND r.state != 'cancelled' AND r.voided = 0"
        " AND (a.option_index = r.answer_index OR a.option_index = r.also_index)"
        " AND ((r.mode = 'practice' AND a.answered_at < ?)"
        " OR (r.mode = 'daily' AND r.closes_at <= ?))",
        (user_id, first.toordinal(), last.toordinal(), platform, stamp, stamp),
    )
    return {date.fromordinal(r[0]) for r in rows}


def home_zone(conn: Connection, platform: str, user_id: str) -> str | None:
    """The zone of the channel of the player's latest daily or quiz answer."""
    row = conn.execute(
        "SELECT r.tz FROM answers a JOIN rounds r ON r.id = a.round_id"
        " WHERE a.user_id = ? AND r.platform = ? AND r.mode != 'practice'"
        " ORDER BY a.day DESC, a.answered_at DESC LIMIT 1",
        (user_id, platform),
    ).fetchone()
    return row[0] if row else None


def quiz_totals(conn: Connection, quiz_id: int, limit: int) -> list[BoardEntry]:
    """Each player's total over a quiz's revealed rounds, best first."""
    rows = conn.execute(
        "SELECT a.user_id, max(a.display_name), sum(a.points) AS points, count(*),"
        " sum(a.correct) AS correct FROM answers a JOIN rounds r ON r.id = a.round_id"
        " WHERE r.quiz_id=? AND r.state='revealed'"
        " GROUP BY a.user_id ORDER BY points DESC, correct DESC, a.user_id LIMIT ?",
        (quiz_id, limit),
    )
    return [BoardEntry(r[0], r[1], r[2], r[3], r[4]) for r in rows]
