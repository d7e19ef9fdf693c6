"""A deterministic harness for the daily question: processes sharing one SQLite file and one
fake platform, driven by a fake clock and a step-by-step stand-in for APScheduler.

`StepScheduler` keeps the jobs `DailyScheduler` registers (same ids, triggers and args as with
the real AsyncIOScheduler) and `World.run_until(t)` fires them in time order, asking each
trigger for its next fire time exactly as APScheduler does. Jobs due at the same instant in
different processes run concurrently, so two processes really race for a slot.
"""

from __future__ import annotations

import asyncio
import functools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.cards import load_library
from bot.clock import FakeClock
from bot.engine import Engine
from bot.messages import LeaderboardMessage, QuestionMessage, RevealMessage
from bot.paths import SHIPPED_SEEDS
from bot.ports import MemoryPoster, Place
from bot.questions import QuestionMaker
from bot.schedule.scheduler import DailyScheduler
from bot.schedule.service import DailyService
from bot.schedule.spec import parse_spec
from bot.store import Store

PLACE = Place("discord", "guild-1", "chan-1")
OTHER = Place("slack", "T1", "C2")


@functools.cache
def library() -> tuple[list[Any], QuestionMaker]:
    cards = list(load_library([SHIPPED_SEEDS]).cards)
    return cards, QuestionMaker(cards)


class Crash(BaseException):
    """The process dies here: nothing after this line runs, nothing catches it."""


class PlatformPoster(MemoryPoster):
    """The fake platform: MemoryPoster plus when each call arrived and scripted crashes."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__()
        self.clock = clock
        self.times: list[datetime] = []
        self.crash_after_post = 0  # the next N posts land, then the process dies

    async def post(self, place: Place, message: Any) -> str:
        ref = await super().post(place, message)
        self.times.append(self.clock.now())
        if self.crash_after_post:
            self.crash_after_post -= 1
            raise Crash("died right after the platform accepted the post")
        return ref

    async def start_thread(self, place: Place, message: Any) -> str:
        ref = await super().start_thread(place, message)
        self.times.append(self.clock.now())
        return ref

    async def edit(self, place: Place, ref: str, message: Any) -> None:
        await super().edit(place, ref, message)
        self.times.append(self.clock.now())

    async def tell(self, place: Place, user_id: str, message: Any) -> bool:
        told = await super().tell(place, user_id, message)
        self.times.append(self.clock.now())
        return told

    def questions(self) -> list[tuple[datetime, QuestionMessage]]:
        return [
            (t, c[3])
            for t, c in zip(self.times, self.calls, strict=True)
            if isinstance(c[3], QuestionMessage)
        ]

    def posts_per_local_date(self, zone: str) -> Counter[date]:
        z = ZoneInfo(zone)
        return Counter(t.astimezone(z).date() for t, _ in self.questions())

    def reveals_per_round(self) -> Counter[int]:
        return Counter(m.round_id for m in self.messages(RevealMessage))

    def boards(self) -> list[LeaderboardMessage]:
        return self.messages(LeaderboardMessage)


@dataclass
class Job:
    id: str
    func: Any
    trigger: Any
    args: list[Any]
    next_run_time: datetime | None


@dataclass
class StepScheduler:
    """The parts of AsyncIOScheduler that DailyScheduler uses, run by `World.run_until`."""

    clock: FakeClock
    jobs: dict[str, Job] = field(default_factory=dict)
    running: bool = False
    added: int = 0

    def add_job(self, func: Any, trigger: Any, args: list[Any], id: str, **options: Any) -> None:
        assert options.get("replace_existing"), "jobs must be registered with replace_existing"
        self.added += 1
        first = trigger.get_next_fire_time(None, self.clock.now())
        self.jobs[id] = Job(id, func, trigger, list(args), first)

    def get_job(self, job_id: str) -> Job | None:
        return self.jobs.get(job_id)

    def remove_job(self, job_id: str) -> None:
        del self.jobs[job_id]

    def get_jobs(self) -> list[Job]:
        return list(self.jobs.values())

    def start(self) -> None:
        self.running = True

    def shutdown(self, wait: bool = False) -> None:
        self.running = False


@dataclass
class Process:
    """One quizbot process: its own Store connection, Engine, DailyScheduler and jobs."""

    store: Store
    engine: Engine
    daily: DailyScheduler
    jobs: StepScheduler
    service: DailyService
    alive: bool = True

    async def close(self) -> None:
        self.alive = False
        await self.store.close()


def same_path(db: Path) -> Path | str:
    return db


# The database a World's path stands for: the SQLite file itself, or (when tests/schedule's
# conftest runs a test on PostgreSQL) one PostgreSQL database per path, shared by every
# World and process given that path, as the file would be.
database_for: Callable[[Path], Path | str] = same_path


class World:
    def __init__(self, db: Path, start: datetime, grace: timedelta = timedelta(hours=2)) -> None:
        self.db = database_for(db)
        self.clock = FakeClock(start)
        self.poster = PlatformPoster(self.clock)
        self.grace = grace
        self.processes: list[Process] = []

    async def spawn(self, *, start: bool = True, watch: bool = False) -> Process:
        """A new process on the same database file and platform; `start` runs its start-up;
        `watch`: it beats and watches the others, as `quizbot run` does."""
        cards, maker = library()
        store = await Store.open(self.db)
        engine = Engine(store, cards, self.clock, self.poster, maker)
        jobs = StepScheduler(self.clock)
        daily = DailyScheduler(
            store,
            engine,
            clock=self.clock,
            scheduler=jobs,
            grace=self.grace,  # type: ignore[arg-type]
            watch=watch,
        )
        process = Process(store, engine, daily, jobs, DailyService(daily))
        self.processes.append(process)
        if start:
            await daily.start()
        return process

    async def crash(self, process: Process) -> None:
        await process.close()

    async def close(self) -> None:
        for p in self.processes:
            if p.alive:
                await p.close()

    @property
    def live(self) -> list[Process]:
        return [p for p in self.processes if p.alive]

    async def set(self, spec: dict[str, str], place: Place = PLACE) -> None:
        process = self.live[0]
        notice = await process.service.set(place, spec, "admin", is_admin=True)
        assert notice.text.startswith("Daily question set"), notice.text
        for other in self.live[1:]:
            await other.daily.register(place)

    async def run_until(self, until: datetime, max_steps: int = 10_000) -> int:
        """Fire every job due up to `until` in time order; the clock ends at `until`."""
        fired = 0
        for _ in range(max_steps):
            due = [
                (job.next_run_time, p, job)
                for p in self.live
                for job in list(p.jobs.jobs.values())
                if job.next_run_time is not None and job.next_run_time <= until
            ]
            if not due:
                self.clock.set(max(until, self.clock.now()))
                return fired
            when = min(d[0] for d in due)
            batch = [(p, job) for t, p, job in due if t == when]
            if when > self.clock.now():
                self.clock.set(when)
            for _, job in batch:
                after = job.trigger.get_next_fire_time(job.next_run_time, self.clock.now())
                job.next_run_time = after
            if len(batch) == 1:
                # Awaited in this task, so a Crash (a BaseException) stops only this process.
                try:
                    results: list[Any] = [await batch[0][1].func(*batch[0][1].args)]
                except Crash as crash:
                    results = [crash]
            else:
                results = await asyncio.gather(
                    *(job.func(*job.args) for _, job in batch), return_exceptions=True
                )
            for (p, job), outcome in zip(batch, results, strict=True):
                if job.next_run_time is None and p.jobs.jobs.get(job.id) is job:
                    del p.jobs.jobs[job.id]
                if isinstance(outcome, Crash):
                    await p.close()
                elif isinstance(outcome, BaseException):
                    raise outcome
            fired += len(batch)
        raise AssertionError("run_until did not settle: a job keeps rescheduling itself")


def at(zone: str, y: int, m: int, d: int, hh: int = 0, mm: int = 0, fold: int = 0) -> datetime:
    """A local wall-clock time as an aware UTC datetime."""
    return datetime(y, m, d, hh, mm, tzinfo=ZoneInfo(zone), fold=fold).astimezone(UTC)


def spec(**values: str) -> dict[str, str]:
    parse_spec(values)  # fail early, with the spec's own message, on a typo in a test
    return values
