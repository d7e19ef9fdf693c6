"""Permanent platform refusals: the schedule is paused with its reason (visible in status and
`quizbot schedule list`), its admin is told once and nothing retries it; a post that may
have gone out is never retried; a dead token fails the slot without pausing; a server the
bot was removed from has every schedule paused; `/daily set` lifts a pause."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import date, timedelta

import dailykit
import pytest
from dailykit import OTHER, PLACE, World, at

from bot.cli import main
from bot.messages import Notice, QuestionMessage
from bot.ports import Place, Player, PostError
from bot.store import Store
from bot.store.migrations import MIGRATIONS, latest_version

ZONE = "Europe/Berlin"
DAY = date(2026, 11, 23)  # a Monday
POST = at(ZONE, 2026, 11, 23, 9)
HOUR = timedelta(hours=1)
ADMIN = Player("discord", "u-ada", "Ada")
GONE = PostError("gone", "the channel was deleted", code="10003")


async def world(tmp_path) -> World:
    w = World(tmp_path / "q.db", POST - HOUR)
    await w.spawn()
    await w.live[0].service.set(PLACE, f"09:00 {ZONE} mon-fri", ADMIN, is_admin=True)
    return w


def attempts(w: World) -> int:
    return sum(1 for c in w.poster.calls if isinstance(c[3], QuestionMessage))


class RefusingPoster:
    """Wraps the world's poster: every post raises `error`, every call is counted."""

    def __init__(self, w: World, error: Exception) -> None:
        self.poster, self.error, self.posts = w.poster, error, 0

    async def post(self, place, message):
        self.posts += 1
        raise self.error


def refuse(w: World, error: Exception) -> RefusingPoster:
    refusing = RefusingPoster(w, error)
    w.poster.post = refusing.post  # type: ignore[method-assign]
    return refusing


async def test_a_deleted_channel_is_tried_once_in_ten_working_days_and_paused(tmp_path):
    w = await world(tmp_path)
    try:
        refusing = refuse(w, GONE)
        await w.run_until(POST + 14 * 24 * HOUR)
        assert refusing.posts == 1  # before: 11 attempts a working day, every day
        process = w.live[0]
        schedule = await process.daily.db.schedule(PLACE)
        assert schedule is not None and schedule.paused
        assert schedule.paused_reason == "the channel was deleted"
        assert schedule.spec.enabled  # its settings are kept for when it is fixed
        assert process.jobs.jobs == {}  # no daily job, no retry job
        row = await process.daily.db.slot(PLACE, DAY)
        assert row is not None and row.state == "failed" and row.failures == 1
        status = (await process.service.status(PLACE)).text
        assert "Paused since Mon 23 Nov, 09:00 CET: the channel was deleted." in status
        assert "{command:daily set} turns it back on" in status
        assert "nothing is posted while the schedule is paused" in status
        told = w.poster.of_kind("tell")
        assert len(told) == 1  # once
        assert told[0][1] == PLACE and told[0][2] == "u-ada"
        note = told[0][3]
        assert isinstance(note, Notice) and "paused: the channel was deleted" in note.text
        now = await process.service.now(PLACE, ADMIN, is_admin=True)
        assert "paused: the channel was deleted" in now.text
        assert refusing.posts == 1
    finally:
        await w.close()


async def test_a_pause_survives_a_restart_and_set_lifts_it(tmp_path):
    w = await world(tmp_path)
    try:
        refuse(w, PostError("no_access", "quizbot cannot see this channel"))
        await w.run_until(POST + HOUR)
        await w.crash(w.live[0])
        restarted = await w.spawn()
        assert restarted.jobs.jobs == {}
        assert (await restarted.daily.db.schedule(PLACE)).paused  # type: ignore[union-attr]
        del w.poster.post  # the admin fixed the channel's permissions
        notice = await restarted.service.set(PLACE, "09:00", ADMIN, is_admin=True)
        assert notice.text.startswith("Daily question set")
        schedule = await restarted.daily.db.schedule(PLACE)
        assert schedule is not None and not schedule.paused
        await w.run_until(POST + 25 * HOUR)
        assert w.poster.posts_per_local_date(ZONE) == {DAY + timedelta(days=1): 1}
    finally:
        await w.close()


async def test_temporary_errors_keep_the_retry_policy(tmp_path):
    w = await world(tmp_path)
    try:
        refusing = refuse(w, ConnectionError("Discord answered 503"))
        await w.run_until(POST + 30 * 60 * timedelta(seconds=1))
        assert refusing.posts == 5  # +0, +1, +3, +8, +18 minutes: backing off, not paused
        schedule = await w.live[0].daily.db.schedule(PLACE)
        assert schedule is not None and not schedule.paused
    finally:
        await w.close()


async def test_a_post_that_may_have_gone_out_is_never_tried_again(tmp_path):
    w = await world(tmp_path)
    try:
        refusing = refuse(w, PostError("maybe_posted", "Slack failed part-way through"))
        await w.run_until(POST + 5 * HOUR)
        assert refusing.posts == 1
        row = await w.live[0].daily.db.slot(PLACE, DAY)
        assert row is not None and row.state == "unknown"
        schedule = await w.live[0].daily.db.schedule(PLACE)
        assert schedule is not None and not schedule.paused
    finally:
        await w.close()


async def test_a_dead_token_fails_the_day_without_pausing_the_schedule(tmp_path):
    w = await world(tmp_path)
    try:
        refusing = refuse(w, PostError("token_dead", "the bot token was revoked"))
        await w.run_until(POST + 5 * HOUR)
        assert refusing.posts == 1
        row = await w.live[0].daily.db.slot(PLACE, DAY)
        assert row is not None and row.state == "failed"
        assert "revoked" in (row.last_error or "")
        schedule = await w.live[0].daily.db.schedule(PLACE)
        assert schedule is not None and not schedule.paused
        assert w.poster.of_kind("tell") == []
    finally:
        await w.close()


async def test_removal_from_a_server_pauses_only_that_servers_schedules(tmp_path):
    w = await world(tmp_path)
    try:
        process = w.live[0]
        second = Place(PLACE.platform, PLACE.server_id, "chan-2")
        await process.service.set(second, f"10:00 {ZONE}", ADMIN, is_admin=True)
        await process.service.set(OTHER, f"09:00 {ZONE}", ADMIN, is_admin=True)
        paused = await process.daily.pause_server(
            PLACE.platform, PLACE.server_id, "quizbot was removed from this server"
        )
        assert sorted(p.channel_id for p in paused) == ["chan-1", "chan-2"]
        assert list(process.jobs.jobs) == ["daily:slack:T1:C2"]
        await w.run_until(POST + 5 * HOUR)
        assert {c[1] for c in w.poster.calls if c[0] == "post"} == {OTHER}
        assert w.poster.of_kind("tell") == []  # nobody there can be reached any more
        again = await process.daily.pause_server(PLACE.platform, PLACE.server_id, "again")
        assert again == []
    finally:
        await w.close()


async def test_a_reveal_to_a_deleted_channel_is_given_up_not_retried_at_every_start(tmp_path):
    w = await world(tmp_path)
    try:
        await w.run_until(POST + HOUR)
        assert attempts(w) == 1
        edits = []

        async def gone(place, ref, message):
            edits.append(ref)
            raise GONE

        w.poster.edit = gone  # type: ignore[method-assign]
        await w.run_until(POST + 9 * HOUR)  # the reveal at 17:00
        assert len(edits) == 1
        await w.crash(w.live[0])
        await w.spawn()  # recover() at start-up would retry an undelivered reveal
        assert len(edits) == 1
    finally:
        await w.close()


def test_schedule_list_shows_a_pause_and_its_reason(tmp_path, capsys):
    db = tmp_path / "q.db"

    async def paused() -> None:
        w = await world(tmp_path)
        try:
            await w.live[0].daily.pause(PLACE, "the channel was deleted", tell=False)
        finally:
            await w.close()

    asyncio.run(paused())
    assert main(["--db", str(dailykit.database_for(db)), "schedule", "list"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("discord"))
    assert " paused " in row
    assert "discord guild-1 chan-1: since" in out and "the channel was deleted" in out


@pytest.mark.sqlite_only  # an old SQLite file; PostgreSQL databases start at the latest schema
@pytest.mark.parametrize("updated_by", ["Ada (discord:u-ada)", "admin"])
async def test_migration_4_keeps_schedules_of_an_existing_database(tmp_path, updated_by):
    db = tmp_path / "old.db"
    before = [m for m in MIGRATIONS if m[0] <= 3]
    old = await Store.open(db, migrations=before)
    await old.write(
        lambda c: c.execute(
            "INSERT INTO daily_schedules (platform, server_id, channel_id, post_time, tz,"
            " weekdays, reveal, updated_by, updated_at) VALUES ('discord', 'g', 'c', '09:00',"
            " 'Europe/Berlin', 'mon-fri', '8h', ?, '2026-11-20T08:00:00+00:00')",
            (updated_by,),
        )
    )
    await old.close()
    w = World(db, POST - HOUR)
    process = await w.spawn()
    try:
        schedule = await process.daily.db.schedule(Place("discord", "g", "c"))
        assert schedule is not None and schedule.active and schedule.paused_reason is None
        # The admin of a schedule saved before the migration is read from updated_by.
        assert schedule.set_by_id == ("u-ada" if "(" in updated_by else None)
        assert list(process.jobs.jobs) == ["daily:discord:g:c"]
    finally:
        await w.close()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == latest_version()
