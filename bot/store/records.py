"""What the engine and its storage hand each other: plain values, no database types.

Every backend (SQLite today, PostgreSQL later) reads and writes these; the engine never sees a
row or a connection. Times are aware UTC datetimes unless a field says it is stored text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from bot.ports import Place
from bot.scoring import Streak

# A round's fixed facts, as the click path needs them (the engine caches these per round):
# platform, mode, format, option_count, answer_index, closes_at (stored text, which compares
# as it sorts), tz, owner_id; the checked path adds state and revealed_at.
RoundFacts = dict[str, Any]
FACT_NAMES = (
    "platform", "mode", "format", "option_count", "answer_index", "closes_at", "tz", "owner_id"
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class NewRound:
    """A round about to be stored (before its question is posted)."""

    place: Place
    mode: str
    state: str  # "open", or "revealed" for a discussion prompt (nothing to reveal)
    card_id: str
    format: str
    prompt: str
    options_json: str
    option_count: int
    answer_index: int | None
    question_json: str
    card_json: str
    topic: str | None
    level: str | None
    tz: str
    owner_id: str | None
    quiz_id: int | None
    quiz_position: int | None
    opened_at: datetime
    closes_at: datetime
    revealed_at: datetime | None
    reveal_delivered: bool


@dataclass(frozen=True, slots=True)
class UnrecordedPost:
    """A round whose question may be on the platform but whose post reference was never
    recorded (the process died between posting and recording)."""

    round_id: int
    place: Place
    format: str
    prompt: str
    options: tuple[str, ...]
    topic: str | None
    level: str | None
    closes_at: datetime
    mode: str
    quiz_position: int | None
    question_count: int | None
    tz: str | None


@dataclass(frozen=True, slots=True)
class UndeliveredReveal:
    round_id: int
    place: Place
    message_ref: str | None
    reveal_json: str


@dataclass(frozen=True, slots=True)
class GivenAnswer:
    answer_id: int
    user_id: str
    display_name: str
    option_index: int
    answered_at: datetime


@dataclass(frozen=True, slots=True)
class ClosedRound:
    """A round just claimed for its reveal, with its answers, inside the reveal transaction.
    `streak_of(user_id)` reads a player's streak in that same transaction."""

    round_id: int
    place: Place
    mode: str
    format: str
    prompt: str
    options: tuple[str, ...]
    answer_index: int | None
    answer_text: str  # the card's answer, as snapshotted when the round opened
    topic: str | None
    level: str | None
    tz: str
    opened_at: datetime
    closes_at: datetime
    message_ref: str | None
    quiz_id: int | None
    quiz_position: int | None
    quiz_count: int | None  # the quiz's number of questions
    quiz_running: bool
    answers: list[GivenAnswer]
    streak_of: Callable[[str], Streak]
    explanations: tuple[str, ...] = ()  # one per option, from the question as asked
    erratum: str | None = None


@dataclass(slots=True)
class Settlement:
    """What a reveal writes, decided by the engine's rules; the storage writes all of it in
    the transaction that claimed the round."""

    scored: list[tuple[int, int, int]]  # (answer id, correct 0/1, points)
    players: list[tuple[str, str]]  # (user id, display name)
    topic: str
    topic_results: list[tuple[str, int]]  # (user id, correct 0/1)
    # (user id, period kind, period key, points, correct 0/1): counted for the round's channel
    # and for the whole server
    board: list[tuple[str, str, str, int, int]]
    streaks: list[tuple[str, Streak]]  # players whose streak changed
    quiz: Literal["finish", "next"] | None
    quiz_next_at: datetime | None
    reveal_json: str


@dataclass(frozen=True, slots=True)
class NewQuiz:
    place: Place
    starter_id: str
    starter_name: str
    question_count: int
    seconds: int
    questions_json: str
    tz: str
    started_at: datetime


@dataclass(frozen=True, slots=True)
class Quiz:
    quiz_id: int
    place: Place
    starter_id: str
    starter_name: str
    question_count: int
    seconds: int
    questions: list[dict[str, Any]]
    position: int  # questions asked so far
    tz: str
    state: str
    next_at: datetime | None


@dataclass(frozen=True, slots=True)
class BoardEntry:
    user_id: str
    name: str
    points: int
    answered: int
    correct: int


@dataclass(frozen=True, slots=True)
class BoardSlice:
    """The top of one board, best first, and the caller's entry with how many are above it
    when the caller is not in the top."""

    top: list[BoardEntry]
    caller: BoardEntry | None
    above_caller: int


@dataclass(frozen=True, slots=True)
class QuizResults:
    quiz: Quiz
    top: list[BoardEntry]
    asked: int  # questions revealed


@dataclass(frozen=True, slots=True)
class PlayerTotals:
    name: str | None
    topics: list[tuple[str, int, int]]  # (topic, answered, correct), most answered first
    streak: Streak
    points: int | None  # all-time points on the server, when asked for one
