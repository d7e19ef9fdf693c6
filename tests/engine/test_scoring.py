from datetime import UTC, date, datetime, timedelta

from enginekit import CHANNEL, START, player, question_for

from bot.scoring import (
    BASE_POINTS,
    SPEED_BONUS_MAX,
    STREAK_BONUS_CAP,
    Streak,
    score_answer,
    speed_bonus,
    streak_bonus,
)

OPEN = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CLOSE = OPEN + timedelta(seconds=100)


def points(**overrides) -> int:
    args = dict(
        correct=True,
        level="core",
        mode="quiz",
        opened_at=OPEN,
        closes_at=CLOSE,
        answered_at=CLOSE,
        streak_days=0,
    )
    args.update(overrides)
    return score_answer(**args).points


def test_a_wrong_answer_earns_nothing():
    assert points(correct=False, answered_at=OPEN, streak_days=9, mode="daily") == 0


def test_advanced_cards_weigh_one_and_a_half():
    assert points() == BASE_POINTS
    assert points(level="advanced") == 15


def test_speed_bonus_decays_linearly_over_the_window():
    assert speed_bonus(OPEN, CLOSE, OPEN) == SPEED_BONUS_MAX
    assert speed_bonus(OPEN, CLOSE, OPEN + timedelta(seconds=50)) in (2, 3)
    assert speed_bonus(OPEN, CLOSE, OPEN + timedelta(seconds=80)) == 1
    assert speed_bonus(OPEN, CLOSE, CLOSE) == 0


def test_streak_bonus_starts_on_day_two_and_is_capped():
    assert [streak_bonus(d) for d in range(1, 9)] == [0, 1, 2, 3, 4, 5, 5, 5]
    assert points(mode="daily", streak_days=30) == BASE_POINTS + STREAK_BONUS_CAP
    assert points(mode="quiz", streak_days=30) == BASE_POINTS  # quizzes get no streak bonus


def test_streak_counts_consecutive_days_and_resets_after_a_gap():
    s = Streak()
    for day in (1, 2, 3):
        s = s.after_correct(date(2026, 3, day))
    assert (s.current, s.best) == (3, 3)
    assert s.after_correct(date(2026, 3, 3)) == s  # twice on one day counts once
    s = s.after_correct(date(2026, 3, 5))
    assert (s.current, s.best) == (1, 3)
    assert s.current_on(date(2026, 3, 6)) == 1
    assert s.current_on(date(2026, 3, 7)) == 0


async def test_daily_streak_across_days_raises_points_up_to_the_cap(engine, cards, clock, store):
    earned = []
    for day in range(8):
        clock.set(START + timedelta(days=day))
        closes = clock.now() + timedelta(hours=8)
        round_id = await engine.open_round(CHANNEL, question_for(cards[0]), "daily", closes)
        await engine.answer(round_id, player(1), 1)  # at once: full speed bonus
        clock.set(closes)
        reveal = await engine.reveal(round_id)
        earned.append(reveal.right[0][1])
    assert earned == [15, 16, 17, 18, 19, 20, 20, 20]
    stats = await engine.stats(player(1), CHANNEL)
    assert (stats.current_streak, stats.best_streak) == (8, 8)


async def test_a_missed_day_resets_the_streak_bonus(engine, cards, clock):
    earned = []
    for day in (0, 1, 3):
        clock.set(START + timedelta(days=day))
        closes = clock.now() + timedelta(hours=8)
        round_id = await engine.open_round(CHANNEL, question_for(cards[0]), "daily", closes)
        await engine.answer(round_id, player(1), 1)
        clock.set(closes)
        earned.append((await engine.reveal(round_id)).right[0][1])
    assert earned == [15, 16, 15]
    stats = await engine.stats(player(1), CHANNEL)
    assert (stats.current_streak, stats.best_streak) == (1, 2)


async def test_stats_show_topics_and_the_weakest_ones(engine, cards, clock):
    # cards alternate topics: even = Activations, odd = Optimisers; B (1) is right.
    for i, choice in enumerate([1, 0, 1, 0, 1, 0, 1, 1]):
        round_id = await engine.open_round(
            CHANNEL, question_for(cards[i]), "quiz", clock.now() + timedelta(seconds=30)
        )
        await engine.answer(round_id, player(1), choice)
        await engine.reveal(round_id)
    stats = await engine.stats(player(1), CHANNEL)
    assert (stats.answered, stats.correct) == (8, 5)
    by_topic = {t.topic: (t.answered, t.correct) for t in stats.topics}
    assert by_topic == {"Activations": (4, 4), "Optimisers": (4, 1)}
    assert stats.weakest == ("Optimisers",)
    assert stats.points is not None and stats.points > 0
