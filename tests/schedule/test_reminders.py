"""Practice reminders with the fake clock and real SQLite: a private message at the player's
local time on working days, only when cards are due, at most once per local date across
restarts, the daily question's DST rules, and `off`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from dailykit import World, at, library
from fsrs import Rating

from bot.engine import memory
from bot.messages import PracticeReminder
from bot.ports import Place, Player
from bot.schedule.reminders import PracticeReminders
from bot.store import reminders as rows
from bot.store.memory import save_reviews
from bot.store.records import Review

HERE = Place("discord", "guild-1", "chan-1")
ADA = Player("discord", "ada", "Ada")


async def world(tmp_path, start: datetime) -> tuple[World, PracticeReminders]:
    w = World(tmp_path / "q.db", start)
    p = await w.spawn(start=False)
    return w, PracticeReminders(p.store, p.engine, w.clock)


async def make_due(w: World, who: str = "ada", cards: int = 6) -> None:
    """`cards` cards the player answered wrong yesterday: due again now, and for days."""
    ids = [c.id for c in library()[0] if c.kind == "qa"][:cards]
    for n, card_id in enumerate(ids):
        card, _ = memory.review(None, Rating.Again, w.clock.now() - timedelta(days=1))
        rv = Review(who, card_id, card, Rating.Again, card.last_review, None)
        await w.live[0].store.write(lambda c, rv=rv, n=n: save_reviews(c, "discord", 500 + n, [rv]))


def reminders_sent(w: World) -> list[tuple[datetime, str, PracticeReminder]]:
    return [
        (t, c[2], c[3])
        for t, c in zip(w.poster.times, w.poster.calls, strict=True)
        if c[0] == "tell" and isinstance(c[3], PracticeReminder)
    ]


async def tick_through(w: World, service: PracticeReminders, until: datetime, step: timedelta):
    """Tick every `step` from now to `until`, as the bot's one-minute job does (bounded)."""
    for _ in range(20_000):
        if w.clock.now() > until:
            return
        await service.tick()
        w.clock.advance(step)
    raise AssertionError("tick_through did not reach its end")


async def test_once_per_working_day_at_the_chosen_local_time_never_at_weekends(tmp_path):
    zone = "Europe/Berlin"
    monday = at(zone, 2026, 11, 16, 0)
    w, service = await world(tmp_path, monday)
    try:
        notice = await service.set(HERE, ADA, "09:00 Europe/Berlin")
        assert "Monday to Friday at 09:00 (Europe/Berlin)" in notice.text
        await make_due(w)
        # Every minute of a whole week.
        await tick_through(w, service, monday + timedelta(days=7), timedelta(minutes=1))
        sent = reminders_sent(w)
        local = [t.astimezone(ZoneInfo(zone)) for t, _, _ in sent]
        assert [d.date() for d in local] == [date(2026, 11, d) for d in (16, 17, 18, 19, 20)]
        assert all((d.hour, d.minute) == (9, 0) for d in local)
        assert all(who == "ada" for _, who, _ in sent)
        message = sent[0][2]
        assert (message.due, message.minutes) == (6, 2)
        assert message.text.startswith("6 cards due, about 2 min.")
    finally:
        await w.close()


async def test_nothing_due_no_message_and_off_stops_them(tmp_path):
    zone = "Europe/Berlin"
    monday = at(zone, 2026, 11, 16, 8)
    w, service = await world(tmp_path, monday)
    try:
        await service.set(HERE, ADA, "09:00")  # the server has no zone yet: UTC
        await tick_through(w, service, at(zone, 2026, 11, 16, 12), timedelta(minutes=1))
        assert reminders_sent(w) == []
        days = await w.live[0].store.read(lambda c: rows.days(c, "discord", "ada"))
        assert days == [("2026-11-16", "nothing_due", 0)]
        await make_due(w)
        # Due now, but today's reminder was already decided: at most one a day.
        await tick_through(w, service, at(zone, 2026, 11, 16, 23), timedelta(minutes=7))
        assert reminders_sent(w) == []
        await tick_through(w, service, at(zone, 2026, 11, 17, 12), timedelta(minutes=1))
        ((when, _, _),) = reminders_sent(w)
        assert when == datetime(2026, 11, 17, 9, 0, tzinfo=UTC)  # 09:00 UTC
        assert "off" in (await service.off(ADA)).text
        await tick_through(w, service, at(zone, 2026, 11, 19, 12), timedelta(minutes=1))
        assert len(reminders_sent(w)) == 1
        assert "no practice reminder" in (await service.off(ADA)).text.lower()
    finally:
        await w.close()


async def test_a_restart_or_a_second_process_never_sends_twice(tmp_path):
    zone = "Europe/Berlin"
    w, service = await world(tmp_path, at(zone, 2026, 11, 16, 8, 59))
    try:
        await service.set(HERE, ADA, "09:00 Europe/Berlin")
        await make_due(w)
        second = await w.spawn(start=False)
        other = PracticeReminders(second.store, second.engine, w.clock)
        w.clock.set(at(zone, 2026, 11, 16, 9, 0))
        await service.tick()
        await w.crash(w.processes[0])  # a restart: a new process on the same file
        third = await w.spawn(start=False)
        again = PracticeReminders(third.store, third.engine, w.clock)
        for minute in range(20):
            w.clock.set(at(zone, 2026, 11, 16, 9, minute))
            await other.tick()
            await again.tick()
        assert len(reminders_sent(w)) == 1
    finally:
        await w.close()


async def test_late_after_downtime_within_half_an_hour_else_not_that_day(tmp_path):
    zone = "Europe/Berlin"
    w, service = await world(tmp_path, at(zone, 2026, 11, 16, 9, 29))
    try:
        await service.set(HERE, ADA, "09:00 Europe/Berlin")
        await make_due(w)
        await service.tick()  # the bot was down at 09:00; back at 09:29
        assert len(reminders_sent(w)) == 1
        w.clock.set(at(zone, 2026, 11, 17, 9, 31))  # down again, back too late
        await service.tick()
        assert len(reminders_sent(w)) == 1
    finally:
        await w.close()


async def test_dst_days_keep_the_local_time_and_fire_once(tmp_path):
    # Europe/Berlin moves on a Sunday: Friday and Monday around it both fire at 09:00 local.
    w, service = await world(tmp_path, at("Europe/Berlin", 2026, 3, 27, 0))
    try:
        await service.set(HERE, ADA, "09:00 Europe/Berlin")
        await make_due(w)
        await tick_through(w, service, at("Europe/Berlin", 2026, 3, 31, 0), timedelta(minutes=1))
        utc = [t for t, _, _ in reminders_sent(w)]
        assert utc == [datetime(2026, 3, 27, 8, tzinfo=UTC), datetime(2026, 3, 30, 7, tzinfo=UTC)]
    finally:
        await w.close()


async def test_cairo_changes_on_working_days_missing_and_repeated_times(tmp_path):
    # Africa/Cairo springs forward at Friday 24 April 2026 00:00 (00:30 never happens) and
    # falls back at the end of Thursday 29 October (23:00-24:00 happens twice).
    zone = "Africa/Cairo"
    w, service = await world(tmp_path, at(zone, 2026, 4, 23, 23))
    try:
        await service.set(HERE, ADA, "00:30 Africa/Cairo")
        await make_due(w)
        await tick_through(w, service, at(zone, 2026, 4, 24, 3), timedelta(minutes=1))
        ((spring, _, _),) = reminders_sent(w)
        assert spring == datetime(2026, 4, 23, 22, 30, tzinfo=UTC)  # 01:30 local, shifted
        await service.set(HERE, ADA, "23:30 Africa/Cairo")
        w.clock.set(at(zone, 2026, 10, 29, 22))
        await make_due(w)
        await tick_through(w, service, datetime(2026, 10, 29, 23, tzinfo=UTC), timedelta(minutes=1))
        autumn = [t for t, _, _ in reminders_sent(w)][1:]
        assert autumn == [datetime(2026, 10, 29, 20, 30, tzinfo=UTC)]  # the first 23:30 only
    finally:
        await w.close()


async def test_bad_times_and_zones_are_refused_with_how_to_write_them(tmp_path):
    w, service = await world(tmp_path, at("UTC", 2026, 11, 16, 8))
    try:
        for words in ("25:00", "09:00 Mars/Base", "09:00 Europe/Berlin extra"):
            notice = await service.set(HERE, ADA, words)
            assert "09:00" in notice.text and "{command:practice remind}" in notice.text
        assert (await w.live[0].store.read(rows.every)) == []
        assert "No practice reminder" in (await service.set(HERE, ADA, "")).text
    finally:
        await w.close()
