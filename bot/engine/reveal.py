"""Settling a round at its reveal: score each answer (rules in `bot.scoring`), extend streaks,
count the answers on the boards, move a quick quiz on, and build the reveal message.

Pure: `settle` runs inside the storage's reveal transaction (`QuizStorage.reveal_round`), so
everything it decides is written in that one transaction, and it may run twice when the
transaction is retried.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.engine.periods import local_date, period_keys
from bot.messages import RevealMessage
from bot.ports import Place
from bot.scoring import LEADERBOARD_MODES, STREAK_MODES, Streak, score_answer
from bot.store.db import parse_ts, ts
from bot.store.records import ClosedRound, Settlement

QUIZ_PAUSE = timedelta(seconds=5)  # between a reveal and the next question: time to read it


@dataclass(frozen=True, slots=True)
class Revealed:
    message: RevealMessage
    place: Place
    message_ref: str | None  # the question's post, which the reveal edits
    finished_quiz: int | None  # the quick quiz this reveal finished


def settle(closed: ClosedRound, now: datetime) -> tuple[Settlement, Revealed]:
    mode, tz = closed.mode, closed.tz
    counts = [0] * len(closed.options)
    right: list[tuple[str, int, datetime]] = []
    settlement = Settlement(
        scored=[],
        players=[],
        topic=closed.topic or "General",
        topic_results=[],
        board=[],
        streaks=[],
        quiz=None,
        quiz_next_at=None,
        reveal_json="",
    )
    for a in closed.answers:
        correct = a.option_index == closed.answer_index
        day = local_date(a.answered_at, tz)
        streak_days = 0
        if correct and mode in STREAK_MODES:
            streak_days = _extend_streak(closed, settlement, a.user_id, day)
        score = score_answer(
            correct=correct,
            level=closed.level,
            mode=mode,
            opened_at=closed.opened_at,
            closes_at=closed.closes_at,
            answered_at=a.answered_at,
            streak_days=streak_days,
        )
        if 0 <= a.option_index < len(counts):
            counts[a.option_index] += 1
        if correct:
            right.append((a.display_name, score.points, a.answered_at))
        settlement.scored.append((a.answer_id, int(correct), score.points))
        settlement.players.append((a.user_id, a.display_name))
        settlement.topic_results.append((a.user_id, int(correct)))
        if mode in LEADERBOARD_MODES:
            for kind, key in period_keys(day):
                settlement.board.append((a.user_id, kind, key, score.points, int(correct)))
    right.sort(key=lambda item: (-item[1], item[2]))
    position, finished = _quiz_progress(closed, settlement, now)
    message = RevealMessage(
        round_id=closed.round_id,
        prompt=closed.prompt,
        options=closed.options,
        correct_index=closed.answer_index,
        answer=closed.answer_text,
        counts=tuple(counts),
        right=tuple((name, points) for name, points, _ in right),
        wrong_count=len(closed.answers) - len(right),
        closes_at=closed.closes_at,
        revealed_at=now,
        mode=mode,
        format=closed.format,
        topic=closed.topic,
        level=closed.level,
        position=position,
        zone=tz,
        explanations=closed.explanations,
        erratum=closed.erratum,
    )
    settlement.reveal_json = reveal_to_json(message)
    return settlement, Revealed(message, closed.place, closed.message_ref, finished)


def _extend_streak(closed: ClosedRound, settlement: Settlement, user_id: str, day) -> int:
    before: Streak = closed.streak_of(user_id)
    after = before.after_correct(day)
    if after != before:
        settlement.streaks.append((user_id, after))
    return after.current


def _quiz_progress(
    closed: ClosedRound, settlement: Settlement, now: datetime
) -> tuple[str | None, int | None]:
    """The reveal's "3/5", and the quiz it finished: after the last question the quiz ends,
    otherwise its next question is due after a pause."""
    if closed.quiz_id is None:
        return None, None
    position = f"{closed.quiz_position}/{closed.quiz_count}"
    if not closed.quiz_running or closed.quiz_position is None or closed.quiz_count is None:
        return position, None
    if closed.quiz_position >= closed.quiz_count:
        settlement.quiz = "finish"
        return position, closed.quiz_id
    settlement.quiz = "next"
    settlement.quiz_next_at = now + QUIZ_PAUSE
    return position, None


def reveal_to_json(message: RevealMessage) -> str:
    data = dataclasses.asdict(message)
    data["closes_at"] = ts(message.closes_at)
    data["revealed_at"] = ts(message.revealed_at)
    return json.dumps(data, ensure_ascii=False)


def reveal_from_json(text: str) -> RevealMessage:
    data = json.loads(text)
    data["closes_at"] = parse_ts(data["closes_at"])
    data["revealed_at"] = parse_ts(data["revealed_at"])
    data["options"] = tuple(data["options"])
    data["counts"] = tuple(data["counts"])
    data["right"] = tuple((name, points) for name, points in data["right"])
    data["explanations"] = tuple(data.get("explanations") or ())
    return RevealMessage(**data)
