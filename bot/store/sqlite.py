"""`QuizStorage` on SQLite: each operation is one trip through the store's single writer
(group-committed) or its reader (shared snapshots), made of the table modules' functions.
The same class serves PostgreSQL: given a `PgStore` (bot/store/postgres.py), the same
functions run there."""

from __future__ import annotations

import functools
from asyncio import Future
from collections.abc import Callable
from datetime import date, datetime
from typing import TypeVar

from fsrs import Card

from bot.ports import Place, Player
from bot.store import (
    answers,
    leaderboards,
    memory,
    places,
    processes,
    quizzes,
    regrades,
    reports,
    retention,
    rounds,
    scores,
)
from bot.store.db import Connection, Store, parse_ts
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
    StoredRound,
    UnrecordedPost,
)
from bot.store.retention import Pruned, RetentionPolicy
from bot.store.storage import DayOf, ReadTyped, Settle, Verdict

T = TypeVar("T")

_p = functools.partial


class SqliteStorage:
    """The engine's storage in one SQLite file (see `bot.store.db.Store`)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- several processes on one database ------------------------------------------------

    def first_delivery(self, key: str, now: datetime) -> Future[bool]:
        return self.store.write(_p(processes.first_delivery, key=key, now=now))

    def forget_deliveries(self, now: datetime) -> Future[int]:
        return self.store.write(_p(processes.forget_deliveries, now=now))

    # -- places ---------------------------------------------------------------------------

    def place_zone(self, place: Place) -> Future[str | None]:
        return self.store.read(_p(places.zone, place=place))

    def set_place_zone(self, place: Place, tz: str, now: datetime) -> Future[None]:
        return self.store.write(_p(places.set_zone, place=place, tz=tz, now=now))

    def server_zone(self, platform: str, server_id: str) -> Future[str | None]:
        return self.store.read(_p(places.server_zone, platform=platform, server_id=server_id))

    def home_zone(self, platform: str, user_id: str) -> Future[str | None]:
        return self.store.read(_p(answers.home_zone, platform=platform, user_id=user_id))

    # -- rounds ---------------------------------------------------------------------------

    def store_round(self, new: NewRound) -> Future[int | None]:
        return self.store.write(rounds.Insert(new))

    def record_post(self, round_id: int, ref: str) -> Future[int]:
        return self.store.write_row(rounds.SET_MESSAGE_REF, (ref, round_id))

    def cancel_unposted(self, round_id: int) -> Future[int]:
        return self.store.write_row(rounds.CANCEL_IF_OPEN, (round_id,))

    def round_facts(self, round_id: int) -> Future[RoundFacts | None]:
        return self.store.read(_Facts(round_id))

    def round_state(self, round_id: int) -> Future[str | None]:
        return self.store.read(_p(rounds.state_of, round_id=round_id))

    def cards_asked(self, place: Place, mode: str) -> Future[set[str]]:
        return self.store.read(_p(rounds.cards_asked, place=place, mode=mode))

    def recent_cards(self, place: Place, limit: int) -> Future[list[str]]:
        return self.store.read(_p(rounds.recent_cards, place=place, limit=limit))

    def due_rounds(self, now: datetime) -> Future[list[int]]:
        return self.store.read(_p(rounds.due_ids, now=now))

    def next_due(self) -> Future[datetime | None]:
        return self.store.read(_next_due)

    def open_rounds_in(self, place: Place) -> Future[list[int]]:
        return self.store.read(_p(rounds.open_ids_in, place=place))

    def open_rounds_of_quiz(self, quiz_id: int) -> Future[list[int]]:
        return self.store.read(_p(rounds.open_ids_of_quiz, quiz_id=quiz_id))

    def open_round_closes(self, quiz_id: int) -> Future[datetime | None]:
        return self.store.read(_p(rounds.open_close_of_quiz, quiz_id=quiz_id))

    def revealed_round(self, round_id: int) -> Future[StoredRound | None]:
        return self.store.read(_p(rounds.revealed, round_id=round_id))

    def mark_reveal_delivered(self, round_id: int) -> Future[None]:
        return self.store.write(_p(rounds.mark_reveal_delivered, round_id=round_id))

    def undelivered_reveals(self) -> Future[list[StoredRound]]:
        return self.store.read(rounds.undelivered_reveals)

    def unrecorded_posts(self) -> Future[list[UnrecordedPost]]:
        return self.store.read(rounds.unrecorded_posts)

    def record_found_post(self, round_id: int, ref: str) -> Future[None]:
        return self.store.write(_p(rounds.record_found_post, round_id=round_id, ref=ref))

    # -- answers --------------------------------------------------------------------------

    def lock_in(
        self, round_id: int, player: Player, option: int, stamp: str, day: date
    ) -> Future[int]:
        return self.store.write_row(
            answers.LOCK_IN_IF_OPEN,
            (
                player.user_id,
                player.display_name,
                option,
                stamp,
                day.toordinal(),
                player.user_id,
                round_id,
                stamp,
            ),
        )

    def answer_checked(
        self,
        round_id: int,
        player: Player,
        option: int,
        stamp: str,
        verdict: Verdict,
        day_of: DayOf,
    ) -> Future[tuple[str, int | None, RoundFacts | None]]:
        return self.store.write(
            answers.CheckedAnswer(round_id, player, option, stamp, verdict, day_of)
        )

    def typed_answer_checked(
        self,
        round_id: int,
        player: Player,
        text: str,
        stamp: str,
        verdict: Verdict,
        read: ReadTyped,
        day_of: DayOf,
    ) -> Future[tuple[str, tuple[str, str | None] | None, RoundFacts | None]]:
        return self.store.write(
            answers.CheckedTypedAnswer(round_id, player, text, stamp, verdict, read, day_of)
        )

    def take_hint(
        self, round_id: int, player: Player, stamp: str, verdict: Verdict
    ) -> Future[tuple[str, RoundFacts | None, AskedQuestion | None]]:
        return self.store.write(answers.HintTaken(round_id, player, stamp, verdict))

    # -- reveals --------------------------------------------------------------------------

    def reveal_round(self, round_id: int, now: datetime, settle: Settle[T]) -> Future[T | None]:
        return self.store.write(_p(_reveal, round_id=round_id, now=now, settle=settle))

    # -- quick quizzes --------------------------------------------------------------------

    def create_quiz(self, new: NewQuiz) -> Future[int | None]:
        return self.store.write(_p(quizzes.create, new=new))

    def running_quiz(self, place: Place) -> Future[Quiz | None]:
        return self.store.read(_p(quizzes.running_in, place=place))

    def running_quizzes(self) -> Future[list[Quiz]]:
        return self.store.read(quizzes.running)

    def quiz_question_count(self, quiz_id: int) -> Future[int | None]:
        return self.store.read(_p(quizzes.question_count, quiz_id=quiz_id))

    def due_quizzes(self, now: datetime) -> Future[list[int]]:
        return self.store.read(_p(quizzes.due_ids, now=now))

    def claim_next_question(self, quiz_id: int, now: datetime) -> Future[Quiz | str | None]:
        return self.store.write(_p(quizzes.claim_next, quiz_id=quiz_id, now=now))

    def end_quiz(self, quiz_id: int, state: str, now: datetime) -> Future[bool]:
        return self.store.write(_p(quizzes.end, quiz_id=quiz_id, state=state, now=now))

    def resume_quiz(self, quiz_id: int, now: datetime) -> Future[None]:
        return self.store.write(_p(quizzes.set_next_at, quiz_id=quiz_id, when=now))

    def quiz_results(self, quiz_id: int, limit: int) -> Future[QuizResults | None]:
        return self.store.read(_p(_quiz_results, quiz_id=quiz_id, limit=limit))

    # -- leaderboards and stats -----------------------------------------------------------

    def board(
        self, board_key: tuple[str, str, str, str, str], caller_id: str | None, limit: int
    ) -> Future[BoardSlice]:
        return self.store.read(
            _p(leaderboards.board, board_key=board_key, caller_id=caller_id, limit=limit)
        )

    def every_server_board(
        self, period: str, key_in: Callable[[str | None], str], limit: int
    ) -> Future[list[tuple[str, str, BoardSlice]]]:
        return self.store.read(
            _p(leaderboards.every_server_board, period=period, key_in=key_in, limit=limit)
        )

    def player_totals(
        self, platform: str, user_id: str, server_id: str | None
    ) -> Future[PlayerTotals]:
        return self.store.read(
            _p(leaderboards.player_totals, platform=platform, user_id=user_id, server_id=server_id)
        )

    # -- memory (spaced repetition) -------------------------------------------------------

    def player_memory(self, platform: str, user_id: str) -> Future[dict[str, Card]]:
        return self.store.read(_p(memory.player_cards, platform=platform, user_id=user_id))

    def team_memory(
        self, platform: str | None, server_id: str | None, since: datetime
    ) -> Future[tuple[int, dict[str, list[tuple[str, Card]]]]]:
        return self.store.read(
            _p(memory.team_memory, platform=platform, server_id=server_id, since=since)
        )

    # -- reports of bad questions -------------------------------------------------------

    def add_report(self, report: CardReport) -> Future[bool]:
        return self.store.write(_p(reports.add, report=report))

    def held_cards(self, platform: str, server_id: str) -> Future[set[str]]:
        return self.store.read(_p(reports.held_cards, platform=platform, server_id=server_id))

    def reported_cards(self, platform: str, server_id: str) -> Future[list[ReportedCard]]:
        return self.store.read(_p(reports.reported_cards, platform=platform, server_id=server_id))

    def every_report(self) -> Future[list[CardReport]]:
        return self.store.read(reports.every_report)

    def hold_after(self, platform: str, server_id: str) -> Future[int]:
        return self.store.read(_p(reports.hold_after, platform=platform, server_id=server_id))

    def set_hold_after(
        self, platform: str, server_id: str, count: int, by: str, now: datetime
    ) -> Future[None]:
        return self.store.write(
            _p(reports.set_hold_after, platform=platform, server_id=server_id, count=count,
               by=by, now=now)
        )  # fmt: skip

    def decide_card(
        self, platform: str, server_id: str, card_id: str, decision: str, by: str, now: datetime
    ) -> Future[None]:
        return self.store.write(
            _p(reports.decide, platform=platform, server_id=server_id, card_id=card_id,
               decision=decision, by=by, now=now)
        )  # fmt: skip

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
    ) -> Future[RegradeResult]:
        return self.store.write(
            _p(regrades.regrade, platform=platform, server_id=server_id, card_id=card_id,
               decision=decision, option_text=option_text, by=by, now=now, rules=rules)
        )  # fmt: skip

    # -- upkeep ---------------------------------------------------------------------------

    def prune(
        self, policy: RetentionPolicy, now: datetime, *, batch: int, dry_run: bool = False
    ) -> Future[Pruned]:
        job = _p(retention.prune, policy=policy, now=now, batch=batch, dry_run=dry_run)
        return self.store.read(job) if dry_run else self.store.write(job)


class _Facts:
    """A round's fixed facts (a small object, not a partial: a click burst makes many)."""

    __slots__ = ("round_id",)

    def __init__(self, round_id: int) -> None:
        self.round_id = round_id

    def __call__(self, conn: Connection) -> RoundFacts | None:
        row = conn.execute(rounds.SELECT_FACTS, (self.round_id,)).fetchone()
        return dict(row) if row else None


def _next_due(conn: Connection) -> datetime | None:
    found = [t for t in (rounds.earliest_close(conn), quizzes.earliest_next(conn)) if t]
    return parse_ts(min(found)) if found else None


def _quiz_results(conn: Connection, quiz_id: int, limit: int) -> QuizResults | None:
    quiz = quizzes.get(conn, quiz_id)
    if quiz is None:
        return None
    return QuizResults(
        quiz, answers.quiz_totals(conn, quiz_id, limit), rounds.revealed_of_quiz(conn, quiz_id)
    )


def _reveal(conn: Connection, round_id: int, now: datetime, settle: Settle[T]) -> T | None:
    """The reveal transaction: claim, read, let the engine settle, write it all."""
    claimed = rounds.claim_reveal(conn, round_id, now)
    if claimed is None:
        return None
    place = claimed.place
    quiz = quizzes.get(conn, claimed.quiz_id) if claimed.quiz_id is not None else None
    closed = ClosedRound(
        round=claimed,
        quiz_running=quiz is not None and quiz.state == "running",
        board_zone=places.server_zone(conn, place.platform, place.server_id) or "UTC",
        streak_days=_p(answers.settled_streak_days, conn, place.platform),
        memory=_p(memory.cards_of, conn, place.platform),
    )
    settlement, result = settle(closed)
    answers.save_scores(conn, round_id, settlement.scored)
    scores.save_names(conn, place.platform, settlement.players)
    scores.add_topic_results(conn, place.platform, settlement.topic, settlement.topic_results)
    scores.add_to_boards(conn, place, settlement.board)
    scores.add_streak_days(conn, place.platform, settlement.streak_days)
    memory.save_reviews(conn, place.platform, round_id, settlement.reviews)
    if settlement.quiz == "finish" and claimed.quiz_id is not None:
        quizzes.end(conn, claimed.quiz_id, "finished", now)
    elif settlement.quiz == "next" and claimed.quiz_id is not None and settlement.quiz_next_at:
        quizzes.set_next_at(conn, claimed.quiz_id, settlement.quiz_next_at)
    if not settlement.keep_question:
        rounds.drop_question(conn, round_id)
    return result
