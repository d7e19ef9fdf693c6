from datetime import timedelta

from enginekit import CHANNEL, player


async def test_practice_is_private_and_revealed_at_once(engine, poster):
    reply = await engine.practice_next(player(1))
    assert reply.question is not None and reply.question.mode == "practice"
    result = await engine.answer(reply.question.round_id, player(1), 1)
    assert result.status == "locked_in" and result.text == "Correct: B."
    assert result.reveal is not None and result.reveal.correct_index == 1
    assert poster.calls == []  # nothing goes to any channel


async def test_a_wrong_practice_answer_names_the_right_letter(engine):
    reply = await engine.practice_next(player(1))
    result = await engine.answer(reply.question.round_id, player(1), 3)
    assert result.text == "Not quite: you chose D; the answer is B."


async def test_nobody_else_can_answer_your_practice_question(engine):
    reply = await engine.practice_next(player(1))
    assert (await engine.answer(reply.question.round_id, player(2), 1)).status == "unknown_round"


async def test_practice_counts_for_stats_and_streak_not_for_leaderboards(engine, clock):
    for _day in range(3):
        reply = await engine.practice_next(player(1))
        await engine.answer(reply.question.round_id, player(1), 1)
        clock.advance(timedelta(days=1))
    stats = await engine.stats(player(1), CHANNEL)
    assert (stats.answered, stats.correct) == (3, 3)
    # Alive today (practised yesterday), not yet extended today.
    assert stats.current_streak == 3 and stats.best_streak == 3
    assert stats.points == 0
    for period in ("week", "month", "all"):
        board = await engine.leaderboard(CHANNEL, period, "server", player(1))
        assert board.rows == () and board.caller is None
    clock.advance(timedelta(days=1))  # a day missed
    assert (await engine.stats(player(1), CHANNEL)).current_streak == 0


async def test_next_practice_question_avoids_cards_just_seen(engine):
    first = await engine.practice_next(player(1))
    second = await engine.practice_next(player(1))
    assert first.question.prompt != second.question.prompt
    # The unanswered first question is closed without counting.
    assert (await engine.answer(first.question.round_id, player(1), 1)).status == "closed"
    assert (await engine.stats(player(1))).answered == 0


async def test_practice_with_an_unknown_topic_explains(engine):
    reply = await engine.practice_next(player(1), topic="nonsense")
    assert reply.question is None and "closest: Activations" in reply.notice.text
