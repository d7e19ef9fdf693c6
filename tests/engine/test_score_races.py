"""Quick quizzes racing a stop or a restart, names by when they were used, ties at the cut:
each test reproduces a reported bug on a real SQLite file with a fake clock."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from enginekit import CHANNEL, START, FakeMaker, player, question_for

from bot.clock import FakeClock
from bot.engine import Engine
from bot.messages import LeaderboardMessage, QuestionMessage, RevealMessage
from bot.ports import MemoryPoster, Player
from bot.store import Store
from bot.store.sqlite import SqliteStorage


class GatedStorage:
    """The real SQLite storage, except that storing a quiz question waits at a gate: the
    moment between claiming a quiz's next question and storing it, held open."""

    def __init__(self, inner: SqliteStorage) -> None:
        self.inner = inner
        self.entered = asyncio.Event()
        self.gate = asyncio.Event()
        self.listed = asyncio.Event()  # a stop has looked for the quiz's open rounds

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def open_rounds_of_quiz(self, quiz_id: int) -> list[int]:
        found = await self.inner.open_rounds_of_quiz(quiz_id)
        self.listed.set()
        return found

    async def store_round(self, new: Any) -> int | None:
        if new.quiz_id is not None and new.quiz_position and new.quiz_position > 1:
            self.entered.set()
            await self.gate.wait()
        return await self.inner.store_round(new)


async def first_question_answered_and_revealed(engine: Engine, clock: FakeClock, poster) -> None:
    assert (await engine.start_quiz(CHANNEL, player(1), count=3, seconds=30)).status == "started"
    first = poster.messages(QuestionMessage)[-1]
    await engine.answer(first.round_id, player(1), 1)
    clock.advance(seconds=30)
    assert await engine.tick() == 1  # the reveal of 1/3
    clock.advance(seconds=5)  # the next question is due


async def open_rounds(store: Store) -> int:
    row = await store.fetchone("SELECT count(*) FROM rounds WHERE state='open'")
    return row[0]


async def test_a_stop_racing_the_next_question_leaves_no_orphan_round(store, cards, clock):
    # Bug 3: /quiz-stop between the timer claiming question 2 and storing it. The platform got
    # 2/3, then "stopped after 1 of 3"; 2/3 stayed open and a later tick scored it.
    poster = MemoryPoster()
    gated = GatedStorage(SqliteStorage(store))
    engine = Engine(store, cards, clock, poster, FakeMaker(cards), storage=gated)
    await first_question_answered_and_revealed(engine, clock, poster)
    advancing = asyncio.create_task(engine.tick())
    await gated.entered.wait()
    stopping = asyncio.create_task(engine.stop_quiz(CHANNEL, player(1), is_admin=False))
    # Let the stop run as far as it can: before the fix it ended the quiz and found no open
    # round to reveal; now it waits for the question being opened. Bounded either way.
    for _ in range(100):
        if gated.listed.is_set() or stopping.done():
            break
        await asyncio.sleep(0.005)
    gated.gate.set()
    await advancing
    stopped = await stopping
    [standings] = poster.messages(LeaderboardMessage)
    asked = [m.position for m in poster.messages(QuestionMessage)]
    revealed = {m.round_id for m in poster.messages(RevealMessage)}
    # Whatever was asked is revealed, and the stop says what the standings say.
    assert asked == ["1/3", "2/3"]
    assert revealed == {m.round_id for m in poster.messages(QuestionMessage)}
    assert stopped.notice.text == "Quiz stopped after 2 of 3 questions."
    assert standings.period_label == "2 of 3 questions"
    assert poster.calls[-1][3] is standings  # nothing after the standings
    assert await open_rounds(store) == 0
    clock.advance(minutes=5)
    before = len(poster.calls)
    assert await engine.tick() == 0 and len(poster.calls) == before


async def test_a_stop_from_another_process_before_the_next_question_opens_nothing(
    db_target, cards, clock
):
    # Bug 3 across processes: B stops the quiz while A sits between claiming question 2 and
    # storing it. A must open nothing more.
    poster = MemoryPoster()
    store_a = await Store.open(db_target)
    store_b = await Store.open(db_target)
    try:
        gated = GatedStorage(SqliteStorage(store_a))
        a = Engine(store_a, cards, clock, poster, FakeMaker(cards), storage=gated)
        b = Engine(store_b, cards, clock, poster, FakeMaker(cards))
        await first_question_answered_and_revealed(a, clock, poster)
        advancing = asyncio.create_task(a.tick())
        await gated.entered.wait()
        stopped = await b.stop_quiz(CHANNEL, player(1), is_admin=False)
        gated.gate.set()
        await advancing
        assert stopped.notice.text == "Quiz stopped after 1 of 3 questions."
        assert [m.position for m in poster.messages(QuestionMessage)] == ["1/3"]
        [standings] = poster.messages(LeaderboardMessage)
        assert standings.period_label == "1 of 3 questions"
        assert await open_rounds(store_a) == 0
        board = await b.leaderboard(CHANNEL, "all")
        assert [(r.name, r.answered) for r in board.rows] == [("Player 1", 1)]
    finally:
        await store_a.close()
        await store_b.close()


async def test_a_restart_between_claiming_and_opening_a_question_asks_it(db_target, cards):
    # Bug 4: the process died after claiming question 2 and before opening it; after the
    # restart the platform got 3/3 next and the standings said "2 of 3 questions".
    clock = FakeClock(START)
    poster = MemoryPoster()
    store = await Store.open(db_target)
    engine = Engine(store, cards, clock, poster, FakeMaker(cards))
    await first_question_answered_and_revealed(engine, clock, poster)
    [quiz_id] = await store.fetchone("SELECT id FROM quizzes")
    assert await engine.storage.claim_next_question(quiz_id, clock.now()) is not None
    await store.close()  # the process dies here

    store = await Store.open(db_target)
    try:
        engine = Engine(store, cards, clock, poster, FakeMaker(cards))
        await engine.recover()
        for _ in range(10):  # bounded: two more questions need four steps
            question = poster.messages(QuestionMessage)[-1]
            await engine.answer(question.round_id, player(1), 1)
            clock.advance(seconds=30)
            await engine.tick()
            clock.advance(seconds=5)
            await engine.tick()
            if poster.messages(LeaderboardMessage):
                break
        assert [m.position for m in poster.messages(QuestionMessage)] == ["1/3", "2/3", "3/3"]
        [standings] = poster.messages(LeaderboardMessage)
        assert standings.period_label == "3 of 3 questions"
        assert standings.rows[0].correct == 3
    finally:
        await store.close()


async def test_the_leaderboard_keeps_the_name_used_last_whatever_the_reveal_order(
    engine, cards, clock
):
    # Bug 6: a daily answered as "OldName", then a quiz as "NewName"; the daily's later
    # reveal put "OldName" back on the board.
    old, new = Player("discord", "u1", "OldName"), Player("discord", "u1", "NewName")
    daily = await engine.open_round(
        CHANNEL, question_for(cards[0]), "daily", clock.now() + timedelta(hours=8)
    )
    await engine.answer(daily, old, 1)
    clock.advance(minutes=10)
    quiz = await engine.open_round(
        CHANNEL, question_for(cards[1]), "quiz", clock.now() + timedelta(seconds=30)
    )
    await engine.answer(quiz, new, 1)
    clock.advance(seconds=30)
    await engine.reveal(quiz)
    clock.set(START + timedelta(hours=8))
    await engine.reveal(daily)
    board = await engine.leaderboard(CHANNEL, "all")
    assert [r.name for r in board.rows] == ["NewName"]
    stats = await engine.stats(new, CHANNEL)
    assert stats.name == "NewName"


async def test_players_tied_with_the_tenth_row_are_counted_under_it(engine, cards, clock):
    closes = clock.now() + timedelta(seconds=30)
    round_id = await engine.open_round(CHANNEL, question_for(cards[0]), "quiz", closes)
    for n in range(13):
        await engine.answer(round_id, player(n), 1 if n else 0)  # 12 right, all at once
    await engine.reveal(round_id)
    board = await engine.leaderboard(CHANNEL, "all", caller=player(0))
    assert len(board.rows) == 10 and {r.rank for r in board.rows} == {1}
    assert board.more_tied == 2
    assert board.more_tied_text == f"+2 more on {board.rows[-1].points} points"
    assert board.caller is not None and board.caller.rank == 13


async def test_an_answered_practice_round_keeps_its_answer_only(engine, store, clock):
    reply = await engine.practice_next(player(1), new_run=True)
    assert reply.question is not None
    answered = reply.question.round_id
    result = await engine.answer(answered, player(1), 1)
    assert result.text == "Correct: B." and result.reveal is not None
    assert result.reveal.prompt  # shown once, in full, at the answer
    skipped = (await engine.practice_next(player(1))).question
    assert skipped is not None
    await engine.practice_next(player(1))  # closes the skipped one, unanswered
    rows = {
        r["id"]: r["question"]
        for r in await store.fetchall("SELECT id, question FROM rounds WHERE mode='practice'")
    }
    assert rows[answered] is None  # its answer key and the answer stay; the text is gone
    assert rows[skipped.round_id] is not None  # the retention policy deletes it after a day
    stats = await engine.stats(player(1))
    assert (stats.answered, stats.correct) == (1, 1)


async def test_a_finished_quiz_drops_its_list_of_questions(engine, store, clock):
    await engine.start_quiz(CHANNEL, player(1), count=3, seconds=30)
    await engine.stop_quiz(CHANNEL, player(1), is_admin=False)
    row = await store.fetchone("SELECT questions_json, position FROM quizzes")
    assert (row["questions_json"], row["position"]) == ("[]", 1)
