"""Exactly one daily post per channel per local date: DST, restarts, crashes, two processes,
posting failures, downtime, rotation, prompt days and the weekly board.

Every test runs real SQLite files in tmp_path, the real Engine and QuestionMaker, a fake clock
and an in-memory platform; `World.run_until` fires the registered jobs at the instants their
triggers compute, as APScheduler would.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from dailykit import PLACE, Crash, World, at, library, spec

from bot.messages import QuestionMessage
from bot.ports import Player, waiting_to_send
from bot.schedule.timing import slot_time

HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)


async def one_process(tmp_path, start: datetime, name: str = "q.db", **world) -> World:
    w = World(tmp_path / name, start, **world)
    await w.spawn()
    return w


def assert_once_per_day(w: World, zone: str, days: list[date]) -> None:
    per_day = w.poster.posts_per_local_date(zone)
    assert per_day == {d: 1 for d in days}, per_day
    scored = [m for _, m in w.poster.questions() if m.format != "prompt"]
    reveals = w.poster.reveals_per_round()
    due = [m.round_id for m in scored if m.closes_at <= w.clock.now()]
    assert all(reveals[r] == 1 for r in due), reveals
    assert set(reveals) == set(due)


async def slot_state(w: World, day: date) -> str | None:
    row = await w.live[0].daily.db.slot(PLACE, day)
    return row.state if row else None


# -- DST ------------------------------------------------------------------------------------


DST_CASES = [
    ("Europe/Berlin", date(2026, 3, 29), "02:30"),
    ("Europe/Berlin", date(2026, 3, 29), "09:00"),
    ("Europe/Berlin", date(2026, 10, 25), "02:30"),
    ("Europe/Berlin", date(2026, 10, 25), "09:00"),
    ("America/New_York", date(2026, 3, 8), "02:30"),
    ("America/New_York", date(2026, 11, 1), "01:30"),
    ("America/New_York", date(2026, 11, 1), "09:00"),
    ("Asia/Kolkata", date(2026, 3, 29), "09:00"),
    ("Australia/Lord_Howe", date(2026, 4, 5), "01:45"),
    ("Australia/Lord_Howe", date(2026, 10, 4), "02:15"),
    ("Australia/Lord_Howe", date(2026, 10, 4), "09:00"),
]


@pytest.mark.parametrize(("zone", "change", "hhmm"), DST_CASES)
async def test_one_post_per_local_date_across_dst(tmp_path, zone, change, hhmm):
    start = at(zone, change.year, change.month, change.day) - timedelta(days=2)
    w = await one_process(tmp_path, start)
    try:
        await w.set(spec(time=hhmm, tz=zone, weekdays="daily", reveal="8h"))
        await w.run_until(start + timedelta(days=4, hours=12))
        days = [change + timedelta(days=i) for i in range(-2, 3)]
        assert_once_per_day(w, zone, days)
        hh, mm = map(int, hhmm.split(":"))
        z = ZoneInfo(zone)
        expected = [slot_time(d, time(hh, mm), z) for d in days]
        assert [t for t, _ in w.poster.questions()] == expected
    finally:
        await w.close()


async def test_a_fire_repeated_in_the_autumn_hour_does_not_post_again(tmp_path):
    # Whatever fires twice (CronTrigger does at 02:30 on Oct 25), the slot row posts once.
    zone = "Europe/Berlin"
    w = await one_process(tmp_path, at(zone, 2026, 10, 25, 0))
    try:
        await w.set(spec(time="02:30", tz=zone, weekdays="daily"))
        daily = w.live[0].daily
        for fire in (at(zone, 2026, 10, 25, 2, 30, fold=0), at(zone, 2026, 10, 25, 2, 30, fold=1)):
            w.clock.set(fire)
            await daily.run_due(PLACE)
        assert w.poster.posts_per_local_date(zone) == {date(2026, 10, 25): 1}
    finally:
        await w.close()


# -- restarts -------------------------------------------------------------------------------

ZONE = "Europe/Berlin"
DAY = date(2026, 11, 23)  # a Monday
POST = at(ZONE, 2026, 11, 23, 9)


@pytest.mark.parametrize("minute", range(-5, 6))
async def test_restart_at_every_minute_around_the_post(tmp_path, minute):
    w = await one_process(tmp_path, POST - HOUR)
    try:
        await w.set(spec(time="09:00", tz=ZONE))
        await w.run_until(POST + minute * MINUTE)
        await w.crash(w.live[0])
        await w.spawn()  # a new Store, Engine and DailyScheduler on the same file
        await w.run_until(POST + 10 * HOUR)
        assert_once_per_day(w, ZONE, [DAY])
        assert w.poster.questions()[0][0] == POST  # on time: by the old process or the new
    finally:
        await w.close()


@pytest.mark.parametrize("minute", [-1, 0, 1, 30, 59, 61])
async def test_restart_inside_the_repeated_autumn_hour(tmp_path, minute):
    first = at(ZONE, 2026, 10, 25, 2, 30, fold=0)
    w = await one_process(tmp_path, first - HOUR)
    try:
        await w.set(spec(time="02:30", tz=ZONE, weekdays="daily"))
        await w.run_until(first + minute * MINUTE)
        await w.crash(w.live[0])
        await w.spawn()
        await w.run_until(first + 30 * HOUR)
        assert_once_per_day(w, ZONE, [date(2026, 10, 25), date(2026, 10, 26)])
    finally:
        await w.close()


@pytest.mark.parametrize("minute", range(-5, 6))
async def test_restart_at_every_minute_around_the_reveal(tmp_path, minute):
    w = await one_process(tmp_path, POST - HOUR)
    try:
        await w.set(spec(time="09:00", tz=ZONE, reveal="17:00"))
        reveal = at(ZONE, 2026, 11, 23, 17)
        await w.run_until(reveal + minute * MINUTE)
        await w.crash(w.live[0])
        await w.spawn()
        await w.run_until(reveal + 2 * HOUR)
        assert_once_per_day(w, ZONE, [DAY])
        assert len(w.poster.reveals_per_round()) == 1
        revealed_at = [
            t for t, c in zip(w.poster.times, w.poster.calls, strict=True) if c[0] == "edit"
        ]
        assert revealed_at == [reveal]  # on time: by the old process, else by the new one
    finally:
        await w.close()


@pytest.mark.parametrize("restart_after", [1, 5, 9, 11, 30])
async def test_crash_right_after_the_platform_took_the_post_never_posts_again(
    tmp_path, restart_after
):
    w = await one_process(tmp_path, POST - HOUR)
    try:
        await w.set(spec(time="09:00", tz=ZONE))
        w.poster.crash_after_post = 1
        await w.run_until(POST)
        assert not w.live  # the process died mid-post
        w.clock.set(POST + restart_after * MINUTE)
        await w.spawn()
        await w.run_until(POST + 10 * HOUR)
        assert w.poster.posts_per_local_date(ZONE) == {DAY: 1}
        # The post may have gone out, so the slot is never retried: at most one post.
        assert await slot_state(w, DAY) == "unknown"
        status = await w.live[0].service.status(PLACE)
        assert "not retried" in status.text
    finally:
        await w.close()


async def test_crash_after_the_engine_recorded_the_post_counts_as_posted(tmp_path):
    w = await one_process(tmp_path, POST - HOUR)
    try:
        await w.set(spec(time="09:00", tz=ZONE))
        daily = w.live[0].daily
        real_posted = daily.db.posted

        async def die(*args, **kwargs):
            raise Crash("died after open_round returned, before the slot said posted")

        daily.db.posted = die  # type: ignore[method-assign]
        await w.run_until(POST)
        assert not w.live
        daily.db.posted = real_posted  # type: ignore[method-assign]
        w.clock.set(POST + 20 * MINUTE)
        await w.spawn()
        await w.run_until(POST + 10 * HOUR)
        assert_once_per_day(w, ZONE, [DAY])
        assert await slot_state(w, DAY) == "posted"
    finally:
        await w.close()


@pytest.mark.parametrize("queued", [True, False])
async def test_a_stop_while_the_post_waits_its_turn_posts_it_after_restart(tmp_path, queued):
    """`quizbot run` stopped mid fan-out: a post still waiting in the pacing queue never
    left, so the restart posts it; one cut after it was sent may be out: never doubled."""
    w = await one_process(tmp_path, POST - HOUR)
    try:
        await w.set(spec(time="09:00", tz=ZONE))
        process = w.live[0]

        async def stopped(place, message):
            stop = asyncio.CancelledError()
            if queued:
                with waiting_to_send():
                    raise stop
            raise stop

        w.poster.post = stopped  # type: ignore[method-assign]
        with pytest.raises(asyncio.CancelledError):
            await w.run_until(POST)
        await w.crash(process)
        del w.poster.post  # the platform as it was
        w.clock.set(POST + 15 * MINUTE)
        await w.spawn()
        await w.run_until(POST + 10 * HOUR)
        if queued:
            assert_once_per_day(w, ZONE, [DAY])
            assert await slot_state(w, DAY) == "posted"
        else:
            assert w.poster.posts_per_local_date(ZONE) == {}
            assert await slot_state(w, DAY) == "unknown"
    finally:
        await w.close()


@pytest.mark.parametrize("stage", ["after_claim", "before_engine"])
@pytest.mark.parametrize("restart_after", [0, 1, 3, 15])
async def test_crash_before_anything_was_posted_posts_once_after_restart(
    tmp_path, stage, restart_after
):
    w = await one_process(tmp_path, POST - HOUR)
    try:
        await w.set(spec(time="09:00", tz=ZONE))
        process = w.live[0]

        def die(*args, **kwargs):
            raise Crash(stage)

        if stage == "after_claim":
            process.daily.pick = die  # type: ignore[method-assign]
        else:

            async def die_async(*args, **kwargs):
                die()

            process.engine.open_round = die_async  # type: ignore[method-assign]
        await w.run_until(POST)
        assert not w.live and not w.poster.calls
        w.clock.set(POST + restart_after * MINUTE)
        await w.spawn()
        await w.run_until(POST + 10 * HOUR)
        assert_once_per_day(w, ZONE, [DAY])
        assert await slot_state(w, DAY) == "posted"
        posted_at = w.poster.questions()[0][0]
        # Within the claim lease (2 min) or posting lease (10 min) the restart waits for it.
        lease = 2 if stage == "after_claim" else 10
        expected = max(POST + restart_after * MINUTE, POST + lease * MINUTE + timedelta(seconds=1))
        assert posted_at == expected
    finally:
        await w.close()


# -- two processes, double registration -------------------------------------------------------


async def test_two_schedulers_on_one_database_post_once(tmp_path):
    w = World(tmp_path / "q.db", POST - HOUR)
    try:
        await w.spawn()
        await w.spawn()
        await w.set(spec(time="09:00", tz=ZONE, weekdays="daily"))
        assert all(p.daily.scheduler.get_job("daily:discord:guild-1:chan-1") for p in w.live)
        await w.run_until(POST + 3 * 24 * HOUR)
        days = [DAY + timedelta(days=i) for i in range(4)]
        assert_once_per_day(w, ZONE, days)
        assert {t for t, _ in w.poster.questions()} == {
            slot_time(d, time(9), ZoneInfo(ZONE)) for d in days
        }
    finally:
        await w.close()


async def test_double_registration_and_double_start_post_once(tmp_path):
    w = await one_process(tmp_path, POST - HOUR)
    try:
        await w.set(spec(time="09:00", tz=ZONE))
        p = w.live[0]
        await p.daily.register(PLACE)
        await p.daily.start()
        await p.daily.register(PLACE)
        assert list(p.jobs.jobs) == ["daily:discord:guild-1:chan-1"]
        await w.run_until(POST + 10 * HOUR)
        assert_once_per_day(w, ZONE, [DAY])
    finally:
        await w.close()


# -- failures and downtime --------------------------------------------------------------------


async def test_posting_failures_are_retried_with_backoff_then_posted_once(tmp_path):
    w = await one_process(tmp_path, POST - HOUR)
    try:
        await w.set(spec(time="09:00", tz=ZONE))
        w.poster.fail_next = 3
        await w.run_until(POST + 10 * HOUR)
        assert_once_per_day(w, ZONE, [DAY])
        assert w.poster.questions()[0][0] == POST + 8 * MINUTE  # tries at +0, +1, +3, +8
        row = await w.live[0].daily.db.slot(PLACE, DAY)
        assert row is not None and row.state == "posted"
        assert (row.attempts, row.failures) == (4, 3)
        assert "ConnectionError" in (row.last_error or "")
        # The engine cancelled the rounds whose post failed: they are not in the rotation.
        assert sum((await w.live[0].daily.db.card_uses(PLACE)).values()) == 1
    finally:
        await w.close()


async def test_failures_for_the_whole_grace_window_give_up_and_next_day_posts(tmp_path):
    w = await one_process(tmp_path, POST - HOUR)
    try:
        await w.set(spec(time="09:00", tz=ZONE))
        w.poster.fail_next = 1000
        await w.run_until(POST + 5 * HOUR)
        assert w.poster.questions() == []
        row = await w.live[0].daily.db.slot(PLACE, DAY)
        assert row is not None and row.state == "failed" and row.failures >= 8
        status = await w.live[0].service.status(PLACE)
        assert "not posted" in status.text and "ConnectionError" in status.text
        w.poster.fail_next = 0
        await w.run_until(POST + 34 * HOUR)
        assert w.poster.posts_per_local_date(ZONE) == {DAY + timedelta(days=1): 1}
    finally:
        await w.close()


async def test_a_restart_during_backoff_carries_on_the_retries(tmp_path):
    w = await one_process(tmp_path, POST - HOUR)
    try:
        await w.set(spec(time="09:00", tz=ZONE))
        w.poster.fail_next = 2
        await w.run_until(POST + 2 * MINUTE)  # failed at +0 and +1; next try at +3
        await w.crash(w.live[0])
        w.clock.set(POST + 150 * MINUTE)  # back after the grace window ended
        await w.spawn()
        await w.run_until(POST + 10 * HOUR)
        assert w.poster.questions() == []
        assert await slot_state(w, DAY) == "failed"
    finally:
        await w.close()


@pytest.mark.parametrize(
    ("back_after", "posted"), [(timedelta(minutes=119), True), (timedelta(minutes=121), False)]
)
async def test_after_downtime_post_late_within_grace_else_skip(tmp_path, back_after, posted):
    w = await one_process(tmp_path, POST - HOUR)
    try:
        await w.set(spec(time="09:00", tz=ZONE))
        await w.crash(w.live[0])
        w.clock.set(POST + back_after)
        await w.spawn()
        await w.run_until(POST + 30 * HOUR)
        per_day = w.poster.posts_per_local_date(ZONE)
        assert per_day[DAY] == (1 if posted else 0)
        assert per_day[DAY + timedelta(days=1)] == 1  # the next day is normal either way
        row = await w.live[0].daily.db.slot(PLACE, DAY)
        assert row is not None and row.state == ("posted" if posted else "skipped")
        if posted:
            assert w.poster.questions()[0][0] == POST + back_after
        else:
            assert "missed" in (row.last_error or "")
    finally:
        await w.close()


async def test_a_late_post_still_stays_open_a_while(tmp_path):
    w = await one_process(tmp_path, POST - HOUR)
    try:
        await w.set(spec(time="09:00", tz=ZONE, reveal="90m"))
        await w.crash(w.live[0])
        w.clock.set(POST + 100 * MINUTE)
        await w.spawn()
        (_, message), *_ = w.poster.questions()
        assert message.closes_at == POST + 160 * MINUTE  # at least an hour, not in 10 minutes
    finally:
        await w.close()


# -- rotation, prompts, weekly board ------------------------------------------------------------


async def daily_cards(w: World) -> list[str]:
    rows = await w.live[0].store.fetchall(
        "SELECT card_id FROM rounds WHERE mode='daily' AND state != 'cancelled' ORDER BY id"
    )
    return [r["card_id"] for r in rows]


async def test_rotation_uses_every_card_before_repeating_and_is_deterministic(tmp_path):
    topic, level = "Vanishing Gradient Problem (VGP)", "core"
    cards, maker = library()
    makeable = {
        c.id
        for c in cards
        if c.topic == topic
        and c.level == level
        and (maker.make(c, "choice", 0) or maker.make(c, "cloze", 0))
    }
    assert len(makeable) >= 5
    sequences = []
    for name in ("a.db", "b.db"):
        w = await one_process(tmp_path, POST - HOUR, name=name)
        try:
            await w.set(spec(time="09:00", tz=ZONE, weekdays="daily", topic=topic, level=level))
            await w.run_until(POST + timedelta(days=2 * len(makeable), hours=-1))
            sequences.append(await daily_cards(w))
        finally:
            await w.close()
    first, second = sequences
    n = len(makeable)
    assert len(first) == 2 * n
    assert set(first[:n]) == makeable and set(first[n:]) == makeable  # two full cycles
    assert first[:n] != first[n:]  # the new cycle is a new order, not a replay
    assert first == second  # seeded by channel and date: same days, same cards


async def test_prompt_day_posts_a_discussion_thread_not_scored(tmp_path):
    friday = at(ZONE, 2026, 11, 27, 9)
    w = await one_process(tmp_path, POST - HOUR)
    try:
        await w.set(spec(time="09:00", tz=ZONE, prompt="fri"))
        await w.run_until(friday + 10 * HOUR)
        threads = w.poster.of_kind("thread")
        assert len(threads) == 1 and w.poster.times[w.poster.calls.index(threads[0])] == friday
        message = threads[0][3]
        assert isinstance(message, QuestionMessage) and message.format == "prompt"
        assert message.options == ()
        assert_once_per_day(w, ZONE, [DAY + timedelta(days=i) for i in range(5)])
        assert message.round_id not in w.poster.reveals_per_round()
    finally:
        await w.close()


@pytest.mark.parametrize("restart", [None, -1, 0, 1])
async def test_weekly_board_once_after_the_last_reveal_of_the_week(tmp_path, restart):
    friday_reveal = at(ZONE, 2026, 11, 27, 17)
    w = await one_process(tmp_path, POST - HOUR)
    try:
        await w.set(spec(time="09:00", tz=ZONE, reveal="17:00", weekly="on"))
        if restart is not None:
            await w.run_until(friday_reveal + restart * MINUTE)
            await w.crash(w.live[0])
            await w.spawn()
        await w.run_until(friday_reveal + 3 * 24 * HOUR)
        boards = w.poster.boards()
        assert len(boards) == 1 and boards[0].period == "week" and boards[0].scope == "channel"
        board_at = w.poster.times[[c[3] for c in w.poster.calls].index(boards[0])]
        assert board_at >= friday_reveal
        assert_once_per_day(
            w, ZONE, [DAY + timedelta(days=i) for i in range(5)] + [DAY + timedelta(days=7)]
        )
    finally:
        await w.close()


async def test_weekly_board_follows_the_last_scored_day_when_friday_is_a_prompt(tmp_path):
    w = await one_process(tmp_path, POST - HOUR)
    try:
        await w.set(spec(time="09:00", tz=ZONE, reveal="17:00", weekly="on", prompt="fri"))
        await w.run_until(at(ZONE, 2026, 11, 28, 12))
        boards = w.poster.boards()
        assert len(boards) == 1
        board_at = w.poster.times[[c[3] for c in w.poster.calls].index(boards[0])]
        assert board_at == at(ZONE, 2026, 11, 26, 17)  # Thursday's reveal
    finally:
        await w.close()


async def test_two_channels_are_independent(tmp_path):
    from dailykit import OTHER

    w = await one_process(tmp_path, POST - HOUR)
    try:
        await w.set(spec(time="09:00", tz=ZONE))
        await w.set(spec(time="09:00", tz="America/New_York"), place=OTHER)
        await w.run_until(POST + 24 * HOUR)
        places = [c[1] for c in w.poster.of_kind("post") if isinstance(c[3], QuestionMessage)]
        assert places.count(PLACE) == 2 and places.count(OTHER) == 1
    finally:
        await w.close()


async def test_grace_window_is_configurable_and_the_skip_is_explained(tmp_path):
    w = await one_process(tmp_path, POST - HOUR, grace=timedelta(minutes=30))
    try:
        await w.set(spec(time="09:00", tz=ZONE))
        await w.crash(w.live[0])
        w.clock.set(POST + 31 * MINUTE)
        await w.spawn()
        assert w.poster.calls == []
        row = await w.live[0].daily.db.slot(PLACE, DAY)
        assert row is not None and row.state == "skipped"
        assert row.last_error == "missed: not posted by 09:30 CET (grace window 30 min after 09:00)"
        status = (await w.live[0].service.status(PLACE)).text
        assert "Today (Mon 23 Nov): skipped: missed: not posted by 09:30 CET" in status
    finally:
        await w.close()


async def test_a_held_card_is_left_out_of_the_rotation(tmp_path):
    topic, level = "Vanishing Gradient Problem (VGP)", "core"
    cards, maker = library()
    makeable = sorted(
        c.id
        for c in cards
        if c.topic == topic
        and c.level == level
        and (maker.make(c, "choice", 0) or maker.make(c, "cloze", 0))
    )
    held = makeable[0]
    w = await one_process(tmp_path, POST - HOUR)
    try:
        admin = Player("discord", "admin", "Admin")
        notice = await w.live[0].engine.reports.decide(PLACE, admin, True, held, "hold")
        assert notice.text.startswith(f"Held {held}")
        await w.set(spec(time="09:00", tz=ZONE, weekdays="daily", topic=topic, level=level))
        await w.run_until(POST + timedelta(days=len(makeable), hours=-1))
        asked = await daily_cards(w)
        assert len(asked) == len(makeable) and held not in asked
        assert set(asked) == set(makeable) - {held}
    finally:
        await w.close()
