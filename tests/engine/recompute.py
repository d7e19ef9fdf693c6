"""Every leaderboard and streak recomputed from the raw answers alone (the reference the
regrade property test compares the stored aggregates with)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from bot.engine.periods import local_date, period_keys
from bot.scoring import (
    LEADERBOARD_MODES,
    STREAK_BONUS_CAP,
    STREAK_MODES,
    run_before,
    score_answer,
)
from bot.store import Store
from bot.store.db import parse_ts

Board = dict[tuple[str, str, str, str, str, str], tuple[int, int, int]]


async def _answers(store: Store) -> list[dict]:
    rows = await store.fetchall(
        "SELECT r.id, r.platform, r.server_id, r.channel_id, r.mode, r.level, r.opened_at,"
        " r.closes_at, r.answer_index, r.also_index, r.voided, r.state, a.user_id,"
        " a.option_index, a.answered_at, a.day FROM answers a JOIN rounds r ON r.id = a.round_id"
    )
    found = []
    for r in rows:
        a = dict(r)
        a["right"] = not a["voided"] and (
            a["option_index"] == a["answer_index"]
            or (a["also_index"] is not None and a["option_index"] == a["also_index"])
        )
        found.append(a)
    return found


async def boards_from_answers(store: Store) -> Board:
    answers = await _answers(store)
    boards: dict[tuple[str, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    for a in answers:
        if a["state"] != "revealed" or a["voided"] or a["mode"] not in LEADERBOARD_MODES:
            continue
        days_before = 0
        day = date.fromordinal(a["day"])
        if a["right"] and a["mode"] == "daily":
            settled = {
                date.fromordinal(b["day"])
                for b in answers
                if b["user_id"] == a["user_id"]
                and b["platform"] == a["platform"]
                and b["right"]
                and b["state"] != "cancelled"
                and (
                    (b["mode"] == "practice" and b["answered_at"] < a["closes_at"])
                    or (b["mode"] == "daily" and b["closes_at"] <= a["closes_at"])
                )
                and day - timedelta(days=STREAK_BONUS_CAP) <= date.fromordinal(b["day"]) < day
            }
            days_before = run_before(day, settled)
        points = score_answer(
            correct=a["right"],
            level=a["level"],
            mode=a["mode"],
            opened_at=parse_ts(a["opened_at"]),
            closes_at=parse_ts(a["closes_at"]),
            answered_at=parse_ts(a["answered_at"]),
            days_before=days_before,
        ).points
        when = local_date(parse_ts(a["answered_at"]), "UTC")
        for channel in (a["channel_id"], "*"):
            for kind, key in period_keys(when):
                total = boards[a["platform"], a["server_id"], channel, kind, key, a["user_id"]]
                total[0] += points
                total[1] += 1
                total[2] += int(a["right"])
    return {k: (v[0], v[1], v[2]) for k, v in boards.items()}  # type: ignore[misc]


async def boards_stored(store: Store) -> Board:
    rows = await store.fetchall(
        "SELECT platform, server_id, channel_id, period_kind, period_key, user_id, points,"
        " answered, correct FROM scores"
    )
    return {tuple(r[:6]): (r[6], r[7], r[8]) for r in rows}  # type: ignore[misc]


async def runs_from_answers(store: Store) -> set[tuple[str, str, int, int]]:
    days: dict[tuple[str, str], set[int]] = defaultdict(set)
    for a in await _answers(store):
        if a["state"] == "revealed" and a["right"] and a["mode"] in STREAK_MODES:
            days[a["platform"], a["user_id"]].add(a["day"])
    runs = set()
    for who, found in days.items():
        start = None
        for day in sorted(found):
            if start is None or day - 1 not in found:
                start = day
            if day + 1 not in found:
                runs.add((*who, start, day))
    return runs


async def runs_stored(store: Store) -> set[tuple[str, str, int, int]]:
    rows = await store.fetchall("SELECT platform, user_id, first_day, last_day FROM streak_runs")
    return {tuple(r) for r in rows}  # type: ignore[misc]


async def review_ratings(store: Store) -> tuple[dict, dict]:
    """(stored, expected): each review's rating, and the rating its answer earns now under the
    regraded key; a voided round expects no review."""
    from bot.scoring import recall_rating

    stored = {
        (r[0], r[1]): r[2]
        for r in await store.fetchall(
            "SELECT m.user_id, v.round_id, v.rating FROM reviews v"
            " JOIN memory m ON m.id = v.memory_id"
        )
    }
    expected = {}
    for a in await _answers(store):
        if a["state"] != "revealed" or a["voided"]:
            continue
        rating = recall_rating(
            correct=a["right"],
            mode=a["mode"],
            opened_at=parse_ts(a["opened_at"]),
            answered_at=parse_ts(a["answered_at"]),
        )
        expected[a["user_id"], a["id"]] = int(rating)
    return stored, expected
