"""The quiz engine: rounds open, take answers, close and reveal; quick quizzes and practice.

Every platform goes through `Engine`: an adapter translates a click into
`engine.answer(round_id, player, option)`, and renders what comes back. The engine never waits
on a platform: it posts through the `Poster` port and is driven by `tick()` (timers come from
outside), and everything a round needs to finish lives in the database, so `recover()` after
a restart finishes what was pending, once.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import json
import logging
import math
import random
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal, Protocol

from bot.cards import Card, Library
from bot.clock import Clock
from bot.cooldown import Cooldown
from bot.engine import memory, standings
from bot.engine.periods import local_date, local_time_text, period_key, zone
from bot.engine.reports import ReportDesk
from bot.engine.reveal import settle, stored_reveal
from bot.messages import (
    LeaderboardMessage,
    Notice,
    QuestionMessage,
    RevealMessage,
    StatsMessage,
    TeamMemoryMessage,
    TopicMemory,
    command,
    option_letter,
)
from bot.ports import Place, Player, Poster, PostError, was_never_sent
from bot.questions import Question, QuestionMaker
from bot.questions.answers import revealed_answer
from bot.questions.hints import hint_for
from bot.questions.matching import Reading, match
from bot.render import fit
from bot.scoring import hint_cost, streak_zone
from bot.store.answers import TYPED_RIGHT
from bot.store.db import Store, parse_ts, ts
from bot.store.records import (
    FACT_NAMES,
    AskedQuestion,
    NewQuiz,
    NewRound,
    Quiz,
    RoundFacts,
)
from bot.store.retention import BATCH, BATCHES_PER_PASS, DEFAULT_POLICY, Pruned, RetentionPolicy
from bot.store.rounds import question_text
from bot.store.sqlite import SqliteStorage
from bot.store.storage import QuizStorage

log = logging.getLogger(__name__)

Mode = Literal["daily", "quiz", "practice"]
MODES = ("daily", "quiz", "practice")
AnswerStatus = Literal["locked_in", "already_answered", "closed", "unknown_round", "bad_option"]
TYPED_MAX = 200  # characters of a typed answer: an answer, not an essay

QUIZ_MAX_QUESTIONS = 20
QUIZ_SECONDS_RANGE = (5, 600)
QUIZ_DEFAULT_COUNT = 5
QUIZ_DEFAULT_SECONDS = 30
QUIZ_STALE = timedelta(minutes=5)  # a quiz idle this long at start-up is ended, not resumed
PRACTICE_WINDOW = timedelta(hours=1)
WEAK = "weak"  # `/practice weak`: only the player's weakest topics
NOTHING_WEAK_YET = (
    "You have no weak topics yet: answer a few questions first, then practise weak ones."
)
RECENT_CARDS = 100  # cards a place saw lately are avoided when picking new questions
ROUND_CACHE = 4096  # rounds whose fixed facts are kept in memory
# A reveal the platform refused for a passing reason (an outage outlasting the adapter's own
# retries) is tried again after these waits, in this process; after the last, the other
# processes' watch (REVEAL_ORPHANED_AFTER, longer than all of these) and the next start
# deliver it. At most REDELIVERIES_KEPT wait at once: an outage must not grow memory.
REDELIVER_AFTER = (timedelta(seconds=15), timedelta(minutes=1), timedelta(minutes=4))
REDELIVERIES_KEPT = 1000


@dataclass(frozen=True, slots=True)
class _Redelivery:
    at: datetime
    attempts: int
    place: Place
    ref: str | None
    message: RevealMessage


class QuestionLike(Protocol):
    """What the engine reads of a question (bot.questions.Question has it all)."""

    @property
    def card_id(self) -> str: ...
    @property
    def format(self) -> str: ...
    @property
    def prompt(self) -> str: ...
    @property
    def options(self) -> tuple[str, ...]: ...
    @property
    def answer_index(self) -> int | None: ...
    def to_dict(self) -> dict[str, object]: ...


@dataclass(frozen=True, slots=True)
class AnswerResult:
    status: AnswerStatus
    text: str  # the private reply, in plain words
    round_id: int
    option_index: int | None = None  # the option now on record for this player, if any
    reveal: RevealMessage | None = None  # practice only: the immediate private reveal
    typed: str | None = None  # a typed answer now on record for this player, if any
    read_as: str | None = None  # ... the accepted answer it was read as, when not exact

    @property
    def notice(self) -> Notice:
        return Notice(self.text)


@dataclass(frozen=True, slots=True)
class HintReply:
    """The private answer to a request for a round's hint."""

    status: str  # hinted | already_answered | closed | unknown_round | no_hint
    text: str  # in plain words, with the hint's cost
    round_id: int
    format: str | None = None  # the round's format, when hinted
    # A choice hint: the options still in play (index, text), so a reply can offer only them.
    left: tuple[tuple[int, str], ...] = ()

    @property
    def notice(self) -> Notice:
        return Notice(self.text)


@dataclass(frozen=True, slots=True)
class QuizReply:
    status: str  # started | busy | bad_input | no_cards | error | stopped | none | forbidden
    notice: Notice
    quiz_id: int | None = None


@dataclass(frozen=True, slots=True)
class PracticeReply:
    question: QuestionMessage | None  # show it privately to the player
    notice: Notice | None = None  # why there is no question


class Engine:
    def __init__(
        self,
        store: Store,
        library_cards: Library | Iterable[Card],
        clock: Clock,
        poster: Poster,
        maker: QuestionMaker | None,
        *,
        storage: QuizStorage | None = None,
        retention: RetentionPolicy = DEFAULT_POLICY,
    ) -> None:
        """`storage`: the backend the engine runs on; by default SQLite in `store`.
        `retention`: what the running bot forgets, and when (`bot.store.retention`)."""
        cards = library_cards.cards if isinstance(library_cards, Library) else library_cards
        self.store = store
        self.storage: QuizStorage = storage or SqliteStorage(store)
        self.cards = {card.id: card for card in cards}
        self.clock = clock
        self.poster = poster
        self.maker = maker
        # Starting quizzes and practice runs is limited per person here, so every platform
        # gets the same limit without repeating it.
        self.cooldown = Cooldown(clock)
        self.retention = retention
        self._rounds: dict[int, dict[str, Any]] = {}
        self._loading: dict[int, asyncio.Future[Any]] = {}
        # One advance or stop of a quick quiz at a time in this process: a stop never lands
        # between claiming the next question and posting it.
        self._quiz_locks: dict[int, asyncio.Lock] = {}
        self._upkeep_at: datetime | None = None
        self._redeliveries: dict[int, _Redelivery] = {}
        # Reports of bad questions, holds and regrades (`bot.engine.reports`).
        self.reports = ReportDesk(
            self.storage, clock, poster, self._card_answer, lambda card_id: card_id in self.cards
        )

    # -- places -------------------------------------------------------------------------

    async def set_place_zone(self, place: Place, tz: str) -> None:
        """Show this channel's times in `tz` (an IANA name such as Europe/Berlin). The first
        channel of a server to get a zone gives the server its weeks and months."""
        if zone(tz).key != tz:
            raise ValueError(f"unknown time zone {tz!r}: use an IANA name such as Europe/Berlin")
        await self.storage.set_place_zone(place, tz, self.clock.now())

    async def place_zone(self, place: Place) -> str:
        # Read every time, never cached: another process may have just changed it, and a
        # round opened or a board read in a stale zone would be dated wrongly.
        return await self.storage.place_zone(place) or "UTC"

    async def board_zone(self, place: Place) -> str:
        """The zone the place's server reckons its weeks and months in (`bot.scoring`)."""
        return await self.storage.server_zone(place.platform, place.server_id) or "UTC"

    async def used_cards(self, place: Place, mode: Mode = "daily") -> set[str]:
        """Card ids already asked in this place in `mode` (for rotations that avoid repeats)."""
        return await self.storage.cards_asked(place, mode)

    # -- rounds -------------------------------------------------------------------------

    async def open_round(
        self,
        place: Place,
        question: QuestionLike,
        mode: Mode,
        closes_at: datetime,
        *,
        tz: str | None = None,
        quiz_id: int | None = None,
        position: int | None = None,
    ) -> int:
        """Store the round, post the question in `place` and record the post's reference.

        A discussion prompt (format "prompt") opens a thread and is not scored. If posting
        fails the round is cancelled and the error is raised.
        """
        opened = await self._open(
            place, question, mode, closes_at, tz=tz, quiz_id=quiz_id, position=position
        )
        if opened is None:
            raise ValueError(f"quiz {quiz_id} does not take question {position} now")
        round_id, message = opened
        await self._post(round_id, place, message)
        return round_id

    async def _post(self, round_id: int, place: Place, message: QuestionMessage) -> None:
        """Post a stored round's question and record the post's reference; if posting fails,
        cancel the round (only while it is still open: a racing reveal keeps its outcome) and
        raise. The one way a question reaches a platform."""
        try:
            if message.format == "prompt":
                ref = await self.poster.start_thread(place, message)
            else:
                ref = await self.poster.post(place, message)
        except Exception:
            await self.storage.cancel_unposted(round_id)
            raise
        except asyncio.CancelledError as stop:
            # Stopped while the post still waited for its turn: nothing reached the platform,
            # so the round is taken back and a restart posts it again (a daily slot whose
            # round is cancelled is retried). Cut later, it may be out: left as it is.
            if was_never_sent(stop):
                await self.storage.cancel_unposted(round_id)
            raise
        # A burst of posts (10,000 daily questions in one minute) records its refs as one
        # executemany in the SQLite store.
        await self.storage.record_post(round_id, ref)

    async def _open(
        self,
        place: Place,
        question: QuestionLike | dict[str, Any],
        mode: Mode,
        closes_at: datetime,
        *,
        tz: str | None = None,
        quiz_id: int | None = None,
        position: int | None = None,
        owner_id: str | None = None,
        quiz_count: int | None = None,
    ) -> tuple[int, QuestionMessage] | None:
        """Store a round; None when it is a quiz question its quiz no longer takes."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}: use one of {', '.join(MODES)}")
        now = self.clock.now()
        q = _question_dict(question)
        if q.get("format") == "typed":
            q["answer_index"] = TYPED_RIGHT  # see `bot.store.answers.TYPED_RIGHT`
        card = self.cards.get(q["card_id"])
        topic = card.topic if card is not None else None
        level = card.level if card is not None else None
        tz = tz or await self.place_zone(place)
        options = tuple(q.get("options") or ())
        is_prompt = q.get("format") == "prompt" or q.get("answer_index") is None
        if closes_at <= now and not is_prompt:
            raise ValueError("closes_at must be in the future")
        if quiz_id is not None and quiz_count is None:
            quiz_count = await self.storage.quiz_question_count(quiz_id)
        new = NewRound(
            place=place,
            mode=mode,
            # A discussion prompt has nothing to reveal: it is born finished.
            state="revealed" if is_prompt else "open",
            card_id=q["card_id"],
            format=q.get("format", "choice"),
            option_count=len(options),
            answer_index=None if is_prompt else q["answer_index"],
            question=question_text(q),
            topic=topic,
            level=level,
            tz=tz,
            owner_id=owner_id,
            quiz_id=quiz_id,
            quiz_position=position,
            opened_at=now,
            closes_at=closes_at,
            revealed_at=now if is_prompt else None,
            reveal_delivered=is_prompt,
        )
        round_id = await self.storage.store_round(new)
        if round_id is None:
            return None
        self._remember(
            round_id,
            {
                "platform": place.platform,
                "mode": mode,
                "format": new.format,
                "option_count": new.option_count,
                "answer_index": new.answer_index,
                "closes_at": ts(closes_at),
                "tz": tz,
                "owner_id": owner_id,
            },
        )
        message = QuestionMessage(
            round_id=round_id,
            format=new.format,
            prompt=q["prompt"],
            options=options,
            topic=topic,
            level=level,
            closes_at=closes_at,
            mode=mode,
            position=f"{position}/{quiz_count}" if position and quiz_count else None,
            zone=tz,
        )
        return round_id, message

    def _card_answer(self, card_id: str, fmt: str = "choice") -> str:
        """The card's full answer, shown with the reveal: read from the loaded decks, not
        stored with every round ("" when the card is no longer in them). A trivia card's
        aliases are said as such (`revealed_answer`)."""
        card = self.cards.get(card_id)
        return revealed_answer(card, fmt) if card is not None else ""

    async def answer(self, round_id: int, player: Player, option_index: int) -> AnswerResult:
        """Record one player's choice; the reply is for that player only."""
        now = self.clock.now()
        stamp = ts(now)
        known = self._rounds.get(round_id) or await self._round_facts(round_id)
        # The hot path of a click burst: one single-row INSERT that checks the round is still
        # open (the store runs a burst of them as one executemany), then a reply built once
        # per round, option and quarter hour. Everything else takes the checked path below.
        if known is not None and _may_lock_in(known, player, option_index, stamp):
            day = _day_in(streak_zone(player.tz, known["tz"]), int(now.timestamp()) // 900)
            inserted = await self.storage.lock_in(round_id, player, option_index, stamp, day)
            if inserted:
                if known["mode"] != "practice":
                    return _locked_in_reply(round_id, known, option_index, now)
                return await self._answered(round_id, "locked_in", option_index, known, now)
        return await self._answer_checked(round_id, player, option_index, now, stamp)

    async def _answer_checked(
        self, round_id: int, player: Player, option_index: int, now: datetime, stamp: str
    ) -> AnswerResult:
        def verdict(r: RoundFacts) -> str | None:
            # Runs inside the answer's write transaction, on the round as it is there.
            refusal = _refusal(r, player, stamp)
            if refusal is not None:
                return refusal
            if r["format"] == "typed":
                return "typed_only"
            if not 0 <= option_index < r["option_count"]:
                return "bad_option"
            return None

        def day_of(r: RoundFacts) -> date:
            return _day_in(streak_zone(player.tz, r["tz"]), int(now.timestamp()) // 900)

        status, chosen, row = await self.storage.answer_checked(
            round_id, player, option_index, stamp, verdict, day_of
        )
        if row is not None:
            self._remember(round_id, row)
        return await self._answered(round_id, status, chosen, row, now)

    async def _answered(
        self,
        round_id: int,
        status: str,
        chosen: int | None,
        row: dict[str, Any] | None,
        now: datetime,
    ) -> AnswerResult:
        if status == "unknown_round" or row is None:
            return AnswerResult(
                "unknown_round", "That question is no longer open (unknown round).", round_id
            )
        if status == "discussion":
            return AnswerResult(
                "bad_option",
                "This is a discussion question with no options: reply in its thread.",
                round_id,
            )
        if status == "closed":
            if row["revealed_at"]:
                when = local_time_text(parse_ts(row["revealed_at"]), row["tz"], now)
                text = f"This round is closed: the answer was revealed at {when}."
            else:
                text = "This round is closed: the answer is being revealed now."
            return AnswerResult("closed", text, round_id)
        if status == "typed_only":
            return AnswerResult("bad_option", "This question takes a typed answer.", round_id)
        if status == "bad_option":
            letters = f"A-{option_letter(row['option_count'] - 1)}"
            return AnswerResult(
                "bad_option", f"That option does not exist here: pick one of {letters}.", round_id
            )
        assert chosen is not None
        letter = option_letter(chosen)
        if status == "already_answered":
            return AnswerResult(
                "already_answered",
                f"You already answered {letter}. One answer per round: it stays locked in.",
                round_id,
                chosen,
            )
        if row["mode"] == "practice":
            # None when a racing timer revealed it first: the outcome is still known.
            reveal = await self.reveal(round_id)
            key = row["answer_index"]
            if key is None:
                text = f"Locked in: {letter}."
            elif key == chosen:
                text = f"Correct: {letter}."
            else:
                text = f"Not quite: you chose {letter}; the answer is {option_letter(key)}."
            return AnswerResult("locked_in", text, round_id, chosen, reveal)
        return _locked_in_reply(round_id, row, chosen, now)

    async def answer_text(self, round_id: int, player: Player, text: str) -> AnswerResult:
        """Record one player's typed answer, read against the round's accepted answers; the
        reply, for that player only, says how it was read when that was not exact."""
        typed = " ".join(text.split())
        if not typed:
            return AnswerResult("bad_option", "Type an answer: nothing was typed.", round_id)
        if len(typed) > TYPED_MAX:
            return AnswerResult(
                "bad_option",
                f"That answer is {len(typed)} characters long; keep it under {TYPED_MAX}.",
                round_id,
            )
        now = self.clock.now()
        stamp = ts(now)
        reading = Reading(False)
        accepted: tuple[str, ...] = ()

        def verdict(r: RoundFacts) -> str | None:
            # Runs inside the answer's write transaction, on the round as it is there.
            refusal = _refusal(r, player, stamp)
            if refusal is not None:
                return refusal
            if r["format"] != "typed":
                return "choice_only"
            return None

        def read(answers: tuple[str, ...], refused: tuple[str, ...], prompt: str) -> str | None:
            nonlocal reading, accepted
            accepted, reading = answers, match(typed, answers, refused, prompt)
            return reading.accepted if reading.correct else None

        def day_of(r: RoundFacts) -> date:
            return _day_in(streak_zone(player.tz, r["tz"]), int(now.timestamp()) // 900)

        status, on_record, row = await self.storage.typed_answer_checked(
            round_id, player, typed, stamp, verdict, read, day_of
        )
        if row is not None:
            self._remember(round_id, row)
        if status == "choice_only" and row is not None:
            letters = f"A-{option_letter(row['option_count'] - 1)}"
            return AnswerResult(
                "bad_option", f"This question has options: pick one of {letters}.", round_id
            )
        if status not in ("locked_in", "already_answered") or row is None:
            return await self._answered(round_id, status, None, row, now)
        assert on_record is not None
        said, read_as = on_record
        if status == "already_answered":
            return AnswerResult(
                "already_answered",
                f"You already answered '{said}'. One answer per round: it stays locked in.",
                round_id,
                typed=said,
            )
        loose = read_as if read_as is not None and not reading.exact else None
        how = f"'{said}', read as '{loose}'" if loose else f"'{said}'"
        if row["mode"] == "practice":
            reveal = await self.reveal(round_id)
            if read_as is not None:
                text = f"Correct: {how}."
            else:
                answer = accepted[0] if accepted else reveal.answer if reveal else ""
                text = f"Not quite: you typed '{said}'; the answer is '{answer}'."
            return AnswerResult(
                "locked_in", text, round_id, reveal=reveal, typed=said, read_as=loose
            )
        if row["mode"] == "quiz":
            seconds = max(1, math.ceil((parse_ts(row["closes_at"]) - now).total_seconds()))
            text = f"Locked in: {how}. Reveal in {seconds} s"
        else:
            text = f"Locked in: {how}. Reveal at {_reveal_at(row['closes_at'], row['tz'], now)}"
        return AnswerResult("locked_in", text, round_id, typed=said, read_as=loose)

    async def hint(self, round_id: int, player: Player) -> HintReply:
        """The round's one hint for this player, recorded before they answer so that their
        answer, whenever and however it comes, scores as hinted (`bot.scoring`). Asking again
        shows the same hint at no further cost; after answering, no hint is given."""
        now = self.clock.now()
        stamp = ts(now)

        def verdict(r: RoundFacts) -> str | None:
            return _refusal(r, player, stamp)

        status, facts, asked = await self.storage.take_hint(round_id, player, stamp, verdict)
        if status == "already_answered":
            return HintReply(
                status,
                "You have already answered this question, so no hint was given "
                "(it would change nothing).",
                round_id,
            )
        if status not in ("hinted", "hinted_again") or facts is None:
            if status == "discussion":
                return HintReply(
                    "no_hint", "A discussion question has no hint: reply in its thread.",
                    round_id,
                )  # fmt: skip
            found = await self._answered(round_id, status, None, facts, now)
            return HintReply(found.status, found.text, round_id)
        question = asked or AskedQuestion("", ())
        found_hint = hint_for(
            round_id, facts["format"], question.options, facts["answer_index"], question.accepted
        )
        if found_hint is None:
            return HintReply("no_hint", "This question has no hint to give.", round_id)
        cost = hint_cost(facts.get("level"))
        again = "Your hint again" if status == "hinted_again" else "Hint"
        text = f"{again} (a right answer now earns {cost} points less): {found_hint.text}"
        left = tuple((i, question.options[i]) for i in found_hint.left)
        return HintReply("hinted", text, round_id, facts["format"], left)

    async def _round_facts(self, round_id: int) -> dict[str, Any] | None:
        """Load a round's fixed facts once, however many clicks arrive for it at once."""
        loading = self._loading.get(round_id)
        if loading is None:
            loading = asyncio.ensure_future(self.storage.round_facts(round_id))
            self._loading[round_id] = loading
            loading.add_done_callback(lambda _: self._loading.pop(round_id, None))
        facts = await asyncio.shield(loading)
        if facts is None:
            return None
        self._remember(round_id, facts)
        return self._rounds.get(round_id)

    def _remember(self, round_id: int, facts: RoundFacts) -> None:
        """Keep a round's fixed facts (never its state) so clicks skip a lookup."""
        if len(self._rounds) >= ROUND_CACHE:
            self._rounds.clear()
        self._rounds[round_id] = {k: facts[k] for k in FACT_NAMES}

    async def reveal(self, round_id: int) -> RevealMessage | None:
        """Close the round, score its answers, edit the original post. Happens once per round:
        a second call (or a racing `tick()`) returns None and changes nothing."""
        now = self.clock.now()
        done = await self.storage.reveal_round(
            round_id, now, functools.partial(settle, now=now, answer_of=self._card_answer)
        )
        if done is None:
            return None
        if done.message.mode != "practice":
            await self._deliver(round_id, done.place, done.message_ref, done.message)
        if done.finished_quiz is not None:
            await self._post_standings(done.finished_quiz, None)
        return done.message

    async def reveal_of(self, round_id: int) -> RevealMessage | None:
        """The reveal of an already revealed round (to show it again), while its question's
        text is kept (`bot.store.retention`)."""
        found = await self.storage.revealed_round(round_id)
        return stored_reveal(found, self._card_answer) if found else None

    async def _deliver(
        self,
        round_id: int,
        place: Place,
        ref: str | None,
        message: RevealMessage,
        attempts: int = 0,
    ) -> bool:
        """Edit the question's post into its reveal (or post it, where the post is unknown),
        then record it delivered; a passing failure is tried again (`REDELIVER_AFTER`).
        `attempts`: the tries made before this one."""
        self._redeliveries.pop(round_id, None)
        try:
            if ref:
                await self.poster.edit(place, ref, message)
            else:
                await self.poster.post(place, message)
        except PostError as error:
            if not (error.place_unusable or error.kind == "maybe_posted"):
                self._redeliver_later(round_id, place, ref, message, attempts)
                return False
            # The place is gone or closed to the bot (a retry at every start would meet the
            # same refusal), or the reveal may be out already (a retry could show it twice).
            log.warning("round %s: reveal not delivered and not retried: %s", round_id, error)
        except Exception:
            self._redeliver_later(round_id, place, ref, message, attempts)
            return False
        await self.storage.mark_reveal_delivered(round_id)
        return True

    def _redeliver_later(
        self, round_id: int, place: Place, ref: str | None, message: RevealMessage, attempts: int
    ) -> None:
        if attempts < len(REDELIVER_AFTER) and len(self._redeliveries) < REDELIVERIES_KEPT:
            wait = REDELIVER_AFTER[attempts]
            log.exception("round %s: could not deliver the reveal; trying again in %d s",
                          round_id, wait.total_seconds())  # fmt: skip
            self._redeliveries[round_id] = _Redelivery(
                self.clock.now() + wait, attempts + 1, place, ref, message
            )
        else:
            log.exception("round %s: could not deliver the reveal; the next start or another"
                          " process delivers it", round_id)  # fmt: skip

    async def _redeliver_due(self, now: datetime) -> int:
        done = 0
        for round_id, due in list(self._redeliveries.items()):
            if due.at <= now and self._redeliveries.get(round_id) is due:
                done += await self._deliver(round_id, due.place, due.ref, due.message, due.attempts)
        return done

    # -- time-driven work ---------------------------------------------------------------

    async def tick(self) -> int:
        """Do everything due at clock.now(): reveal rounds whose time is up, move quick quizzes
        on. Returns how many things it did. Safe to call any time, from several tasks."""
        now = self.clock.now()
        done = 0
        for round_id in await self.storage.due_rounds(now):
            try:
                if await self.reveal(round_id) is not None:
                    done += 1
            except Exception:
                log.exception("round %s: reveal failed", round_id)
        for quiz_id in await self.storage.due_quizzes(now):
            try:
                done += await self._advance_quiz(quiz_id, now)
            except Exception:
                log.exception("quiz %s: could not move on", quiz_id)
        if self._redeliveries:
            done += await self._redeliver_due(now)
        return done

    async def next_due(self) -> datetime | None:
        """When `tick()` next has work, or None when nothing is pending."""
        return await self.storage.next_due()

    async def run_timer(self, stop: asyncio.Event, max_sleep: float = 1.0) -> None:
        """Drive `tick()` until `stop` is set: the loop an adapter (or `quizbot run`) starts
        once, after `recover()`. Sleeps until the next due moment, at most `max_sleep` s, so
        rounds opened meanwhile are picked up within a second."""
        while not stop.is_set():
            try:
                await self.tick()
                await self._upkeep_when_due()
                due = await self.next_due()
            except Exception:
                log.exception("timer: tick failed; retrying")
                due = None
            wait = max_sleep
            if due is not None:
                wait = min(max_sleep, max(0.0, (due - self.clock.now()).total_seconds()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=wait or 0.01)

    async def _upkeep_when_due(self) -> None:
        now = self.clock.now()
        if self._upkeep_at is None or now >= self._upkeep_at:
            self._upkeep_at = now + self.retention.every
            await self.upkeep()

    async def recover(
        self, *, leave_recent: timedelta | None = None, began: datetime | None = None
    ) -> int:
        """At start-up: deliver reveals that never reached the platform, end quizzes that went
        stale while the bot was down, then reveal every overdue round (once). `leave_recent`:
        other processes are running on this database, so posts and reveals of that recent
        past may be theirs, in flight: left to them (and to `find_lost_posts` and
        `deliver_late_reveals` if they die). `began`: when this process started taking
        commands; what it opened, revealed or started since is its own, in flight, not lost
        (the adapters take clicks and commands before the daily scheduler recovers)."""
        now = self.clock.now()
        cutoffs = [t for t in (began, now - leave_recent if leave_recent else None) if t]
        before = min(cutoffs) if cutoffs else None
        done = await self._find_lost_posts(opened_before=before)
        done += await self.deliver_late_reveals(before)
        for quiz in await self.storage.running_quizzes():
            if began is not None and quiz.started_at >= began:
                continue  # started by this process: its start is still posting
            last = await self.storage.open_round_closes(quiz.quiz_id) or quiz.next_at
            if last is None:
                # Crashed between claiming the next question and storing it (the quiz's
                # position did not move, so that same question comes now), or between
                # creating the quiz and storing its first question: post it now.
                await self.storage.resume_quiz(quiz.quiz_id, now)
            elif now - last > QUIZ_STALE:
                done += await self._end_quiz(
                    quiz.quiz_id, "stopped", "Quiz ended: the bot restarted"
                )
        return done + await self.tick()

    async def find_lost_posts(self, round_ids: set[int]) -> dict[int, str]:
        """`_find_lost_posts` for the given rounds only (another process died while posting
        them): the references found, by round."""
        found: dict[int, str] = {}
        await self._find_lost_posts(round_ids, found)
        return found

    async def deliver_late_reveals(self, revealed_before: datetime | None) -> int:
        """Deliver reveals that were settled but never reached the platform (their process
        died in between); `revealed_before`: only those settled before then (another process
        may still be delivering a recent one), None: all."""
        done = 0
        for pending in await self.storage.undelivered_reveals():
            if revealed_before is not None and (
                pending.revealed_at is None or pending.revealed_at >= revealed_before
            ):
                continue
            message = stored_reveal(pending, self._card_answer)
            if message is None:  # its text is gone: nothing left to show
                await self.storage.mark_reveal_delivered(pending.round_id)
                continue
            done += await self._deliver(
                pending.round_id, pending.place, pending.message_ref, message
            )
        return done

    async def _find_lost_posts(
        self,
        only: set[int] | None = None,
        refs: dict[int, str] | None = None,
        opened_before: datetime | None = None,
    ) -> int:
        """Rounds whose question was posted but whose reference never got recorded (the
        process died in between). Where the platform can hand the post back without posting
        twice (Poster.find_post: Discord answers a repeated nonce with the first message),
        record it, so the reveal edits that post; elsewhere the reveal comes as a new post."""
        found = 0
        for lost in await self.storage.unrecorded_posts():
            if only is not None and lost.round_id not in only:
                continue
            if opened_before and lost.opened_at and lost.opened_at >= opened_before:
                continue
            position, count = lost.quiz_position, lost.question_count
            message = QuestionMessage(
                round_id=lost.round_id,
                format=lost.format,
                prompt=lost.prompt,
                options=lost.options,
                topic=lost.topic,
                level=lost.level,
                closes_at=lost.closes_at,
                mode=lost.mode,
                position=f"{position}/{count}" if position and count else None,
                zone=lost.tz or "UTC",
            )
            try:
                ref = await self.poster.find_post(lost.place, message)
            except Exception:
                log.exception("round %s: could not look for its lost post", lost.round_id)
                continue
            if ref:
                await self.storage.record_found_post(lost.round_id, ref)
                found += 1
                if refs is not None:
                    refs[lost.round_id] = ref
        return found

    # -- quick quiz ---------------------------------------------------------------------

    async def start_quiz(
        self,
        place: Place,
        starter: Player,
        count: int = QUIZ_DEFAULT_COUNT,
        seconds: int = QUIZ_DEFAULT_SECONDS,
        topic: str | None = None,
        level: str | None = None,
        fmt: str = "mixed",
    ) -> QuizReply:
        refusal = self.cooldown.refusal(starter)
        if refusal:
            return QuizReply("slow_down", Notice(refusal))
        if place.is_practice:
            return QuizReply(
                "bad_input", Notice("Quick quizzes run in a channel, not in practice.")
            )
        if not 1 <= count <= QUIZ_MAX_QUESTIONS:
            return QuizReply(
                "bad_input",
                Notice(
                    f"A quick quiz has 1 to {QUIZ_MAX_QUESTIONS} questions; you asked for {count}."
                ),
            )
        low, high = QUIZ_SECONDS_RANGE
        if not low <= seconds <= high:
            return QuizReply(
                "bad_input",
                Notice(
                    f"Each question can stay open {low} to {high} seconds; you asked for {seconds}."
                ),
            )
        running = await self.storage.running_quiz(place)
        if running is not None:
            return QuizReply("busy", _busy_notice(running), running.quiz_id)
        if self.maker is None:
            return QuizReply("no_cards", Notice("No decks are loaded, so there is nothing to ask."))
        now = self.clock.now()
        recent = await self.storage.recent_cards(place, RECENT_CARDS)
        held = await self.reports.held(place)  # reported cards wait for an admin
        try:
            questions = self._generate(
                count, _seed(place, now), fmt, topic, level, recent, exclude=held
            )
        except ValueError as exc:
            return QuizReply("bad_input", Notice(str(exc)))
        if not questions:
            what = " ".join(x for x in (f"topic {topic!r}" if topic else "", level or "") if x)
            return QuizReply(
                "no_cards",
                Notice(f"No cards match {what or 'that choice'}. {command('topics')} lists them."),
            )
        tz = await self.place_zone(place)
        stored = [_question_dict(q) for q in questions]

        quiz_id = await self.storage.create_quiz(
            NewQuiz(
                place=place,
                starter_id=starter.user_id,
                starter_name=starter.display_name,
                question_count=len(stored),
                seconds=seconds,
                questions_json=json.dumps(stored, ensure_ascii=False),
                tz=tz,
                started_at=now,
            )
        )
        if quiz_id is None:  # another start won the race for this channel
            running = await self.storage.running_quiz(place)
            return QuizReply("busy", _busy_notice(running), running.quiz_id if running else None)
        try:
            async with self._quiz_lock(quiz_id):
                await self._post_quiz_round(quiz_id, place, stored[0], 1, len(stored), seconds, tz)
        except Exception as exc:
            log.exception("quiz %s: could not post its first question", quiz_id)
            await self.storage.end_quiz(quiz_id, "stopped", self.clock.now())
            return QuizReply("error", Notice(f"Could not post the question here: {exc}"), quiz_id)
        return QuizReply(
            "started",
            Notice(f"Quiz started: {_plural(len(stored), 'question')}, {seconds} s each."),
            quiz_id,
        )

    async def stop_quiz(self, place: Place, by: Player, is_admin: bool) -> QuizReply:
        running = await self.storage.running_quiz(place)
        if running is None:
            return QuizReply("none", Notice("No quiz is running in this channel."))
        if by.user_id != running.starter_id and not is_admin:
            return QuizReply(
                "forbidden",
                Notice(
                    f"Only {running.starter_name} (who started this quiz) or an admin can stop it."
                ),
                running.quiz_id,
            )
        title = f"Quiz stopped by {by.display_name}"
        async with self._quiz_lock(running.quiz_id):
            if not await self._end_quiz(running.quiz_id, "stopped", title):
                return QuizReply("none", Notice("That quiz has just finished."), running.quiz_id)
        results = await self.storage.quiz_results(running.quiz_id, 1)
        asked = results.asked if results else running.position
        return QuizReply(
            "stopped",
            Notice(f"Quiz stopped after {asked} of {running.question_count} questions."),
            running.quiz_id,
        )

    def _quiz_lock(self, quiz_id: int) -> asyncio.Lock:
        return self._quiz_locks.setdefault(quiz_id, asyncio.Lock())

    async def _advance_quiz(self, quiz_id: int, now: datetime) -> int:
        async with self._quiz_lock(quiz_id):
            q = await self.storage.claim_next_question(quiz_id, now)
            if q == "all_asked":
                return await self._end_quiz(quiz_id, "finished", None)
            if not isinstance(q, Quiz):
                return 0
            position = q.position + 1
            try:
                posted = await self._post_quiz_round(
                    quiz_id,
                    q.place,
                    q.questions[position - 1],
                    position,
                    len(q.questions),
                    q.seconds,
                    q.tz,
                )
            except Exception:
                log.exception("quiz %s: could not post question %d; ending it", quiz_id, position)
                await self._end_quiz(
                    quiz_id, "stopped", "Quiz ended: a question could not be posted"
                )
                return 0
            return int(posted is not None)

    async def _post_quiz_round(
        self,
        quiz_id: int,
        place: Place,
        question: dict[str, Any],
        position: int,
        count: int,
        seconds: int,
        tz: str,
    ) -> int | None:
        """Store and post question `position` of a running quiz; None when the quiz no longer
        takes it (stopped meanwhile, or another process stored it first)."""
        opened = await self._open(
            place,
            question,
            "quiz",
            self.clock.now() + timedelta(seconds=seconds),
            tz=tz,
            quiz_id=quiz_id,
            position=position,
            quiz_count=count,
        )
        if opened is None:
            return None
        round_id, message = opened
        await self._post(round_id, place, message)
        return round_id

    async def _end_quiz(self, quiz_id: int, state: str, title: str | None) -> int:
        """Claim the end of a running quiz, reveal its open round, post the final standings.
        Callers hold the quiz's lock."""
        if not await self.storage.end_quiz(quiz_id, state, self.clock.now()):
            return 0
        for round_id in await self.storage.open_rounds_of_quiz(quiz_id):
            await self.reveal(round_id)
        await self._post_standings(quiz_id, title)
        self._quiz_locks.pop(quiz_id, None)
        return 1

    async def _post_standings(self, quiz_id: int, title: str | None) -> None:
        results = await self.storage.quiz_results(quiz_id, standings.TOP)
        if results is None:
            return
        message = LeaderboardMessage(
            title=title or "Quiz over: final standings",
            period="quiz",
            scope="quiz",
            rows=tuple(standings.ranked(results.top)),
            period_label=f"{results.asked} of {results.quiz.question_count} questions",
        )
        try:
            await self.poster.post(results.quiz.place, message)
        except Exception:
            log.exception("quiz %s: could not post the final standings", quiz_id)

    # -- practice -----------------------------------------------------------------------

    async def practice_next(
        self,
        player: Player,
        topic: str | None = None,
        level: str | None = None,
        fmt: str = "mixed",
        *,
        new_run: bool = False,
    ) -> PracticeReply:
        """A new private question for one player; show the returned message only to them.
        An unanswered previous practice question is closed without scoring. `new_run`: the
        player asked to start practising (counted by the cooldown; "Next question" is not)."""
        if new_run:
            refusal = self.cooldown.refusal(player)
            if refusal:
                return PracticeReply(None, Notice(refusal))
        place = Place.practice(player.platform, player.user_id)
        for round_id in await self.storage.open_rounds_in(place):
            await self.reveal(round_id)
        if self.maker is None:
            return PracticeReply(None, Notice("No decks are loaded, so there is nothing to ask."))
        now = self.clock.now()
        recent = await self.storage.recent_cards(place, RECENT_CARDS)
        known = await self.storage.player_memory(player.platform, player.user_id)
        topic_of = {card_id: card.topic for card_id, card in self.cards.items()}
        exclude: set[str] = set()
        if topic is not None and self._means_weak(topic):
            weak = set(memory.weakest_topics(known, topic_of, now))
            if not weak:
                return PracticeReply(None, Notice(NOTHING_WEAK_YET))
            topic = None
            exclude = {card_id for card_id, t in topic_of.items() if t not in weak}
        rng = random.Random(_seed(place, now))
        prefer = memory.practice_order(known, topic_of, now, rng, shown_lately=recent)
        try:
            questions = self._generate(
                1, _seed(place, now), fmt, topic, level, recent, prefer=prefer, exclude=exclude
            )
        except ValueError as exc:
            return PracticeReply(None, Notice(str(exc)))
        if not questions:
            what = f"topic {topic!r}" if topic else "that choice"
            return PracticeReply(
                None, Notice(f"No cards match {what}. {command('topics')} lists them.")
            )
        # Practice has no channel: its streak days are the player's own zone's where known,
        # else that of the channel they last answered in.
        tz = player.tz or await self.storage.home_zone(player.platform, player.user_id) or "UTC"
        opened = await self._open(
            place, questions[0], "practice", now + PRACTICE_WINDOW, tz=tz, owner_id=player.user_id
        )
        assert opened is not None  # only a quiz question can be refused
        return PracticeReply(opened[1])

    def _generate(
        self,
        count: int,
        seed: int,
        fmt: str,
        topic: str | None,
        level: str | None,
        recent: Sequence[str],
        *,
        prefer: Sequence[str] = (),
        exclude: Iterable[str] = (),
    ) -> list[Question]:
        assert self.maker is not None
        # Cards asked here lately come last: a small topic repeats rather than runs dry.
        made = self.maker.generate(
            count, seed, fmt=fmt, topic=topic, level=level, avoid=recent, prefer=prefer,
            exclude=exclude,
        )  # fmt: skip
        # A typed question has no option for its key: its accepted answers are the key.
        asked = [q for q in made if q.format == "typed" or q.answer_index is not None]
        return [q for q in asked if q.format != "prompt"][:count]

    def _means_weak(self, topic: str) -> bool:
        """`/practice weak` asks for the weakest topics, unless a deck has a topic so named."""
        if topic.strip().casefold() != WEAK:
            return False
        return all(card.topic.casefold() != WEAK for card in self.cards.values())

    # -- leaderboards and stats ---------------------------------------------------------

    async def leaderboard(
        self,
        place: Place,
        period: str = "week",
        scope: str = "server",
        caller: Player | None = None,
        *,
        at: datetime | None = None,
    ) -> LeaderboardMessage:
        """Top 10 for the server/workspace (scope "server") or this channel (scope "channel")
        this week, this month or all time, plus the caller's own row and rank. Weeks and months
        are the server's (`bot.scoring`); `at`: the board of the period holding that moment
        instead of the current one."""
        if period not in ("week", "month", "all"):
            raise ValueError(f"unknown period {period!r}: use week, month or all")
        if scope not in ("server", "channel"):
            raise ValueError(f"unknown scope {scope!r}: use server or channel")
        tz = await self.board_zone(place)
        now = self.clock.now()
        day = local_date(at or now, tz)
        current = period_key(period, day) == period_key(period, local_date(now, tz))
        channel = place.channel_id if scope == "channel" else "*"
        where = "in this channel" if scope == "channel" else "on this server"
        caller_id = caller.user_id if caller else None
        key = standings.board_key(place.platform, place.server_id, channel, period, day)
        found = await self.storage.board(key, caller_id, standings.TOP)
        return standings.board_message(
            found,
            period=period,
            day=day,
            caller_id=caller_id,
            title=standings.board_title(period, day, current, where),
            scope=scope,
        )

    async def stats(self, player: Player, place: Place | None = None) -> StatsMessage:
        """Answered, accuracy overall and per topic, streaks, weakest topics (practice counts).
        "Today", for the current streak, is the player's own if their zone is known, else the
        channel's where they ask."""
        tz = player.tz or (await self.place_zone(place) if place else "UTC")
        today = local_date(self.clock.now(), tz)
        server = place.server_id if place is not None and not place.is_practice else None
        totals = await self.storage.player_totals(player.platform, player.user_id, server)
        found = standings.stats_message(totals, fallback_name=player.display_name, today=today)
        return dataclasses.replace(found, memory=tuple(await self.memory_by_topic(player)))

    async def memory_by_topic(self, player: Player) -> list[TopicMemory]:
        """The player's memory of each topic they have seen, weakest (lowest recall) first."""
        known = await self.storage.player_memory(player.platform, player.user_id)
        topic_of = {card_id: card.topic for card_id, card in self.cards.items()}
        found = memory.topic_memory(known, topic_of, self.clock.now()).values()
        return sorted(found, key=lambda t: (t.recall, t.topic))

    async def team_memory(self, place: Place | None) -> TeamMemoryMessage:
        """What the team is forgetting: per topic, the mean recall now of the active players
        (answered in the place's server in the last `memory.ACTIVE_DAYS` days; no place: the
        whole database), lowest first; and the cards none of them has answered yet."""
        now = self.clock.now()
        since = now - timedelta(days=memory.ACTIVE_DAYS)
        if place is None or place.is_practice:
            players, by_card = await self.storage.team_memory(None, None, since)
        else:
            players, by_card = await self.storage.team_memory(
                place.platform, place.server_id, since
            )
        asked = {cid: c for cid, c in self.cards.items() if c.kind != "prompt"}
        topic_of = {card_id: card.topic for card_id, card in asked.items()}
        topics = memory.team_topics(by_card, topic_of, now)
        unseen = sorted(
            (c for cid, c in asked.items() if cid not in by_card), key=lambda c: (c.topic, c.id)
        )
        rng = random.Random(f"{now.date()}")  # a different handful each day, the same all day
        sample = rng.sample(unseen, min(memory.UNSEEN_SHOWN, len(unseen))) if players else []
        return TeamMemoryMessage(
            players=players,
            days=memory.ACTIVE_DAYS,
            topics=tuple(topics),
            cards=len(asked),
            unseen=len(unseen),
            unseen_sample=tuple((c.topic, fit(" ".join(c.question.split()), 90)) for c in sample),
        )

    # -- upkeep -------------------------------------------------------------------------

    async def upkeep(self, *, batches: int = BATCHES_PER_PASS) -> Pruned:
        """One pass of the retention policy: up to `batches` small batches, each its own
        short transaction, so the clicks and reveals queued meanwhile go in between."""
        done = Pruned()
        await self.storage.forget_deliveries(self.clock.now())
        for _ in range(batches):
            pruned = await self.storage.prune(self.retention, self.clock.now(), batch=BATCH)
            done += pruned
            if pruned.total == 0:
                break
            await asyncio.sleep(0)
        if done.total:
            log.info("retention: %s", done)
        return done

    async def first_delivery(self, key: str) -> bool:
        """A platform's delivery id (a Slack event or trigger id) taken for the first time
        by any process on this database: True once, False for every repeat (the platform's
        retries reach any process behind a load balancer)."""
        return await self.storage.first_delivery(key, self.clock.now())

    def topics(self) -> list[tuple[str, int]]:
        """(topic, number of answerable cards), most cards first."""
        counts: dict[str, int] = {}
        for card in self.cards.values():
            if getattr(card, "kind", "qa") == "qa":
                counts[card.topic] = counts.get(card.topic, 0) + 1
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


# -- small helpers ----------------------------------------------------------------------


def _may_lock_in(facts: dict[str, Any], player: Player, option_index: int, stamp: str) -> bool:
    return (
        facts["platform"] == player.platform
        and facts["owner_id"] in (None, player.user_id)
        and facts["answer_index"] is not None
        and 0 <= option_index < facts["option_count"]
        and stamp < facts["closes_at"]
    )


def _locked_in_reply(
    round_id: int, facts: dict[str, Any], chosen: int, now: datetime
) -> AnswerResult:
    """ "Locked in: B. Reveal at 17:00 CET" (daily) or "... Reveal in 12 s" (quiz).

    The reply is the same for every player who picks the same option in the same quarter hour
    (daily) or second (quiz), so it is built once and kept in the round's cached facts: in a
    click burst this was a third of the engine's own time."""
    if facts["mode"] == "quiz":
        closes = parse_ts(facts["closes_at"])
        key: Any = ("quiz", max(1, math.ceil((closes - now).total_seconds())))
    else:
        key = ("daily", int(now.timestamp()) // 900)
    replies: tuple[Any, dict[int, AnswerResult]] | None = facts.get("_replies")
    if replies is None or replies[0] != key:
        replies = facts["_replies"] = (key, {})
    reply = replies[1].get(chosen)
    if reply is None:
        letter = option_letter(chosen)
        if key[0] == "quiz":
            text = f"Locked in: {letter}. Reveal in {key[1]} s"
        else:
            when = _reveal_at(facts["closes_at"], facts["tz"], now)
            text = f"Locked in: {letter}. Reveal at {when}"
        reply = replies[1][chosen] = AnswerResult("locked_in", text, round_id, chosen)
    return reply


def _quarter(now: datetime) -> datetime:
    # Every zone's offset is a whole quarter hour, so nothing local (the date, the text of a
    # time) changes within one quarter hour of UTC: per-click work is cached per quarter.
    return now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)


@functools.lru_cache(maxsize=1024)
def _day_in(tz: str, quarter: int) -> date:
    """The local date in `tz` during quarter hour number `quarter` of the Unix epoch (see
    `_quarter`: no local date changes inside one)."""
    return local_date(datetime.fromtimestamp(quarter * 900, UTC), tz)


def _refusal(r: RoundFacts, player: Player, stamp: str) -> str | None:
    """Why no answer of any kind may be recorded on round `r` now, or None."""
    if r["state"] == "cancelled" or r["platform"] != player.platform:
        return "unknown_round"
    if r["owner_id"] is not None and r["owner_id"] != player.user_id:
        return "unknown_round"  # someone else's practice question
    if r["format"] == "prompt" or r["answer_index"] is None:
        return "discussion"
    if r["state"] != "open" or stamp >= r["closes_at"]:
        return "closed"
    return None


def _reveal_at(closes_at: str, tz: str, now: datetime) -> str:
    return _reveal_at_cached(closes_at, tz, _quarter(now))


@functools.lru_cache(maxsize=1024)
def _reveal_at_cached(closes_at: str, tz: str, quarter: datetime) -> str:
    return local_time_text(parse_ts(closes_at), tz, quarter)


def _key(place: Place) -> tuple[str, str, str]:
    return place.platform, place.server_id, place.channel_id


def _seed(place: Place, now: datetime) -> int:
    return zlib.crc32(f"{_key(place)}|{ts(now)}".encode())


def _question_dict(question: Any) -> dict[str, Any]:
    if isinstance(question, dict):
        data = dict(question)
    elif hasattr(question, "to_dict"):
        data = dict(question.to_dict())
    elif dataclasses.is_dataclass(question) and not isinstance(question, type):
        data = dataclasses.asdict(question)
    else:
        raise TypeError(f"not a question: {question!r}")
    data["options"] = list(data.get("options") or ())
    return data


def _busy_notice(running: Quiz | None) -> Notice:
    if running is None:
        return Notice("A quiz is already running in this channel.")
    return Notice(
        f"A quiz is already running in this channel (question {running.position} of "
        f"{running.question_count}, started by {running.starter_name}). Wait for it to "
        f"finish, or ask {running.starter_name} or an admin to stop it."
    )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
