"""The storage the engine runs on, as named operations in the quiz's words.

`QuizStorage` is what a backend implements: `bot.store.sqlite.SqliteStorage` today, one
module per table behind it. The engine holds no SQL and sees no database types; where a use
case needs a decision inside a transaction (may this answer be recorded? how does this reveal
score?) it passes a pure function that the backend calls inside that transaction.

Operations return awaitables; the SQLite backend hands back the store's own future so a
burst of 10,000 calls keeps no coroutine alive per call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Protocol, TypeVar

from fsrs import Card

from bot.ports import Place, Player
from bot.store.records import (
    AskedQuestion,
    BoardSlice,
    CardReport,
    ClosedRound,
    NewQuiz,
    NewRound,
    PlayerTotals,
    Quiz,
    QuizResults,
    RegradeResult,
    RegradeRules,
    ReportedCard,
    RoundFacts,
    Settlement,
    StoredRound,
    UnrecordedPost,
)
from bot.store.retention import Pruned, RetentionPolicy

T = TypeVar("T")

# The engine's verdict on a round for an answer: None to record the answer, or the status to
# report instead ("unknown_round", "closed", ...).
Verdict = Callable[[RoundFacts], str | None]
# The engine's scoring of a round claimed for its reveal: what to write, and what to return.
Settle = Callable[[ClosedRound], tuple[Settlement, T]]
# The streak day of an answer about to be recorded, from the round's facts.
DayOf = Callable[[RoundFacts], date]
# The engine's reading of a typed answer against the round's accepted answers (and the
# typings it refuses however close, and the question, whose blank's neighbours a typing may
# repeat): the accepted answer it counts as, or None when wrong.
ReadTyped = Callable[[tuple[str, ...], tuple[str, ...], str], str | None]


class QuizStorage(Protocol):
    # -- places ---------------------------------------------------------------------------
    def place_zone(self, place: Place) -> Awaitable[str | None]: ...
    def set_place_zone(self, place: Place, tz: str, now: datetime) -> Awaitable[None]:
        """The channel's zone; the first channel of a server to get one sets the server's."""
        ...

    def server_zone(self, platform: str, server_id: str) -> Awaitable[str | None]:
        """The zone the server's weeks and months are reckoned in, if it has one."""
        ...

    def home_zone(self, platform: str, user_id: str) -> Awaitable[str | None]:
        """The zone of the channel of the player's latest daily or quiz answer."""
        ...

    # -- rounds ---------------------------------------------------------------------------
    def store_round(self, new: NewRound) -> Awaitable[int | None]:
        """Store a round before its question is posted; its id. A quiz question is stored
        only while its quiz runs and as its very next question (else None), moving the
        quiz's position in the same transaction."""
        ...

    def record_post(self, round_id: int, ref: str) -> Awaitable[int]:
        """The question is on the platform: remember where, so the reveal edits it."""
        ...

    def cancel_unposted(self, round_id: int) -> Awaitable[int]:
        """Posting failed: cancel the round if it is still open (never a revealed one)."""
        ...

    def round_facts(self, round_id: int) -> Awaitable[RoundFacts | None]: ...
    def round_state(self, round_id: int) -> Awaitable[str | None]: ...
    def cards_asked(self, place: Place, mode: str) -> Awaitable[set[str]]: ...
    def recent_cards(self, place: Place, limit: int) -> Awaitable[list[str]]: ...
    def due_rounds(self, now: datetime) -> Awaitable[list[int]]: ...
    def next_due(self) -> Awaitable[datetime | None]:
        """The earliest close of an open round or next question of a running quiz."""
        ...

    def open_rounds_in(self, place: Place) -> Awaitable[list[int]]: ...
    def open_rounds_of_quiz(self, quiz_id: int) -> Awaitable[list[int]]: ...
    def open_round_closes(self, quiz_id: int) -> Awaitable[datetime | None]: ...
    def revealed_round(self, round_id: int) -> Awaitable[StoredRound | None]:
        """A revealed round with its scored answers (to show its reveal again)."""
        ...

    def mark_reveal_delivered(self, round_id: int) -> Awaitable[None]: ...
    def undelivered_reveals(self) -> Awaitable[list[StoredRound]]: ...
    def unrecorded_posts(self) -> Awaitable[list[UnrecordedPost]]: ...
    def record_found_post(self, round_id: int, ref: str) -> Awaitable[None]: ...

    # -- answers --------------------------------------------------------------------------
    def lock_in(
        self, round_id: int, player: Player, option: int, stamp: str, day: date
    ) -> Awaitable[int]:
        """Record an answer, given at `stamp` on streak day `day`, if the round is open and the
        player has none: 1, else 0."""
        ...

    def answer_checked(
        self,
        round_id: int,
        player: Player,
        option: int,
        stamp: str,
        verdict: Verdict,
        day_of: DayOf,
    ) -> Awaitable[tuple[str, int | None, RoundFacts | None]]:
        """In one transaction: the round's facts, the engine's verdict, the answer recorded
        (dated `day_of(facts)`) if the verdict allows. (status, option on record, facts)."""
        ...

    def typed_answer_checked(
        self,
        round_id: int,
        player: Player,
        text: str,
        stamp: str,
        verdict: Verdict,
        read: ReadTyped,
        day_of: DayOf,
    ) -> Awaitable[tuple[str, tuple[str, str | None] | None, RoundFacts | None]]:
        """In one transaction: the round's facts, the engine's verdict, the text read against
        the round's accepted answers and recorded with the reading if the verdict allows and
        the player has no answer yet. (status, (typed, read as) on record, facts)."""
        ...

    def take_hint(
        self, round_id: int, player: Player, stamp: str, verdict: Verdict
    ) -> Awaitable[tuple[str, RoundFacts | None, AskedQuestion | None]]:
        """In one transaction: the round's facts, the engine's verdict, then, unless the player
        has answered already, a record that they took the round's hint (once). (status:
        "hinted", "hinted_again", "already_answered" or the verdict's; facts; the question as
        asked, when hinted)."""
        ...

    # -- reveals --------------------------------------------------------------------------
    def reveal_round(self, round_id: int, now: datetime, settle: Settle[T]) -> Awaitable[T | None]:
        """In one transaction: claim the open round, hand it with its answers to `settle`,
        write the settlement (scores, names, topics, boards, streak days, quiz progress).
        `settle`'s result, or None if the round was not open."""
        ...

    # -- quick quizzes --------------------------------------------------------------------
    def create_quiz(self, new: NewQuiz) -> Awaitable[int | None]:
        """The quiz's id, or None when another quiz already runs in the place."""
        ...

    def running_quiz(self, place: Place) -> Awaitable[Quiz | None]: ...
    def running_quizzes(self) -> Awaitable[list[Quiz]]: ...
    def quiz_question_count(self, quiz_id: int) -> Awaitable[int | None]: ...
    def due_quizzes(self, now: datetime) -> Awaitable[list[int]]: ...
    def claim_next_question(self, quiz_id: int, now: datetime) -> Awaitable[Quiz | str | None]:
        """A due quiz moves on: the quiz before the move, "all_asked", or None (not due)."""
        ...

    def end_quiz(self, quiz_id: int, state: str, now: datetime) -> Awaitable[bool]: ...
    def resume_quiz(self, quiz_id: int, now: datetime) -> Awaitable[None]: ...
    def quiz_results(self, quiz_id: int, limit: int) -> Awaitable[QuizResults | None]: ...

    # -- leaderboards and stats -----------------------------------------------------------
    def board(
        self, board_key: tuple[str, str, str, str, str], caller_id: str | None, limit: int
    ) -> Awaitable[BoardSlice]: ...
    def every_server_board(
        self, period: str, key_in: Callable[[str | None], str], limit: int
    ) -> Awaitable[list[tuple[str, str, BoardSlice]]]:
        """Every server's whole-server board; `key_in(server zone)` names the period."""
        ...

    def player_totals(
        self, platform: str, user_id: str, server_id: str | None
    ) -> Awaitable[PlayerTotals]: ...

    # -- memory (spaced repetition) -------------------------------------------------------
    def player_memory(self, platform: str, user_id: str) -> Awaitable[dict[str, Card]]:
        """The player's FSRS card for each card they have answered, by card id."""
        ...

    def team_memory(
        self, platform: str | None, server_id: str | None, since: datetime
    ) -> Awaitable[tuple[int, dict[str, list[tuple[str, Card]]]]]:
        """(active players, their FSRS cards by card id): those who answered in the server's
        daily questions and quizzes since `since` (no platform: anywhere)."""
        ...

    # -- several processes on one database ------------------------------------------------
    def first_delivery(self, key: str, now: datetime) -> Awaitable[bool]:
        """True for the first process to take platform delivery `key` (remembered for an
        hour), False for a repeat, whichever process took it."""
        ...

    def forget_deliveries(self, now: datetime) -> Awaitable[int]: ...
    # -- reports of bad questions -------------------------------------------------------
    def add_report(self, report: CardReport) -> Awaitable[bool]:
        """Store a report; False when the player already reported the card in this server."""
        ...

    def held_cards(self, platform: str, server_id: str) -> Awaitable[set[str]]:
        """Cards kept out of the server's daily rotation and quick quizzes."""
        ...

    def reported_cards(self, platform: str, server_id: str) -> Awaitable[list[ReportedCard]]:
        """Cards with open reports in the server, worst first."""
        ...

    def every_report(self) -> Awaitable[list[CardReport]]: ...
    def hold_after(self, platform: str, server_id: str) -> Awaitable[int]: ...
    def set_hold_after(
        self, platform: str, server_id: str, count: int, by: str, now: datetime
    ) -> Awaitable[None]: ...
    def decide_card(
        self, platform: str, server_id: str, card_id: str, decision: str, by: str, now: datetime
    ) -> Awaitable[None]:
        """keep (dismiss the reports so far, lift a hold) or hold (never ask it here again)."""
        ...

    def regrade_card(
        self,
        platform: str,
        server_id: str,
        card_id: str,
        decision: str,
        option_text: str,
        by: str,
        now: datetime,
        rules: RegradeRules,
    ) -> Awaitable[RegradeResult]:
        """In one transaction, once: accept `option_text` too, or void, in the card's revealed
        rounds of the server, and rescore everything built on their answers."""
        ...

    # -- upkeep ---------------------------------------------------------------------------
    def prune(
        self, policy: RetentionPolicy, now: datetime, *, batch: int, dry_run: bool = False
    ) -> Awaitable[Pruned]:
        """One small batch of the retention policy (at most `batch` rows of each kind), or with
        `dry_run` a count of everything it would remove now."""
        ...
