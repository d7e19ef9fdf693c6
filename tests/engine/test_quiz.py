from datetime import timedelta

from enginekit import CHANNEL, player

from bot.messages import LeaderboardMessage, QuestionMessage, RevealMessage
from bot.ports import Place


async def run_until_quiet(engine, clock, seconds: int, steps: int = 20) -> None:
    for _ in range(steps):  # bounded: a quiz of 3 needs about 6 steps
        clock.advance(seconds=seconds)
        await engine.tick()
        if await engine.next_due() is None:
            return


async def test_a_quiz_of_three_runs_on_the_clock_and_ends_with_standings(engine, clock, poster):
    started = await engine.start_quiz(CHANNEL, player(1), count=3, seconds=30)
    assert started.status == "started"
    for expected_position in ("1/3", "2/3", "3/3"):
        question = poster.messages(QuestionMessage)[-1]
        assert question.position == expected_position and question.mode == "quiz"
        reply = await engine.answer(question.round_id, player(1), 1)
        assert reply.text == "Locked in: B. Reveal in 30 s"
        await engine.answer(question.round_id, player(2), 0)
        clock.advance(seconds=12)
        assert (await engine.answer(question.round_id, player(3), 1)).text.endswith("in 18 s")
        clock.advance(seconds=18)
        await engine.tick()  # reveal
        assert poster.messages(RevealMessage)[-1].round_id == question.round_id
        clock.advance(seconds=5)
        await engine.tick()  # next question, or the end
    [standings] = poster.messages(LeaderboardMessage)
    assert standings.period == "quiz"
    assert [(r.rank, r.name, r.correct) for r in standings.rows] == [
        (1, "Player 1", 3),
        (2, "Player 3", 3),
        (3, "Player 2", 0),
    ]
    assert standings.rows[0].points > standings.rows[1].points  # faster answers earn more
    assert await engine.next_due() is None
    assert (await engine.start_quiz(CHANNEL, player(2), count=1)).status == "started"


async def test_one_quiz_per_channel(engine, clock):
    assert (await engine.start_quiz(CHANNEL, player(1), count=3)).status == "started"
    busy = await engine.start_quiz(CHANNEL, player(2), count=3)
    assert busy.status == "busy"
    assert "already running" in busy.notice.text and "Player 1" in busy.notice.text
    other = Place("discord", "guild1", "chan2")
    assert (await engine.start_quiz(other, player(2), count=3)).status == "started"


async def test_only_the_starter_or_an_admin_stops_a_quiz(engine, poster):
    await engine.start_quiz(CHANNEL, player(1), count=5)
    refused = await engine.stop_quiz(CHANNEL, player(2), is_admin=False)
    assert refused.status == "forbidden"
    assert "Only Player 1 (who started this quiz) or an admin" in refused.notice.text
    stopped = await engine.stop_quiz(CHANNEL, player(3), is_admin=True)
    assert stopped.status == "stopped"
    assert stopped.notice.text == "Quiz stopped after 1 of 5 questions."
    assert len(poster.messages(RevealMessage)) == 1  # the open question is revealed
    assert poster.messages(LeaderboardMessage)[-1].title == "Quiz stopped by Player 3"
    assert await engine.next_due() is None
    assert (await engine.stop_quiz(CHANNEL, player(1), is_admin=False)).status == "none"


async def test_the_starter_can_stop_their_quiz(engine, clock):
    await engine.start_quiz(CHANNEL, player(1), count=5)
    assert (await engine.stop_quiz(CHANNEL, player(1), is_admin=False)).status == "stopped"


async def test_quiz_input_is_checked_with_clear_notices(engine):
    too_many = await engine.start_quiz(CHANNEL, player(1), count=21)
    assert too_many.status == "bad_input" and "1 to 20 questions" in too_many.notice.text
    too_fast = await engine.start_quiz(CHANNEL, player(1), seconds=1)
    assert too_fast.status == "bad_input" and "5 to 600 seconds" in too_fast.notice.text
    unknown = await engine.start_quiz(CHANNEL, player(1), topic="nonsense")
    assert unknown.status == "bad_input" and "closest: Activations" in unknown.notice.text


async def test_quiz_answers_count_on_the_channel_leaderboard(engine, clock, poster):
    await engine.start_quiz(CHANNEL, player(1), count=1, seconds=30)
    question = poster.messages(QuestionMessage)[-1]
    await engine.answer(question.round_id, player(1), 1)
    clock.advance(seconds=30)
    await engine.tick()
    board = await engine.leaderboard(CHANNEL, "week", "channel")
    assert [(r.name, r.correct) for r in board.rows] == [("Player 1", 1)]


async def test_a_stale_quiz_is_ended_at_start_up_not_resumed(engine, clock, poster):
    await engine.start_quiz(CHANNEL, player(1), count=5, seconds=30)
    clock.advance(timedelta(hours=2))  # the bot was down
    await engine.recover()
    assert poster.messages(LeaderboardMessage)[-1].title == "Quiz ended: the bot restarted"
    assert len(poster.messages(QuestionMessage)) == 1
    assert await engine.next_due() is None


async def test_one_person_starting_too_often_is_slowed_down_on_every_platform(engine, clock):
    bob = player(2)
    for channel in ("c1", "c2", "c3"):
        reply = await engine.start_quiz(Place("discord", "g1", channel), bob, count=1)
        assert reply.status == "started"
    refused = await engine.start_quiz(Place("discord", "g1", "c4"), bob, count=1)
    assert refused.status == "slow_down"
    assert refused.notice.text.startswith("Slow down: try again in 60 s")
    practice = await engine.practice_next(bob, new_run=True)
    assert practice.question is None and practice.notice.text.startswith("Slow down")
    assert (await engine.practice_next(bob)).question is not None  # "Next question" is free
    clock.advance(seconds=60)
    assert (await engine.start_quiz(Place("discord", "g1", "c4"), bob, count=1)).status == "started"
