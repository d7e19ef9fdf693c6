"""Admin actions (`DailyService`), the real AsyncIOScheduler wiring and `quizbot schedule list`."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import dailykit
from dailykit import OTHER, PLACE, World, at, library

from bot.cli import main
from bot.clock import SystemClock
from bot.engine import Engine
from bot.messages import QuestionMessage
from bot.ports import MemoryPoster, Player
from bot.schedule.scheduler import DailyScheduler, job_id
from bot.schedule.service import NOT_ADMIN, DailyService
from bot.store import Store

ZONE = "Europe/Berlin"
SATURDAY_NOON = at(ZONE, 2026, 11, 21, 12)
ADMIN = Player("discord", "u1", "Ada")


async def world(tmp_path, start=SATURDAY_NOON) -> World:
    w = World(tmp_path / "q.db", start)
    await w.spawn()
    return w


async def test_set_registers_the_job_and_says_when_the_next_post_is(tmp_path):
    w = await world(tmp_path)
    try:
        p = w.live[0]
        notice = await p.service.set(
            PLACE, {"time": "09:00", "tz": ZONE, "reveal": "17:00"}, ADMIN, is_admin=True
        )
        assert notice.text == (
            "Daily question set: 09:00 Europe/Berlin, mon-fri, reveal at 17:00. "
            "Next post: Mon 23 Nov, 09:00 CET."
        )
        job = p.jobs.get_job(job_id(PLACE))
        assert job is not None and job.next_run_time == at(ZONE, 2026, 11, 23, 9)
        assert await p.engine.place_zone(PLACE) == ZONE  # reveal times shown in local time
        again = await p.service.set(PLACE, "10:30", ADMIN, is_admin=True)  # Slack words
        assert "10:30 Europe/Berlin, mon-fri, reveal at 17:00" in again.text
        assert p.jobs.get_job(job_id(PLACE)).next_run_time == at(ZONE, 2026, 11, 23, 10, 30)
        assert len(p.jobs.jobs) == 1
    finally:
        await w.close()


async def test_non_admins_are_refused_everywhere(tmp_path):
    w = await world(tmp_path)
    try:
        s = w.live[0].service
        assert (await s.set(PLACE, "09:00", ADMIN, is_admin=False)).text == NOT_ADMIN
        await s.set(PLACE, "09:00 Europe/Berlin", ADMIN, is_admin=True)
        assert (await s.off(PLACE, ADMIN, is_admin=False)).text == NOT_ADMIN
        assert (await s.now(PLACE, ADMIN, is_admin=False)).text == NOT_ADMIN
        assert w.poster.calls == [] and w.live[0].jobs.get_job(job_id(PLACE)) is not None
    finally:
        await w.close()


async def test_bad_settings_are_named_and_change_nothing(tmp_path):
    w = await world(tmp_path)
    try:
        s = w.live[0].service
        cases = {
            "09:00 Europe/Berln": "Unknown time zone 'Europe/Berln'. Use an IANA name such as "
            "Europe/Berlin.",
            "25:00 UTC": "Bad time '25:00'",
            "09:00 UTC reveal=8x": "Bad reveal '8x'",
            "09:00 UTC reveal=08:00": "later than the post time 09:00",
            "09:00 UTC days=,": "No weekdays in ','",
            "09:00 UTC topic=astrology": "Bad topic: no topic matches 'astrology'",
            "09:00 UTC deck=nope": "Unknown deck 'nope'",
        }
        for words, message in cases.items():
            text = (await s.set(PLACE, words, ADMIN, is_admin=True)).text
            assert message in text, (words, text)
        assert await w.live[0].daily.db.schedule(PLACE) is None
        assert w.live[0].jobs.jobs == {}
    finally:
        await w.close()


async def test_topic_is_resolved_to_its_real_name(tmp_path):
    w = await world(tmp_path)
    try:
        s = w.live[0].service
        await s.set(PLACE, {"time": "09:00", "topic": "vanishing"}, ADMIN, is_admin=True)
        stored = await w.live[0].daily.db.schedule(PLACE)
        assert stored is not None and stored.spec.topic == "Vanishing Gradient Problem (VGP)"
    finally:
        await w.close()


async def test_now_posts_today_once_then_says_so(tmp_path):
    w = await world(tmp_path)  # a Saturday: not a posting day, but an admin may ask
    try:
        s = w.live[0].service
        await s.set(PLACE, {"time": "09:00", "tz": ZONE}, ADMIN, is_admin=True)
        assert (await s.now(PLACE, ADMIN, is_admin=True)).text == "Posted today's daily question."
        second = await s.now(PLACE, ADMIN, is_admin=True)
        assert second.text == "Today's question was already posted at 12:00 CET."
        (message,) = w.poster.messages(QuestionMessage)
        assert message.closes_at == SATURDAY_NOON + timedelta(hours=8)
        status = (await s.status(PLACE)).text
        assert "Today (Sat 21 Nov): posted at 12:00 CET; reveal at 20:00 CET." in status
        # Monday's scheduled post still happens, once.
        await w.run_until(at(ZONE, 2026, 11, 23, 12))
        assert len(w.poster.messages(QuestionMessage)) == 2
    finally:
        await w.close()


async def test_now_before_the_scheduled_time_takes_the_slot(tmp_path):
    w = await world(tmp_path, at(ZONE, 2026, 11, 23, 7))
    try:
        s = w.live[0].service
        await s.set(PLACE, {"time": "09:00", "tz": ZONE}, ADMIN, is_admin=True)
        await s.now(PLACE, ADMIN, is_admin=True)
        await w.run_until(at(ZONE, 2026, 11, 23, 12))
        times = [t for t, _ in w.poster.questions()]
        assert times == [at(ZONE, 2026, 11, 23, 7)]  # not again at 09:00
    finally:
        await w.close()


async def test_off_stops_posting_and_status_says_so(tmp_path):
    w = await world(tmp_path)
    try:
        p = w.live[0]
        s = p.service
        assert "No daily question in this channel" in (await s.status(PLACE)).text
        await s.set(PLACE, "09:00 Europe/Berlin", ADMIN, is_admin=True)
        status = (await s.status(PLACE)).text
        assert "Next post: Mon 23 Nov, 09:00 CET." in status
        assert "Today (Sat 21 Nov): not a posting day." in status
        assert "turned off" in (await s.off(PLACE, ADMIN, is_admin=True)).text
        assert p.jobs.get_job(job_id(PLACE)) is None
        assert "It is off" in (await s.status(PLACE)).text
        await w.run_until(at(ZONE, 2026, 11, 25, 12))
        assert w.poster.calls == []
        # A restart does not bring it back; `set` does, keeping the settings.
        await w.crash(p)
        q = await w.spawn()
        assert q.jobs.jobs == {}
        await q.service.set(PLACE, {}, ADMIN, is_admin=True)
        assert q.jobs.get_job(job_id(PLACE)) is not None
    finally:
        await w.close()


async def test_status_reports_retries(tmp_path):
    w = await world(tmp_path, at(ZONE, 2026, 11, 23, 8))
    try:
        s = w.live[0].service
        await s.set(PLACE, "09:00 Europe/Berlin", ADMIN, is_admin=True)
        w.poster.fail_next = 2
        await w.run_until(at(ZONE, 2026, 11, 23, 9, 2))
        status = (await s.status(PLACE)).text
        assert "posting failed 2 time(s) (ConnectionError: MemoryPoster told to fail)" in status
        assert "next try 09:03 CET" in status
    finally:
        await w.close()


async def test_real_asyncio_scheduler_fires_the_registered_job(tmp_path):
    """The wiring: start() on the running loop, a job per channel, fired by APScheduler."""
    cards, maker = library()
    poster = MemoryPoster()
    clock = SystemClock()
    async with await Store.open(tmp_path / "q.db") as store:
        engine = Engine(store, cards, clock, poster, maker)
        daily = DailyScheduler(store, engine, clock=clock)
        service = DailyService(daily)
        now = clock.now()
        hhmm = f"{now:%H:%M}"  # today's slot is due (its minute began) but not yet posted
        await service.set(PLACE, f"{hhmm} UTC daily", ADMIN, is_admin=True)
        await service.set(OTHER, f"{hhmm} UTC daily", ADMIN, is_admin=True)
        try:
            await daily.start(catch_up=False)
            assert daily.scheduler is not None and daily.scheduler.running
            job = daily.scheduler.get_job(job_id(PLACE))
            assert job is not None and job.next_run_time > now  # tomorrow's slot
            # Bring the job forward instead of waiting for tomorrow.
            job.modify(next_run_time=datetime.now(UTC) + timedelta(milliseconds=200))
            daily.scheduler.wakeup()
            today = now.date()
            for _ in range(100):  # at most 2 s
                row = await daily.db.slot(PLACE, today)
                if row is not None and row.state == "posted":
                    break
                await asyncio.sleep(0.02)
            assert [c[1] for c in poster.calls] == [PLACE]
            assert isinstance(poster.calls[0][3], QuestionMessage)
            assert daily.scheduler.get_job(job_id(PLACE)).next_run_time > now
            reveal_jobs = [j.id for j in daily.scheduler.get_jobs() if "reveal" in j.id]
            assert reveal_jobs == [f"daily-reveal:{poster.calls[0][3].round_id}"]
        finally:
            daily.shutdown()


def test_schedule_list_prints_a_table(tmp_path, capsys):
    db = tmp_path / "q.db"

    async def two_schedules() -> None:
        w = World(db, SATURDAY_NOON)
        await w.spawn()
        try:
            s = w.live[0].service
            await s.set(PLACE, "09:00 Europe/Berlin mon-fri level=advanced", ADMIN, is_admin=True)
            await s.set(OTHER, "08:15 America/New_York daily reveal=90m", ADMIN, is_admin=True)
            await s.off(OTHER, ADMIN, is_admin=True)
        finally:
            await w.close()

    asyncio.run(two_schedules())
    assert main(["--db", str(dailykit.database_for(db)), "schedule", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:4] == ["PLATFORM", "SERVER", "CHANNEL", "TIME"]
    discord = next(line for line in lines if line.startswith("discord"))
    assert "09:00" in discord and "Europe/Berlin" in discord and "level=advanced" in discord
    assert "mon-fri" in discord and " on " in discord
    slack = next(line for line in lines if line.startswith("slack"))
    assert "1h30m" in slack and " off " in slack
    assert main(["--db", str(tmp_path / "none.db"), "schedule", "list"]) == 0
    assert "no database" in capsys.readouterr().out
