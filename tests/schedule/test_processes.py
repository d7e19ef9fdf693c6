"""Several watching processes on one database (as `quizbot run` runs them): a dead process's
claims are taken over as soon as it stops beating, the posts it may have made are found
again where the platform can tell, one process looks for each, and schedule changes made
through another process are followed. A fake clock; the StepScheduler fires the watch."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from dailykit import PLACE, Crash, PlatformPoster, World, at, spec

from bot.messages import QuestionMessage
from bot.ports import MemoryPoster, Place
from bot.schedule.scheduler import CLAIM_LEASE, POSTING_LEASE
from bot.store.processes import BEAT_EVERY, DEAD_AFTER

ZONE = "Europe/Berlin"
DAY = date(2026, 3, 10)
POST = at(ZONE, 2026, 3, 10, 9, 0)
HOUR = timedelta(hours=1)
# The dead process is noticed after DEAD_AFTER, at the next watch.
NOTICED = DEAD_AFTER + 2 * BEAT_EVERY


class NoncePoster(PlatformPoster):
    """A platform that hands back a post made before a crash (Discord's nonce), posting it
    now if it never arrived."""

    def __init__(self, clock: Any) -> None:
        super().__init__(clock)
        self.refs: dict[int, str] = {}
        self.found: list[int] = []

    async def post(self, place: Place, message: Any) -> str:
        if isinstance(message, QuestionMessage) and message.round_id in self.refs:
            return self.refs[message.round_id]
        ref = await MemoryPoster.post(self, place, message)
        self.times.append(self.clock.now())
        if isinstance(message, QuestionMessage):
            self.refs[message.round_id] = ref
        if self.crash_after_post:
            self.crash_after_post -= 1
            raise Crash("died right after the platform accepted the post")
        return ref

    async def find_post(self, place: Place, message: Any) -> str | None:
        self.found.append(message.round_id)
        saved, self.crash_after_post = self.crash_after_post, 0
        try:
            return await self.post(place, message)
        finally:
            self.crash_after_post = saved


async def state(w: World, day: date = DAY) -> str | None:
    row = await w.live[0].daily.db.slot(PLACE, day)
    return row.state if row else None


async def test_a_dead_process_claim_is_taken_over_once_it_stops_beating(tmp_path):
    w = World(tmp_path / "q.db", POST - HOUR)
    try:
        first = await w.spawn(watch=True)
        await w.set(spec(time="09:00", tz=ZONE))

        def die(*args: Any, **kwargs: Any) -> None:
            raise Crash("died between claiming and posting")

        first.daily.pick = die  # type: ignore[method-assign]
        await w.run_until(POST)
        assert not w.live and not w.poster.calls
        w.clock.set(POST + BEAT_EVERY)
        await w.spawn(watch=True)  # the claim is fresh: it waits, and watches
        assert await state(w) == "claimed"
        await w.run_until(POST + HOUR)
        assert len(w.poster.questions()) == 1
        posted_at = w.poster.questions()[0][0]
        # Without heartbeats it would wait out the claim's lease.
        assert POST + DEAD_AFTER <= posted_at <= POST + NOTICED < POST + CLAIM_LEASE
        assert await state(w) == "posted"
    finally:
        await w.close()


async def test_a_post_made_by_a_dead_process_is_found_by_one_survivor_not_repeated(tmp_path):
    w = World(tmp_path / "q.db", POST - HOUR)
    w.poster = NoncePoster(w.clock)
    try:
        first = await w.spawn(watch=True)
        await w.set(spec(time="09:00", tz=ZONE))
        w.poster.crash_after_post = 1  # the platform took the post, then the process died
        await w.run_until(POST)
        assert first not in w.live
        await w.spawn(watch=True)
        await w.spawn(watch=True)
        await w.run_until(POST + HOUR)
        assert len(w.poster.questions()) == 1
        round_id = w.poster.questions()[0][1].round_id
        assert w.poster.found == [round_id]  # one survivor looked, once
        row = await w.live[0].daily.db.slot(PLACE, DAY)
        assert row is not None and row.state == "posted" and row.round_id == round_id
        assert row.posted_at is not None and row.posted_at <= POST + NOTICED < POST + POSTING_LEASE
        await w.run_until(POST + 9 * HOUR)
        assert w.poster.reveals_per_round() == {round_id: 1}  # edits the found post
    finally:
        await w.close()


async def test_a_schedule_set_through_another_process_is_followed(tmp_path):
    w = World(tmp_path / "q.db", POST - HOUR)
    try:
        setter = await w.spawn(watch=True)
        other = await w.spawn(watch=True)
        every_day = spec(time="09:00", tz=ZONE)
        notice = await setter.service.set(PLACE, every_day, "admin", is_admin=True)
        assert notice.text.startswith("Daily question set")
        await w.crash(setter)  # only the other process is left: it never heard of the change
        await w.run_until(POST + HOUR)
        assert [t for t, _ in w.poster.questions()] == [POST]
        off = await other.service.off(PLACE, "admin", is_admin=True)
        assert "off" in off.text.lower()
    finally:
        await w.close()


async def test_a_delivery_is_taken_once_across_processes(tmp_path):
    w = World(tmp_path / "q.db", POST)
    try:
        one, two = await w.spawn(), await w.spawn()
        assert await one.engine.first_delivery("slack:event:Ev1") is True
        assert await two.engine.first_delivery("slack:event:Ev1") is False
        assert await two.engine.first_delivery("slack:event:Ev2") is True
        w.clock.set(POST + 2 * HOUR)
        await one.engine.upkeep()  # forgets deliveries older than an hour
        assert await two.engine.first_delivery("slack:event:Ev1") is True
    finally:
        await w.close()


async def test_a_starting_process_leaves_the_recent_posts_of_live_ones_alone(tmp_path):
    w = World(tmp_path / "q.db", POST - HOUR)
    w.poster = NoncePoster(w.clock)
    try:
        await w.spawn(watch=True)
        await w.set(spec(time="09:00", tz=ZONE))
        poster = w.poster
        real_post = poster.post
        started: list[datetime] = []

        async def post_then_a_newcomer(place: Place, message: Any) -> str:
            ref = await real_post(place, message)
            if isinstance(message, QuestionMessage) and not started:
                # Another process starts while this post is out but not yet recorded.
                started.append(w.clock.now())
                await w.spawn(watch=True)
            return ref

        poster.post = post_then_a_newcomer  # type: ignore[method-assign]
        await w.run_until(POST + HOUR)
        assert started and w.poster.found == []  # the newcomer did not repeat the post
        assert len(w.poster.questions()) == 1
    finally:
        await w.close()
