"""Settling a round at its reveal: score each answer (rules in `bot.scoring`), record streak
days, count the answers on the boards, move a quick quiz on, and build the reveal message.

Pure: `settle` runs inside the storage's reveal transaction (`QuizStorage.reveal_round`), so
everything it decides is written in that one transaction, and it may run twice when the
transaction is retried. Nothing it decides depends on the order in which rounds are
revealed: an answer's streak day was fixed when it was given, its week and month come from
when it was given, and its streak bonus reads the player's answers themselves.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from fsrs import Card

from bot.engine import memory
from bot.engine.periods import local_date, period_keys
from bot.messages import RevealMessage
from bot.ports import Place
from bot.questions.formats import FORMATS
from bot.questions.matching import normalise
from bot.scoring import (
    LEADERBOARD_MODES,
    STREAK_BONUS_CAP,
    STREAK_MODES,
    recall_rating,
    run_before,
    score_answer,
)
from bot.store.db import ts
from bot.store.records import AskedQuestion, ClosedRound, Review, Settlement, StoredRound

TOP_TYPED = 5  # the most common typed answers a reveal shows
QUIZ_PAUSE = timedelta(seconds=5)  # between a reveal and the next question: time to read it

# The card's answer as a reveal shows it, by card id and question format, from the loaded
# decks ("" when the card is gone).
AnswerOf = Callable[[str, str], str]


@dataclass(frozen=True, slots=True)
class Revealed:
    message: RevealMessage
    place: Place
    message_ref: str | None  # the question's post, which the reveal edits
    finished_quiz: int | None  # the quick quiz this reveal finished


def settle(closed: ClosedRound, now: datetime, answer_of: AnswerOf) -> tuple[Settlement, Revealed]:
    r = closed.round
    mode = r.mode
    settlement = Settlement(
        scored=[],
        players=[],
        topic=r.topic or "General",
        topic_results=[],
        board=[],
        streak_days=[],
        quiz=None,
        quiz_next_at=None,
        # A practice round was shown once, privately: once answered it keeps its answer only.
        keep_question=not (mode == "practice" and r.answers),
    )
    remembered = _remembered(r.format)
    # Every answerer's card at once: a round may carry a thousand answers.
    known = closed.memory(r.card_id, [a.user_id for a in r.answers]) if remembered else {}
    for a in r.answers:
        correct = a.option_index == r.answer_index
        days_before = 0
        if correct and mode == "daily":
            earlier = closed.streak_days(
                a.user_id,
                a.day - timedelta(days=STREAK_BONUS_CAP),
                a.day - timedelta(days=1),
                r.closes_at,
            )
            days_before = run_before(a.day, earlier)
        score = score_answer(
            correct=correct,
            level=r.level,
            mode=mode,
            opened_at=r.opened_at,
            closes_at=r.closes_at,
            answered_at=a.answered_at,
            days_before=days_before,
            hinted=a.hints > 0,
        )
        settlement.scored.append((a.user_id, int(correct), score.points))
        if remembered:
            before = known.get(a.user_id)
            settlement.reviews.append(
                _review(r, before, a.user_id, a.answered_at, correct, hinted=a.hints > 0)
            )
        settlement.players.append((a.user_id, a.display_name, ts(a.answered_at)))
        settlement.topic_results.append((a.user_id, int(correct)))
        if correct and mode in STREAK_MODES:
            settlement.streak_days.append((a.user_id, a.day))
        if mode in LEADERBOARD_MODES:
            board_day = local_date(a.answered_at, closed.board_zone)
            for kind, key in period_keys(board_day):
                settlement.board.append((a.user_id, kind, key, score.points, int(correct)))
    finished = _quiz_progress(closed, settlement, now)
    points = {user_id: (correct, pts) for user_id, correct, pts in settlement.scored}
    message = reveal_message(r, points, now, answer_of)
    return settlement, Revealed(message, r.place, r.message_ref, finished)


def reveal_message(
    r: StoredRound,
    points: dict[str, tuple[int, int]],
    revealed_at: datetime,
    answer_of: AnswerOf,
) -> RevealMessage:
    """The reveal of a round from its answers: `points` maps a player's user id to (correct
    0/1, points). Built the same way at the reveal and when a stored reveal is shown again."""
    question = r.question or AskedQuestion("", ())
    counts = [0] * len(question.options)
    right: list[tuple[str, int, datetime]] = []
    for a in r.answers:
        if 0 <= a.option_index < len(counts):
            counts[a.option_index] += 1
        correct, pts = points.get(a.user_id, (0, 0))
        if correct:
            right.append((a.display_name, pts, a.answered_at))
    right.sort(key=lambda item: (-item[1], item[2]))
    position = None
    if r.quiz_id is not None:
        position = f"{r.quiz_position}/{r.quiz_count}"
    typed = _most_typed(r)
    return RevealMessage(
        round_id=r.round_id,
        prompt=question.prompt,
        options=question.options,
        correct_index=r.answer_index,
        answer=answer_of(r.card_id, r.format),
        counts=tuple(counts),
        right=tuple((name, pts) for name, pts, _ in right),
        wrong_count=len(r.answers) - len(right),
        closes_at=r.closes_at,
        revealed_at=revealed_at,
        mode=r.mode,
        format=r.format,
        topic=r.topic,
        level=r.level,
        position=position,
        zone=r.tz,
        explanations=question.explanations,
        erratum=question.erratum,
        accepted=question.accepted,
        typed_answers=typed,
        typed_right=_typed_right(r, points, typed),
    )


def _most_typed(r: StoredRound) -> tuple[tuple[str, int], ...]:
    """The most common typed answers, normalised so "The Eiffel tower!" and "eiffel tower"
    count as one; ties in the order first typed."""
    said = Counter(normalise(a.typed) for a in r.answers if a.typed)
    said.pop("", None)
    return tuple(said.most_common(TOP_TYPED))


def _typed_right(
    r: StoredRound, points: dict[str, tuple[int, int]], typed: tuple[tuple[str, int], ...]
) -> tuple[str, ...]:
    """Which of the most typed answers counted (as the first player who typed it was
    scored: one normalised text is read alike, a regrade included)."""
    shown = {text for text, _ in typed}
    verdict: dict[str, bool] = {}
    for a in r.answers:
        text = normalise(a.typed) if a.typed else ""
        if text in shown and text not in verdict:
            verdict[text] = bool(points.get(a.user_id, (0, 0))[0])
    return tuple(text for text, _ in typed if verdict.get(text))


def stored_reveal(r: StoredRound, answer_of: AnswerOf) -> RevealMessage | None:
    """The reveal of an already revealed round, rebuilt from what is stored; None once its
    question text is gone (the retention policy, or an answered practice round)."""
    if r.question is None or r.revealed_at is None:
        return None
    points = {a.user_id: (a.correct or 0, a.points or 0) for a in r.answers}
    return reveal_message(r, points, r.revealed_at, answer_of)


def _remembered(fmt: str) -> bool:
    """Only a question with a right answer is a review; a discussion prompt is not."""
    known = FORMATS.get(fmt)
    return known is None or known.scored


def _review(
    r: StoredRound,
    before: Card | None,
    user_id: str,
    answered_at: datetime,
    correct: bool,
    *,
    hinted: bool = False,
) -> Review:
    """The answer as one FSRS review of the player's card (the rating rule: `bot.scoring`)."""
    rating = recall_rating(
        correct=correct,
        mode=r.mode,
        opened_at=r.opened_at,
        answered_at=answered_at,
        hinted=hinted,
    )
    shown_for = answered_at - r.opened_at
    # Only a quiz or practice question opens as it is shown; a daily answer's wait says nothing.
    duration_ms = int(shown_for.total_seconds() * 1000) if r.mode != "daily" else None
    card = memory.reviewed(before, rating, answered_at)
    return Review(user_id, r.card_id, card, rating, card.last_review or answered_at, duration_ms)


def _quiz_progress(closed: ClosedRound, settlement: Settlement, now: datetime) -> int | None:
    """After a quiz's last question the quiz ends (its id is returned: it finished here),
    otherwise its next question is due after a pause."""
    r = closed.round
    if r.quiz_id is None or not closed.quiz_running:
        return None
    if r.quiz_position is None or r.quiz_count is None:
        return None
    if r.quiz_position >= r.quiz_count:
        settlement.quiz = "finish"
        return r.quiz_id
    settlement.quiz = "next"
    settlement.quiz_next_at = now + QUIZ_PAUSE
    return None
