"""Leaderboards and personal stats as messages: ranking and the stats rules, over what the
storage reads from its aggregates (never by scanning answers)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from bot.engine.periods import local_date, period_key, period_label
from bot.messages import LeaderboardMessage, LeaderboardRow, StatsMessage, TopicStat
from bot.scoring import BOARD_TOP
from bot.store.records import BoardEntry, BoardSlice, PlayerTotals
from bot.store.storage import QuizStorage

TOP = BOARD_TOP
WEAK_TOPIC_MIN_ANSWERS = 3  # a topic needs this many answers before it can be "weakest"
WEAK_TOPICS_SHOWN = 3


def board_key(
    platform: str, server_id: str, channel_id: str, period: str, day: date
) -> tuple[str, str, str, str, str]:
    """Which board: channel "*" is the whole server's."""
    return platform, server_id, channel_id, period, period_key(period, day)


def board_title(period: str, day: date, current: bool, where: str) -> str:
    """The board's title: `This week on this server`, or for a period that is over
    `Week 2026-W10 in this channel`."""
    if current:
        when = {"week": "This week", "month": "This month", "all": "All time"}[period]
    else:
        label = period_label(period, day)
        when = label[:1].upper() + label[1:]
    return f"{when} {where}"


def board_message(
    found: BoardSlice,
    *,
    period: str,
    day: date,
    caller_id: str | None,
    title: str,
    scope: str,
) -> LeaderboardMessage:
    rows = ranked(found.top)
    caller = None
    if caller_id is not None:
        caller = next((r for r in rows if r.user_id == caller_id), None)
        if caller is None and found.caller is not None:
            caller = _row(found.above_caller + 1, found.caller)
    return LeaderboardMessage(
        title=title,
        period=period,
        scope=scope,
        rows=tuple(rows),
        caller=caller,
        period_label=period_label(period, day),
        more_tied=found.more_tied,
    )


def ranked(found: list[BoardEntry]) -> list[LeaderboardRow]:
    rows: list[LeaderboardRow] = []
    for i, entry in enumerate(found):
        # Equal points share a rank ("1, 2, 2, 4"); entries come best first.
        rank = rows[-1].rank if rows and rows[-1].points == entry.points else i + 1
        rows.append(_row(rank, entry))
    return rows


def _row(rank: int, entry: BoardEntry) -> LeaderboardRow:
    return LeaderboardRow(
        rank=rank,
        name=entry.name,
        points=entry.points,
        answered=entry.answered,
        correct=entry.correct,
        user_id=entry.user_id,
    )


def stats_message(totals: PlayerTotals, *, fallback_name: str, today: date) -> StatsMessage:
    topics = tuple(
        TopicStat(topic, answered, correct) for topic, answered, correct in totals.topics
    )
    weak = sorted(
        (t for t in topics if t.answered >= WEAK_TOPIC_MIN_ANSWERS and t.correct < t.answered),
        key=lambda t: (t.accuracy, -t.answered, t.topic),
    )
    return StatsMessage(
        name=totals.name or fallback_name,
        answered=sum(t.answered for t in topics),
        correct=sum(t.correct for t in topics),
        current_streak=totals.streak.current_on(today),
        best_streak=totals.streak.best,
        topics=topics,
        weakest=tuple(t.topic for t in weak[:WEAK_TOPICS_SHOWN]),
        points=totals.points,
    )


# -- for `quizbot leaderboard`, which reads every server's board in one snapshot ----------


async def every_server_board(
    storage: QuizStorage, period: str, now: datetime, title: Callable[[str, str], str]
) -> list[LeaderboardMessage]:
    """Every server's whole-server board for the period holding `now` in that server's zone;
    `title(platform, server)` names it."""
    found = await storage.every_server_board(
        period, lambda tz: period_key(period, local_date(now, tz)), TOP
    )
    zones = {}
    for platform, server, _ in found:
        zones[platform, server] = await storage.server_zone(platform, server)
    return [
        board_message(
            board, period=period, day=local_date(now, zones[platform, server]), caller_id=None,
            title=title(platform, server), scope="server",
        )
        for platform, server, board in found
    ]  # fmt: skip
