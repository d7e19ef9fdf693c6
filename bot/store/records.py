"""What the engine and its storage hand each other: plain values, no database types.

Every backend (SQLite today, PostgreSQL later) reads and writes these; the engine never sees a
row or a connection. Times are aware UTC datetimes unless a field says it is stored text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, Protocol

from fsrs import Card, Rating

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
class Review:
    """One scored answer as an FSRS review: the player's card state after it, and its log."""

    user_id: str
    card_id: str
    card: Card  # the state after this review
    rating: Rating
    reviewed_at: datetime
    duration_ms: int | None  # from the question being shown to the answer


@dataclass(frozen=True, slots=True)
class NewRound:
    """A round about to be stored (before its question is posted)."""

    place: Place
    mode: str
    state: str  # "open", or "revealed" for a discussion prompt (nothing to reveal)
    card_id: str
    format: str
    option_count: int
    answer_index: int | None
    question: str  # the stored question text (see `bot.store.rounds.question_text`)
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
class AskedQuestion:
    """What a round's question said, as stored once with the round."""

    prompt: str
    options: tuple[str, ...]
    explanations: tuple[str, ...] = ()  # one per option, from the question as asked
    erratum: str | None = None
    accepted: tuple[str, ...] = ()  # a typed question's accepted answers, canonical first
    refused: tuple[str, ...] = ()  # typings read as wrong however close (see Question)


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
    opened_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class GivenAnswer:
    user_id: str  # one answer per player and round: the answer's key within its round
    display_name: str
    option_index: int
    answered_at: datetime
    day: date  # the streak day, fixed when the answer was given
    correct: int | None = None  # set at the reveal
    points: int | None = None  # set at the reveal
    typed: str | None = None  # a typed answer: what the player typed
    read_as: str | None = None  # ... and the accepted answer it counted as (None: wrong)
    hints: int = 0  # hints the player took before answering (0 or 1; `bot.scoring`)


@dataclass(frozen=True, slots=True)
class StoredRound:
    """A round as stored, with its answers (first given first): what a reveal is made of."""

    round_id: int
    place: Place
    mode: str
    format: str
    card_id: str
    question: AskedQuestion | None  # None once its text was dropped (retention, practice)
    answer_index: int | None
    topic: str | None
    level: str | None
    tz: str
    opened_at: datetime
    closes_at: datetime
    revealed_at: datetime | None
    message_ref: str | None
    quiz_id: int | None
    quiz_position: int | None
    quiz_count: int | None  # the quiz's number of questions
    answers: list[GivenAnswer]


# Inside the reveal transaction: (user id, first day, last day, settled by) -> the days in
# that range on which the player has a correct streak answer settled by that moment.
StreakDaysLookup = Callable[[str, date, date, datetime], set[date]]
# (card id, user ids) -> each of those players' FSRS card for it as stored, by user id (a
# player who never answered it is left out)
MemoryLookup = Callable[[str, Sequence[str]], dict[str, Card]]


@dataclass(frozen=True, slots=True)
class ClosedRound:
    """A round just claimed for its reveal, inside the reveal transaction, with what its
    settlement reads in that same transaction."""

    round: StoredRound
    quiz_running: bool
    board_zone: str  # the server's zone: which week and month its answers count for
    streak_days: StreakDaysLookup
    memory: MemoryLookup


@dataclass(slots=True)
class Settlement:
    """What a reveal writes, decided by the engine's rules; the storage writes all of it in
    the transaction that claimed the round."""

    scored: list[tuple[str, int, int]]  # (user id, correct 0/1, points)
    players: list[tuple[str, str, str]]  # (user id, display name, answered at as stored text)
    topic: str
    topic_results: list[tuple[str, int]]  # (user id, correct 0/1)
    # (user id, period kind, period key, points, correct 0/1): counted for the round's channel
    # and for the whole server
    board: list[tuple[str, str, str, int, int]]
    streak_days: list[tuple[str, date]]  # (user id, day) of each correct streak answer
    quiz: Literal["finish", "next"] | None
    quiz_next_at: datetime | None
    keep_question: bool  # False: drop the question's text now (a practice round)
    reviews: list[Review] = field(default_factory=list)  # one FSRS review per scored answer


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
    started_at: datetime


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
    when the caller is not in the top; `more_tied`: players left out of the top who have as
    many points as its last row."""

    top: list[BoardEntry]
    caller: BoardEntry | None
    above_caller: int
    more_tied: int = 0


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


# -- reports of bad questions (issue 18) ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class CardReport:
    """A player's report of a question, made from one round's reveal."""

    platform: str
    server_id: str
    channel_id: str
    card_id: str
    round_id: int
    user_id: str
    display_name: str
    reason: str  # a key of `bot.engine.reports.REASONS`
    note: str
    reported_at: datetime
    state: str = "open"  # open, or the decision that closed it: keep, hold, accept, void


@dataclass(frozen=True, slots=True)
class ReportedCard:
    """A card with open reports in one server or workspace, as an admin decides on it."""

    card_id: str
    reports: tuple[CardReport, ...]  # the open ones, latest first
    held: bool  # out of this place's daily rotation and quick quizzes now
    decisions: tuple[str, ...]  # decisions already taken on it here ("accept:…", "hold")

    @property
    def reporters(self) -> int:
        return len(self.reports)


@dataclass(frozen=True, slots=True)
class RegradeResult:
    """What one regrade changed; `first` False: it had been applied before, nothing changed."""

    first: bool
    rounds: tuple[int, ...]  # the rounds whose answers it rescored
    answers: int  # answers whose correctness or points changed
    players: int  # players whose boards, stats or streak it touched


@dataclass(frozen=True, slots=True)
class RescoredAnswer:
    """A revealed answer as a regrade rescores it: the round's facts and the answer's."""

    round_id: int
    user_id: str
    mode: str
    level: str | None
    opened_at: datetime
    closes_at: datetime
    answered_at: datetime
    day: date
    correct: bool  # under the regraded key
    hints: int = 0  # hints taken before answering: a right answer after one earns less


class RegradeRules(Protocol):
    """The engine's rules a regrade applies inside its transaction (pure functions)."""

    @property
    def streak_reach(self) -> int:
        """How many days after a streak day a daily answer's bonus may count it."""
        ...

    def points(self, answer: RescoredAnswer, streak_days: StreakDaysLookup) -> int: ...
    def board_keys(self, answered_at: datetime, zone: str) -> list[tuple[str, str]]: ...
    def counts_on_boards(self, mode: str) -> bool: ...
    def extends_streak(self, mode: str) -> bool: ...
    def rating(self, answer: RescoredAnswer) -> Rating: ...
    def replay(
        self, before: Card | None, rating: Rating, at: datetime, duration_ms: int | None
    ) -> Card: ...
