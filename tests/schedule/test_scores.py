"""Scores through the daily schedule, each test the reproduction of one reported bug: streaks
by the day answered (not the order of reveals), practice dated like daily answers, the weekly
board when the week's last reveal comes after midnight, and zones changed by another process.

Real SQLite files, the real Engine, QuestionMaker and DailyScheduler; a fake clock and
`World.run_until` firing the jobs as APScheduler would.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dailykit import PLACE, World, at, spec

from bot.messages import QuestionMessage, RevealMessage
from bot.ports import Player
from bot.scoring import BASE_POINTS, SPEED_BONUS_MAX, speed_bonus

ADA = Player("discord", "ada", "Ada")
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


async def key_of(w: World, round_id: int) -> int:
    row = await w.live[0].store.fetchone("SELECT answer_index FROM rounds WHERE id=?", (round_id,))
    return row[0]


def base_of(w: World, message: QuestionMessage) -> int:
    return BASE_POINTS * 3 // 2 if message.level == "advanced" else BASE_POINTS


def latest_question(w: World) -> QuestionMessage:
    return [m for _, m in w.poster.questions() if m.mode == "daily"][-1]


async def answer_right(w: World, player: Player = ADA) -> QuestionMessage:
    question = latest_question(w)
    result = await w.live[0].engine.answer(
        question.round_id, player, await key_of(w, question.round_id)
    )
    assert result.status == "locked_in", result.text
    return question


async def practise_right(w: World, player: Player = ADA) -> None:
    engine = w.live[0].engine
    reply = await engine.practice_next(player, new_run=True)
    assert reply.question is not None
    round_id = reply.question.round_id
    result = await engine.answer(round_id, player, await key_of(w, round_id))
    assert result.text.startswith("Correct"), result.text


def reveal_of(w: World, round_id: int) -> RevealMessage:
    [reveal] = [m for m in w.poster.messages(RevealMessage) if m.round_id == round_id]
    return reveal


async def test_a_practice_answer_before_the_previous_days_reveal_keeps_that_day(tmp_path):
    # Bug 1: UTC channel at 20:00, reveal 8 h later. Right on Mon 2 and Tue 3 March, then a
    # right practice answer Wed 00:30, before Tuesday's 04:00 reveal. Tuesday earns +1 and
    # the streak is 3 (it was +0 and 1: days were applied in the order of reveals).
    w = World(tmp_path / "q.db", datetime(2026, 3, 2, 19, 0, tzinfo=UTC))
    await w.spawn()
    try:
        await w.set(spec(time="20:00", tz="UTC", reveal="8h"))
        await w.run_until(datetime(2026, 3, 2, 20, 5, tzinfo=UTC))
        await answer_right(w)
        await w.run_until(datetime(2026, 3, 3, 20, 5, tzinfo=UTC))
        tuesday = await answer_right(w)
        await w.run_until(datetime(2026, 3, 4, 0, 30, tzinfo=UTC))
        await practise_right(w)
        await w.run_until(datetime(2026, 3, 4, 4, 1, tzinfo=UTC))
        points = dict(reveal_of(w, tuesday.round_id).right)["Ada"]
        assert points == base_of(w, tuesday) + SPEED_BONUS_MAX + 1
        stats = await w.live[0].engine.stats(ADA, PLACE)
        assert (stats.current_streak, stats.best_streak) == (3, 3)
    finally:
        await w.close()


async def test_practice_is_dated_in_the_zone_of_the_players_channel_not_utc(tmp_path):
    # Bug 2: Chatham daily Monday 09:00, practice Tuesday 09:00 Chatham time (Monday 19:15
    # UTC), Chatham daily Wednesday: a streak of 3 and +2 on Wednesday (it was 1 and +0).
    zone = "Pacific/Chatham"
    w = World(tmp_path / "q.db", at(zone, 2026, 3, 2, 8))
    await w.spawn()
    try:
        await w.set(spec(time="09:00", tz=zone, reveal="8h", weekdays="mon,wed"))
        await w.run_until(at(zone, 2026, 3, 2, 9, 5))
        await answer_right(w)
        await w.run_until(at(zone, 2026, 3, 3, 9, 0))
        assert w.clock.now() == datetime(2026, 3, 2, 19, 15, tzinfo=UTC)
        await practise_right(w)
        await w.run_until(at(zone, 2026, 3, 4, 9, 5))
        wednesday = await answer_right(w)
        await w.run_until(at(zone, 2026, 3, 4, 17, 1))
        points = dict(reveal_of(w, wednesday.round_id).right)["Ada"]
        assert points == base_of(w, wednesday) + SPEED_BONUS_MAX + 2
        stats = await w.live[0].engine.stats(ADA, PLACE)
        assert (stats.current_streak, stats.best_streak) == (3, 3)
    finally:
        await w.close()


async def test_a_players_own_zone_dates_their_streak_days(tmp_path):
    # Slack tells a person's zone: their days are theirs, whatever the channel's zone. Kolkata
    # 23:30 Monday and 00:30 Wednesday are two days apart for them (one for the UTC channel).
    w = World(tmp_path / "q.db", datetime(2026, 3, 2, 17, 0, tzinfo=UTC))
    await w.spawn()
    priya = Player("slack", "U1", "Priya", tz="Asia/Kolkata")
    place = PLACE.__class__("slack", "T1", "C1")
    try:
        await w.set(spec(time="17:30", tz="UTC", reveal="8h", weekdays="daily"), place=place)
        await w.run_until(datetime(2026, 3, 2, 18, 0, tzinfo=UTC))  # Mon 23:30 in Kolkata
        await answer_right(w, priya)
        await w.run_until(datetime(2026, 3, 3, 19, 0, tzinfo=UTC))  # Wed 00:30 in Kolkata
        second = await answer_right(w, priya)
        await w.run_until(datetime(2026, 3, 4, 4, 0, tzinfo=UTC))
        points = dict(reveal_of(w, second.round_id).right)["Priya"]
        opened = datetime(2026, 3, 3, 17, 30, tzinfo=UTC)
        speed = speed_bonus(opened, second.closes_at, datetime(2026, 3, 3, 19, 0, tzinfo=UTC))
        assert points == base_of(w, second) + speed  # Tuesday is missing: no streak bonus
        stats = await w.live[0].engine.stats(priya, place)
        assert (stats.current_streak, stats.best_streak) == (1, 1)
    finally:
        await w.close()


async def test_weekly_board_posts_when_the_last_reveal_comes_after_midnight(tmp_path):
    # Bug 5: every day at 20:00 with an 8 h reveal, Sunday's question is revealed on Monday
    # 04:00; 09:00 with a 24 h reveal likewise. No board was ever posted; now one a week.
    zone = "Europe/Berlin"
    for time, reveal in (("20:00", "8h"), ("09:00", "24h")):
        w = World(tmp_path / f"{reveal}.db", at(zone, 2026, 3, 2, 8))
        await w.spawn()
        try:
            await w.set(spec(time=time, tz=zone, reveal=reveal, weekdays="daily", weekly="on"))
            await w.run_until(at(zone, 2026, 3, 10, 21))
            await answer_right(w)  # Tuesday of week 11
            await w.run_until(at(zone, 2026, 3, 24, 8))
            boards = w.poster.boards()
            labels = [b.period_label for b in boards]
            assert labels == ["week 2026-W10", "week 2026-W11", "week 2026-W12"], labels
            assert all(b.title.endswith("in this channel") for b in boards)
            assert [r.name for r in boards[1].rows] == ["Ada"]
            posted = [w.poster.times[[c[3] for c in w.poster.calls].index(b)] for b in boards]
            assert [p.astimezone(at(zone, 2026, 1, 1).tzinfo).weekday() for p in posted] == [
                0,
                0,
                0,
            ]  # each on the Monday of the reveal
        finally:
            await w.close()


async def test_weekly_on_with_a_reveal_after_midnight_says_when_the_board_comes(tmp_path):
    # Bug 5's second half: `/daily set ... weekly:on` said nothing about such a schedule.
    w = World(tmp_path / "q.db", at("UTC", 2026, 3, 2, 8))
    await w.spawn()
    try:
        service = w.live[0].service
        late = await service.set(
            PLACE, spec(time="20:00", tz="UTC", weekdays="daily", weekly="on"), "admin",
            is_admin=True,
        )  # fmt: skip
        assert "revealed on Mon 04:00, in the next week" in late.text
        friday = await service.set(PLACE, spec(weekdays="mon-fri"), "admin", is_admin=True)
        assert "revealed on Sat 04:00, after midnight" in friday.text
        fine = await service.set(PLACE, spec(time="09:00", reveal="17:00"), "admin", is_admin=True)
        assert "Note" not in fine.text
    finally:
        await w.close()


async def test_a_zone_set_by_another_process_is_used_at_once(tmp_path):
    # Bug 7: process A cached a channel's zone forever; after process B set Pacific/Chatham,
    # A still opened rounds in UTC and dated answers into another week.
    w = World(tmp_path / "q.db", datetime(2026, 3, 8, 11, 0, tzinfo=UTC))  # Sunday
    a = await w.spawn()
    b = await w.spawn()
    try:
        assert await a.engine.place_zone(PLACE) == "UTC"
        notice = await b.service.set(PLACE, spec(time="09:00", tz="Pacific/Chatham"), "admin",
                                     is_admin=True)  # fmt: skip
        assert notice.text.startswith("Daily question set")
        await a.engine.start_quiz(PLACE, ADA, count=1, seconds=30)
        [question] = [m for _, m in w.poster.questions() if m.mode == "quiz"]
        assert question.zone == "Pacific/Chatham"
        # Sunday 11:00 UTC is Monday 00:45 in Chatham: week 11 there, week 10 in UTC.
        await a.engine.answer(question.round_id, ADA, await key_of(w, question.round_id))
        w.clock.advance(seconds=30)
        await a.engine.tick()
        board = await a.engine.leaderboard(PLACE, "week")
        assert board.period_label == "week 2026-W11" and [r.name for r in board.rows] == ["Ada"]
    finally:
        await w.close()
