from datetime import UTC, date, datetime, timedelta

import pytest
from enginekit import CHANNEL, START, player, question_for

from bot.scoring import (
    BASE_POINTS,
    SPEED_BONUS_MAX,
    STREAK_BONUS_CAP,
    Streak,
    run_before,
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
        days_before=0,
    )
    args.update(overrides)
    return score_answer(**args).points


def test_a_wrong_answer_earns_nothing():
    assert points(correct=False, answered_at=OPEN, days_before=9, mode="daily") == 0


def test_advanced_cards_weigh_one_and_a_half():
    assert points() == BASE_POINTS
    assert points(level="advanced") == 15


def test_speed_bonus_decays_linearly_over_the_window():
    assert speed_bonus(OPEN, CLOSE, OPEN) == SPEED_BONUS_MAX
    assert speed_bonus(OPEN, CLOSE, OPEN + timedelta(seconds=50)) == 3
    assert speed_bonus(OPEN, CLOSE, OPEN + timedelta(seconds=80)) == 1
    assert speed_bonus(OPEN, CLOSE, CLOSE) == 0


@pytest.mark.parametrize(
    ("elapsed", "bonus"),
    [
        (0, 5), (10, 5), (10.000001, 4), (30, 4), (30.000001, 3), (50, 3), (50.000001, 2),
        (70, 2), (70.000001, 1), (90, 1), (90.000001, 0), (99.999999, 0), (100, 0),
    ],
)  # fmt: skip
def test_speed_bonus_bands_are_exact_with_each_boundary_in_the_higher_band(elapsed, bonus):
    answered = OPEN + timedelta(microseconds=round(elapsed * 1_000_000))
    assert speed_bonus(OPEN, CLOSE, answered) == bonus


def test_speed_bonus_boundaries_hold_where_floating_point_would_slip():
    # The cases: exactly 3 s into a 30 s quiz is the first tenth (+5, not +4), and
    # 28.9 s into a 289 s window is exactly a tenth too (+5, which float arithmetic missed).
    assert speed_bonus(OPEN, OPEN + timedelta(seconds=30), OPEN + timedelta(seconds=3)) == 5
    window = timedelta(seconds=289)
    assert speed_bonus(OPEN, OPEN + window, OPEN + timedelta(seconds=28.9)) == 5
    # Every whole-second answer of every window from 5 s to 600 s lands in its exact band.
    for seconds in range(5, 601, 7):
        for at in range(seconds + 1):
            expected = next(
                (b for k, b in ((1, 5), (3, 4), (5, 3), (7, 2), (9, 1)) if 10 * at <= k * seconds),
                0,
            )
            got = speed_bonus(OPEN, OPEN + timedelta(seconds=seconds), OPEN + timedelta(seconds=at))
            assert got == expected, (seconds, at)


def test_streak_bonus_starts_on_day_two_and_is_capped():
    assert [streak_bonus(d) for d in range(0, 8)] == [0, 1, 2, 3, 4, 5, 5, 5]
    assert points(mode="daily", days_before=30) == BASE_POINTS + STREAK_BONUS_CAP
    assert points(mode="quiz", days_before=30) == BASE_POINTS  # quizzes get no streak bonus


def test_the_run_before_a_day_counts_only_earlier_consecutive_days():
    days = {date(2026, 3, d) for d in (1, 2, 3, 5, 6)}
    assert run_before(date(2026, 3, 4), days) == 3  # 3, 2, 1
    assert run_before(date(2026, 3, 7), days) == 2  # 6, 5; the 4th is missing
    assert run_before(date(2026, 3, 5), days) == 0  # the day itself does not count
    many = {date(2026, 1, 1) + timedelta(days=i) for i in range(40)}
    assert run_before(date(2026, 2, 10), many) == STREAK_BONUS_CAP


def test_streaks_from_runs_count_the_latest_run_and_the_longest():
    s = Streak.of_runs([(date(2026, 3, 1), date(2026, 3, 3)), (date(2026, 3, 5), date(2026, 3, 5))])
    assert (s.current, s.best, s.last_day) == (1, 3, date(2026, 3, 5))
    assert s.current_on(date(2026, 3, 6)) == 1
    assert s.current_on(date(2026, 3, 7)) == 0
    assert s.current_on(date(2026, 3, 4)) == 1  # a day dated in a zone already past midnight
    assert Streak.of_runs([]).current_on(date(2026, 3, 1)) == 0


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
