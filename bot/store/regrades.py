"""A regrade: an admin accepts another option of a card as right too, or voids the card's
past rounds, in one server or workspace. One transaction rescores every affected answer and
moves every aggregate built from it (boards of every scope and period, topic stats, streak
runs, FSRS memory); the decision row inserted first is its exactly-once guard.

Which answers change: the answers of the card's revealed rounds here, and, because a daily
answer's streak bonus counts the correct streak days just before it, the player's revealed
daily answers (on any channel of the platform) of the `rules.streak_reach` days after each
changed day.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import date, datetime
from functools import partial

from fsrs import Card, Rating

from bot.store import answers, places, rounds
from bot.store.db import Connection, parse_ts, ts
from bot.store.records import RegradeResult, RegradeRules, RescoredAnswer

_ANSWER = (
    "SELECT a.round_id, a.user_id, a.option_index, a.answered_at, a.day, a.correct, a.points,"
    " a.hints, r.mode, r.level, r.opened_at, r.closes_at, r.answer_index, r.also_index, r.voided,"
    " r.platform, r.server_id, r.channel_id, r.topic, r.card_id, r.format"
    " FROM answers a JOIN rounds r ON r.id = a.round_id"
)


def regrade(
    conn: Connection,
    platform: str,
    server_id: str,
    card_id: str,
    decision: str,
    option_text: str,
    by: str,
    now: datetime,
    rules: RegradeRules,
) -> RegradeResult:
    """`decision` "accept" (rounds that showed `option_text` count it right too) or "void"."""
    first = conn.execute(
        "INSERT INTO card_decisions (platform, server_id, card_id, decision, option_text,"
        " decided_by, decided_at) VALUES (?,?,?,?,?,?,?)"
        " ON CONFLICT (platform, server_id, card_id, decision, option_text) DO NOTHING",
        (platform, server_id, card_id, decision, option_text, by, ts(now)),
    ).rowcount
    if not first:
        return RegradeResult(False, (), 0, 0)
    # The card as written would score the same way again: it stays out until a keep.
    conn.execute(
        "INSERT INTO card_decisions (platform, server_id, card_id, decision, option_text,"
        " decided_by, decided_at) VALUES (?,?,?,'hold','',?,?)"
        " ON CONFLICT (platform, server_id, card_id, decision, option_text) DO NOTHING",
        (platform, server_id, card_id, by, ts(now)),
    )
    changed = _mark_rounds(conn, platform, server_id, card_id, decision, option_text)
    if not changed:
        return RegradeResult(True, (), 0, 0)
    marks = ",".join("?" * len(changed))
    direct = conn.execute(f"{_ANSWER} WHERE a.round_id IN ({marks})", changed).fetchall()
    # Later daily answers whose streak bonus may count a changed day.
    later: dict[tuple[int, str], sqlite3.Row] = {}
    for row in direct:
        if not rules.extends_streak(row["mode"]):
            continue
        for found in conn.execute(
            f"{_ANSWER} WHERE a.user_id=? AND r.platform=? AND r.mode='daily'"
            " AND r.state='revealed' AND r.voided=0 AND a.day BETWEEN ? AND ?",
            (row["user_id"], platform, row["day"] + 1, row["day"] + rules.streak_reach),
        ):
            later[found["round_id"], found["user_id"]] = found
    for row in direct:
        later.pop((row["round_id"], row["user_id"]), None)
    lookup_of = partial(answers.settled_streak_days, conn, platform)
    zones: dict[str, str] = {}
    touched: set[str] = set()
    streaks: set[str] = set()
    count = 0
    for row in [*direct, *later.values()]:
        new = _rescored(row, rules, lookup_of)
        old = (1, row["correct"] or 0, row["points"] or 0)
        if new == old:
            continue
        count += 1
        touched.add(row["user_id"])
        if new[1] != old[1] and rules.extends_streak(row["mode"]):
            streaks.add(row["user_id"])
        conn.execute(
            "UPDATE answers SET correct=?, points=? WHERE round_id=? AND user_id=?",
            (new[1], new[2], row["round_id"], row["user_id"]),
        )
        delta = (new[0] - old[0], new[1] - old[1], new[2] - old[2])
        _move_topic(conn, row, delta)
        if rules.counts_on_boards(row["mode"]):
            server = row["server_id"]
            if server not in zones:
                zones[server] = places.server_zone(conn, platform, server) or "UTC"
            keys = rules.board_keys(parse_ts(row["answered_at"]), zones[server])
            _move_boards(conn, row, keys, delta)
    for user_id in sorted(streaks):
        _rebuild_streak(conn, platform, user_id, rules)
    _rewrite_memory(conn, platform, card_id, direct, rules)
    conn.execute(
        "UPDATE card_decisions SET rounds=?, answers=? WHERE platform=? AND server_id=?"
        " AND card_id=? AND decision=? AND option_text=?",
        (len(changed), count, platform, server_id, card_id, decision, option_text),
    )
    return RegradeResult(True, tuple(changed), count, len(touched))


def _mark_rounds(
    conn: Connection,
    platform: str,
    server_id: str,
    card_id: str,
    decision: str,
    option_text: str,
) -> list[int]:
    """Mark the card's revealed rounds here; the ids of those the decision changes."""
    found = conn.execute(
        "SELECT id, answer_index, also_index, format, question FROM rounds WHERE platform=?"
        " AND server_id=? AND card_id=? AND state='revealed' AND voided=0"
        " AND answer_index IS NOT NULL ORDER BY id",
        (platform, server_id, card_id),
    ).fetchall()
    changed: list[int] = []
    for round_id, key, also, fmt, text in found:
        if decision == "void":
            conn.execute("UPDATE rounds SET voided=1 WHERE id=?", (round_id,))
            changed.append(round_id)
            continue
        question = rounds.asked(text)
        # A typed round has no options to accept; a round whose text is gone cannot be
        # matched; a round takes one extra option.
        if fmt == "typed" or question is None or also is not None:
            continue
        for index, option in enumerate(question.options):
            if index != key and option == option_text:
                conn.execute("UPDATE rounds SET also_index=? WHERE id=?", (index, round_id))
                changed.append(round_id)
                break
    return changed


def _rescored(
    row: sqlite3.Row, rules: RegradeRules, lookup_of: partial[set[date]]
) -> tuple[int, int, int]:
    """(counted 0/1, correct 0/1, points) of the answer under the marked rounds."""
    if row["voided"]:
        return (0, 0, 0)
    answer = _as_rescored(row)

    def streak_days(user_id: str, first: date, last: date, settled_by: datetime) -> set[date]:
        return lookup_of(user_id, first, last, settled_by)

    return (1, int(answer.correct), rules.points(answer, streak_days))


def _move_topic(conn: Connection, row: sqlite3.Row, delta: tuple[int, int, int]) -> None:
    key = (row["platform"], row["user_id"], row["topic"] or "General")
    conn.execute(
        "UPDATE player_topics SET answered=answered+?, correct=correct+? WHERE platform=?"
        " AND user_id=? AND topic=?",
        (delta[0], delta[1], *key),
    )
    conn.execute(
        "DELETE FROM player_topics WHERE platform=? AND user_id=? AND topic=? AND answered<=0",
        key,
    )


def _move_boards(
    conn: Connection,
    row: sqlite3.Row,
    keys: Iterable[tuple[str, str]],
    delta: tuple[int, int, int],
) -> None:
    for channel in (row["channel_id"], "*"):
        for kind, key in keys:
            board = (row["platform"], row["server_id"], channel, kind, key, row["user_id"])
            conn.execute(
                "UPDATE scores SET answered=answered+?, correct=correct+?, points=points+?"
                " WHERE platform=? AND server_id=? AND channel_id=? AND period_kind=?"
                " AND period_key=? AND user_id=?",
                (*delta, *board),
            )
            conn.execute(
                "DELETE FROM scores WHERE platform=? AND server_id=? AND channel_id=?"
                " AND period_kind=? AND period_key=? AND user_id=? AND answered<=0",
                board,
            )


def _rebuild_streak(conn: Connection, platform: str, user_id: str, rules: RegradeRules) -> None:
    """The player's runs of streak days again, from their revealed correct answers."""
    days = sorted(
        {
            r[1]
            for r in conn.execute(
                "SELECT r.mode, a.day FROM answers a JOIN rounds r ON r.id = a.round_id"
                " WHERE a.user_id=? AND r.platform=? AND r.state='revealed' AND a.correct=1",
                (user_id, platform),
            )
            if rules.extends_streak(r[0])
        }
    )
    runs: list[tuple[int, int]] = []
    for day in days:
        if runs and runs[-1][1] == day - 1:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    conn.execute("DELETE FROM streak_runs WHERE platform=? AND user_id=?", (platform, user_id))
    conn.executemany(
        "INSERT INTO streak_runs (platform, user_id, first_day, last_day) VALUES (?,?,?,?)",
        [(platform, user_id, first, last) for first, last in runs],
    )


def _rewrite_memory(
    conn: Connection,
    platform: str,
    card_id: str,
    direct: list[sqlite3.Row],
    rules: RegradeRules,
) -> None:
    """Each answerer's reviews of the card with the regraded ratings (a voided round's review
    is removed), and their card replayed from the first review."""
    by_user: dict[str, dict[int, sqlite3.Row]] = {}
    for row in direct:
        if row["format"] != "prompt":
            by_user.setdefault(row["user_id"], {})[row["round_id"]] = row
    for user_id, changed in sorted(by_user.items()):
        found = conn.execute(
            "SELECT id FROM memory WHERE platform=? AND user_id=? AND card_id=?",
            (platform, user_id, card_id),
        ).fetchone()
        if found is None:
            continue
        memory_id = found[0]
        card: Card | None = None
        log = conn.execute(
            "SELECT round_id, rating, reviewed_at, duration_ms FROM reviews WHERE memory_id=?"
            " ORDER BY reviewed_at, round_id",
            (memory_id,),
        ).fetchall()
        for round_id, rating, reviewed_at, duration in log:
            mine = changed.get(round_id)
            if mine is not None and mine["voided"]:
                conn.execute(
                    "DELETE FROM reviews WHERE memory_id=? AND round_id=?", (memory_id, round_id)
                )
                continue
            if mine is not None:
                rating = int(rules.rating(_as_rescored(mine)))
                conn.execute(
                    "UPDATE reviews SET rating=? WHERE memory_id=? AND round_id=?",
                    (rating, memory_id, round_id),
                )
            card = rules.replay(card, Rating(rating), parse_ts(reviewed_at), duration)
        if card is None:
            conn.execute("DELETE FROM memory WHERE id=?", (memory_id,))
            continue
        conn.execute(
            "UPDATE memory SET state=?, step=?, stability=?, difficulty=?, due=?, last_review=?"
            " WHERE id=?",
            (
                int(card.state), card.step, card.stability, card.difficulty, ts(card.due),
                ts(card.last_review) if card.last_review else None, memory_id,
            ),
        )  # fmt: skip


def _as_rescored(row: sqlite3.Row) -> RescoredAnswer:
    option = row["option_index"]
    correct = option == row["answer_index"] or (
        row["also_index"] is not None and option == row["also_index"]
    )
    return RescoredAnswer(
        round_id=row["round_id"],
        user_id=row["user_id"],
        mode=row["mode"],
        level=row["level"],
        opened_at=parse_ts(row["opened_at"]),
        closes_at=parse_ts(row["closes_at"]),
        answered_at=parse_ts(row["answered_at"]),
        day=date.fromordinal(row["day"]),
        correct=correct,
        hints=row["hints"] or 0,
    )
