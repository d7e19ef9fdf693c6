"""Every score recomputed from the raw answers by the written rules (`bot.scoring`).

Hypothesis draws a world: servers on two platforms, channels in zones with DST changes, odd
offsets and a year with an ISO week 53, daily schedules with reveals before and after
midnight, players with and without their own zone. A seeded stream of events then drives the
real Engine and DailyScheduler over simulated days on one SQLite file: daily answers (at the
opening instant, at the closing instant, twice, to unknown rounds), practice, quick quizzes
and stops, renames, restarts with downtime, and due rounds revealed in shuffled order. At
every simulated midnight and at the end, each answer's day and points, every leaderboard
(every board, period and past period, with the caller's rank and ties at the cut) and every
player's stats and streaks are compared with a recomputation from the `answers` and
`rounds` rows that uses none of the code under test.

Sizes: CI runs a few short worlds; QUIZBOT_SOAK=1 (`make soak`) runs many long ones.
"""

from __future__ import annotations

import asyncio
import heapq
import os
import random
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from dailykit import World, spec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.messages import LeaderboardMessage, QuestionMessage
from bot.ports import Place, Player

SOAK = os.environ.get("QUIZBOT_SOAK", "") not in ("", "0")
EXAMPLES = 60 if SOAK else 12
DAYS = (20, 60) if SOAK else (6, 12)

ZONES = (
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "Australia/Lord_Howe",
    "UTC",
)
# Days just before a DST change, the end of an ISO year with a week 53 (2026-W53), and the
# southern-hemisphere spring change.
STARTS = (
    date(2026, 3, 5),
    date(2026, 3, 26),
    date(2026, 10, 22),
    date(2026, 12, 24),
    date(2026, 4, 2),
    date(2026, 9, 30),
)
REVEALS = ("2h", "8h", "17:00", "24h", "23:59", "24h")
TIMES = ("00:00", "09:00", "20:00", "23:30")
WEEKDAYS = ("mon-fri", "daily", "mon,wed,fri")
BASE, CAP, TOP = 10, 5, 10


@dataclass(frozen=True)
class Channel:
    place: Place
    zone: str
    time: str
    weekdays: str
    reveal: str


@dataclass(frozen=True)
class Scenario:
    start: date
    days: int
    channels: tuple[Channel, ...]
    players: tuple[Player, ...]
    seed: int


@st.composite
def scenarios(draw: Any) -> Scenario:
    channels = []
    for platform, server, names in (("discord", "g1", ("c1", "c2")), ("slack", "T1", ("C1",))):
        for name in names:
            at, reveal = draw(st.sampled_from(TIMES)), draw(st.sampled_from(REVEALS))
            if ":" in reveal and reveal <= at:
                reveal = "8h"  # a reveal at a clock time comes later the same day
            channels.append(
                Channel(
                    Place(platform, server, name),
                    draw(st.sampled_from(ZONES)),
                    at,
                    draw(st.sampled_from(WEEKDAYS)),
                    reveal,
                )
            )
    players = [Player("discord", f"d{i}", f"Dee {i}") for i in range(3)]
    players += [
        Player("slack", f"U{i}", f"Ess {i}", tz=draw(st.sampled_from((None, *ZONES))))
        for i in range(3)
    ]
    return Scenario(
        start=draw(st.sampled_from(STARTS)),
        days=draw(st.integers(*DAYS)),
        channels=tuple(channels),
        players=tuple(players),
        seed=draw(st.integers(0, 2**32 - 1)),
    )


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not SOAK,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scenarios())
def test_every_score_matches_a_recomputation_from_the_answers(scenario: Scenario) -> None:
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(Simulation(scenario, Path(folder) / "q.db").run())


# -- the simulation ----------------------------------------------------------------------------


@dataclass(order=True)
class Event:
    at: datetime
    seq: int
    kind: str = field(compare=False)
    args: tuple[Any, ...] = field(compare=False, default=())


class Simulation:
    def __init__(self, scenario: Scenario, db: Path) -> None:
        self.s = scenario
        self.rng = random.Random(scenario.seed)
        start = datetime.combine(scenario.start, time(0), tzinfo=UTC) - timedelta(hours=14)
        self.world = World(db, start)
        self.end = start + timedelta(days=scenario.days)
        self.events: list[Event] = []
        self.seq = 0
        self.names = {(p.platform, p.user_id): p.display_name for p in scenario.players}
        self.seen: set[int] = set()
        self.server_zone: dict[tuple[str, str], str] = {}
        self.checks = 0

    @property
    def clock(self):
        return self.world.clock

    def now(self) -> datetime:
        return self.world.clock.now()

    def push(self, at: datetime, kind: str, *args: Any) -> None:
        self.seq += 1
        heapq.heappush(self.events, Event(at, self.seq, kind, args))

    def player(self, p: Player) -> Player:
        return Player(p.platform, p.user_id, self.names[p.platform, p.user_id], tz=p.tz)

    async def run(self) -> None:
        w = self.world
        await w.spawn()
        try:
            for ch in self.s.channels:
                await w.set(
                    spec(time=ch.time, tz=ch.zone, weekdays=ch.weekdays, reveal=ch.reveal),
                    place=ch.place,
                )
                self.server_zone.setdefault((ch.place.platform, ch.place.server_id), ch.zone)
            self.plan()
            midnight = self.now().replace(hour=0, minute=0, second=0, microsecond=0)
            checkpoint = midnight + timedelta(days=1)
            for _ in range(200_000):  # bounded: the loop ends when the clock passes the end
                if self.now() >= self.end + timedelta(days=2):
                    break
                nxt = await self.next_moment(checkpoint)
                await w.run_until(nxt)
                if w.live:
                    await self.reveal_due_shuffled()
                    await w.live[0].engine.tick()
                    await self.answer_new_questions()
                while self.events and self.events[0].at <= self.now():
                    await self.perform(heapq.heappop(self.events))
                    if w.live:
                        await self.answer_new_questions()
                if self.now() >= checkpoint:
                    await self.check()
                    checkpoint += timedelta(days=1)
            else:
                raise AssertionError("the simulation did not reach its end")
            if not w.live:
                await w.spawn()
            await self.check()
            assert self.checks >= 2
        finally:
            await w.close()

    async def next_moment(self, checkpoint: datetime) -> datetime:
        candidates = [checkpoint, self.end + timedelta(days=2)]
        if self.events:
            candidates.append(self.events[0].at)
        for p in self.world.live:
            candidates += [j.next_run_time for j in p.jobs.jobs.values() if j.next_run_time]
            due = await p.engine.next_due()
            if due is not None:
                candidates.append(due)
        return max(self.now(), min(candidates))

    def plan(self) -> None:
        """The day-by-day events that do not react to a posted question."""
        rng = self.rng
        start = self.now()
        for day in range(self.s.days):
            base = start + timedelta(days=day)
            for p in self.s.players:
                if rng.random() < 0.45:
                    self.push(base + _seconds(rng, 86_400), "practice", p)
            for ch in self.s.channels:
                if rng.random() < 0.3:
                    at = base + _seconds(rng, 86_400)
                    starter = rng.choice(
                        [p for p in self.s.players if p.platform == ch.place.platform]
                    )
                    self.push(at, "quiz", ch.place, starter)
                    if rng.random() < 0.4:
                        self.push(
                            at + timedelta(seconds=rng.choice((1, 20, 35, 41, 70))),
                            "stop",
                            ch.place,
                            starter,
                        )
            if rng.random() < 0.25:
                self.push(
                    base + _seconds(rng, 86_400),
                    "restart",
                    timedelta(minutes=rng.choice((0, 5, 90, 240))),
                )
            if rng.random() < 0.1:
                p = rng.choice(self.s.players)
                self.push(base + _seconds(rng, 86_400), "rename", p)

    async def answer_new_questions(self) -> None:
        """Answers for each question just posted: at its opening instant, at random, at its
        closing instant (refused), twice; from the players of its platform."""
        rng = self.rng
        for _, message in self.world.poster.questions():
            if message.round_id in self.seen or message.mode == "practice":
                continue
            self.seen.add(message.round_id)
            if message.format == "prompt":
                continue
            opened = self.now()
            window = message.closes_at - opened
            for p in self.s.players:
                if p.platform != self._platform_of(message) or rng.random() < 0.3:
                    continue
                pick = rng.random()
                if pick < 0.15:
                    at = opened
                elif pick < 0.2:
                    at = message.closes_at  # exactly at the close: refused
                else:
                    at = opened + window * rng.random()
                self.push(at, "answer", message.round_id, p)
                if rng.random() < 0.1:
                    self.push(at, "answer", message.round_id, p)  # a double click

    def _platform_of(self, message: QuestionMessage) -> str:
        for call in self.world.poster.calls:
            if call[3] is message:
                return call[1].platform
        raise AssertionError("a question not on the platform")

    async def perform(self, e: Event) -> None:
        w, rng = self.world, self.rng
        if e.kind == "spawn":
            if not w.live:
                await w.spawn()
            return
        if e.kind == "rename":
            (p,) = e.args
            key = (p.platform, p.user_id)
            # After the other events of this instant: two answers given at one instant under
            # two names would make "the latest name" ambiguous.
            self.push(e.at + timedelta(microseconds=1), "renamed", key)
            return
        if e.kind == "renamed":
            (key,) = e.args
            self.names[key] = f"{self.names[key].split(' v')[0]} v{rng.randint(2, 99)}"
            return
        if not w.live:
            return  # the bot is down: nobody can do anything
        engine = w.live[0].engine
        if e.kind == "restart":
            (downtime,) = e.args
            await w.crash(w.live[0])
            self.push(self.now() + downtime, "spawn")
        elif e.kind == "answer":
            round_id, p = e.args
            key = await self.key_of(round_id)
            option = key if key is not None and rng.random() < 0.65 else rng.randrange(4)
            await engine.answer(round_id, self.player(p), option)
            if rng.random() < 0.05:
                await engine.answer(10**9 + round_id, self.player(p), 0)  # unknown round
        elif e.kind == "practice":
            (p,) = e.args
            reply = await engine.practice_next(self.player(p), new_run=True)
            if reply.question is not None and rng.random() < 0.85:
                delay = rng.choice((0, 0, 30, 1800, 3599, 3600, 7200))
                self.push(
                    self.now() + timedelta(seconds=delay), "answer", reply.question.round_id, p
                )
        elif e.kind == "quiz":
            place, starter = e.args
            await engine.start_quiz(
                place,
                self.player(starter),
                count=rng.randint(1, 3),
                seconds=rng.choice((5, 30, 40)),
            )
        elif e.kind == "stop":
            place, starter = e.args
            await engine.stop_quiz(place, self.player(starter), is_admin=rng.random() < 0.5)

    async def reveal_due_shuffled(self) -> None:
        store = self.world.live[0].store
        found = await store.fetchall(
            "SELECT id FROM rounds WHERE state='open' AND closes_at <= ?", (_ts(self.now()),)
        )
        due = [r[0] for r in found]
        self.rng.shuffle(due)
        for round_id in due:
            await self.world.live[0].engine.reveal(round_id)

    async def key_of(self, round_id: int) -> int | None:
        store = self.world.live[0].store
        row = await store.fetchone("SELECT answer_index FROM rounds WHERE id=?", (round_id,))
        return row[0] if row else None

    # -- the recomputation -------------------------------------------------------------------

    async def check(self) -> None:
        if not self.world.live:
            return
        self.checks += 1
        process = self.world.live[0]
        engine, store = process.engine, process.store
        rows = [dict(r) for r in await store.fetchall(
            "SELECT a.user_id, a.display_name, a.option_index, a.answered_at, a.day,"
            " a.correct, a.points, r.id AS round_id, r.platform, r.server_id, r.channel_id,"
            " r.mode, r.state, r.answer_index, r.level, r.topic, r.tz, r.opened_at,"
            " r.closes_at FROM answers a JOIN rounds r ON r.id = a.round_id")]  # fmt: skip
        tz_of = {(p.platform, p.user_id): p.tz for p in self.s.players}
        for a in rows:
            a["answered"] = datetime.fromisoformat(a["answered_at"])
            a["right"] = a["option_index"] == a["answer_index"]
            zone = tz_of[a["platform"], a["user_id"]] or a["tz"]
            a["streak_day"] = a["answered"].astimezone(ZoneInfo(zone)).date()
            assert a["day"] == a["streak_day"].toordinal(), a
            assert a["answered_at"] < a["closes_at"], "an answer at or after the close"
        revealed = [a for a in rows if a["state"] == "revealed"]
        for a in revealed:
            assert a["points"] == expected_points(a, rows), a
        await self.check_boards(engine, revealed)
        await self.check_stats(engine, revealed)

    async def check_boards(self, engine: Any, revealed: list[dict[str, Any]]) -> None:
        now = self.now()
        names = latest_names(revealed)
        for (platform, server), zone in self.server_zone.items():
            places = [ch.place for ch in self.s.channels if ch.place.server_id == server]
            counted = [
                a for a in revealed if a["server_id"] == server and a["mode"] in ("daily", "quiz")
            ]
            for period in ("week", "month", "all"):
                moments = {period_of(period, now, zone): now}
                for a in counted:
                    moments.setdefault(period_of(period, a["answered"], zone), a["answered"])
                for key, moment in moments.items():
                    for scope, channel in [("server", None)] + [
                        ("channel", p.channel_id) for p in places
                    ]:
                        mine = [
                            a
                            for a in counted
                            if period_of(period, a["answered"], zone) == key
                            and (channel is None or a["channel_id"] == channel)
                        ]
                        place = (
                            places[0]
                            if channel is None
                            else next(p for p in places if p.channel_id == channel)
                        )
                        caller = self.rng.choice(
                            [p for p in self.s.players if p.platform == platform]
                        )
                        board = await engine.leaderboard(place, period, scope, caller, at=moment)
                        assert_board(board, mine, names, caller.user_id)

    async def check_stats(self, engine: Any, revealed: list[dict[str, Any]]) -> None:
        now = self.now()
        names = latest_names(revealed)
        for p in self.s.players:
            place = self.rng.choice(
                [ch for ch in self.s.channels if ch.place.platform == p.platform]
            )
            stats = await engine.stats(self.player(p), place.place)
            mine = [
                a for a in revealed if a["platform"] == p.platform and a["user_id"] == p.user_id
            ]
            assert stats.answered == len(mine)
            assert stats.correct == sum(a["right"] for a in mine)
            topics = defaultdict(lambda: [0, 0])
            for a in mine:
                topics[a["topic"] or "General"][0] += 1
                topics[a["topic"] or "General"][1] += a["right"]
            assert {t.topic: [t.answered, t.correct] for t in stats.topics} == dict(topics)
            days = {
                a["streak_day"] for a in mine if a["right"] and a["mode"] in ("daily", "practice")
            }
            today = now.astimezone(ZoneInfo(p.tz or place.zone)).date()
            current, best = streaks(days, today)
            assert (stats.current_streak, stats.best_streak) == (current, best), (
                p,
                sorted(days),
                today,
            )
            all_time = sum(
                a["points"]
                for a in mine
                if a["server_id"] == place.place.server_id and a["mode"] in ("daily", "quiz")
            )
            assert stats.points == all_time
            if mine:
                assert stats.name == names[p.platform, p.user_id]


# -- the rules, written again without the code under test ------------------------------------


def expected_points(a: dict[str, Any], rows: list[dict[str, Any]]) -> int:
    if not a["right"]:
        return 0
    base = BASE * 3 // 2 if a["level"] == "advanced" else BASE
    opened = datetime.fromisoformat(a["opened_at"])
    closes = datetime.fromisoformat(a["closes_at"])
    share = Fraction(_micros(a["answered"] - opened), _micros(closes - opened))
    speed = next(
        (b for k, b in ((1, 5), (3, 4), (5, 3), (7, 2), (9, 1)) if share <= Fraction(k, 10)), 0
    )
    streak = 0
    if a["mode"] == "daily":
        settled = {
            b["streak_day"]
            for b in rows
            if b["platform"] == a["platform"]
            and b["user_id"] == a["user_id"]
            and b["right"]
            and b["mode"] in ("daily", "practice")
            and b["state"] != "cancelled"
            and (
                (b["mode"] == "practice" and b["answered_at"] < a["closes_at"])
                or (b["mode"] == "daily" and b["closes_at"] <= a["closes_at"])
            )
        }
        day = a["streak_day"]
        while streak < CAP and day - timedelta(days=streak + 1) in settled:
            streak += 1
    return base + speed + streak


def streaks(days: set[date], today: date) -> tuple[int, int]:
    runs: list[list[date]] = []
    for d in sorted(days):
        if runs and runs[-1][1] == d - timedelta(days=1):
            runs[-1][1] = d
        else:
            runs.append([d, d])
    if not runs:
        return 0, 0
    best = max((b - a).days + 1 for a, b in runs)
    first, last = runs[-1]
    current = (last - first).days + 1 if today - last <= timedelta(days=1) else 0
    return current, best


def latest_names(revealed: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    names: dict[tuple[str, str], tuple[str, str]] = {}
    for a in revealed:
        key = (a["platform"], a["user_id"])
        if key not in names or a["answered_at"] >= names[key][0]:
            names[key] = (a["answered_at"], a["display_name"])
    return {k: v[1] for k, v in names.items()}


def period_of(period: str, when: datetime, zone: str) -> str:
    day = when.astimezone(ZoneInfo(zone)).date()
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day.year}-{day.month:02d}" if period == "month" else "all"


def assert_board(
    board: LeaderboardMessage,
    answers: list[dict[str, Any]],
    names: dict[tuple[str, str], str],
    caller_id: str,
) -> None:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    platform = {a["user_id"]: a["platform"] for a in answers}
    for a in answers:
        t = totals[a["user_id"]]
        t[0] += a["points"]
        t[1] += 1
        t[2] += a["right"]
    order = sorted(totals, key=lambda u: (-totals[u][0], -totals[u][2], u))
    top = order[:TOP]
    expected = []
    for i, user in enumerate(top):
        rank = expected[-1][0] if expected and expected[-1][2] == totals[user][0] else i + 1
        expected.append((rank, names[platform[user], user], *totals[user]))
    assert [(r.rank, r.name, r.points, r.answered, r.correct) for r in board.rows] == expected
    tied = 0
    if len(top) == TOP:
        last = totals[top[-1]][0]
        tied = sum(1 for u in order[TOP:] if totals[u][0] == last)
    assert board.more_tied == tied
    if caller_id in totals:
        assert board.caller is not None
        above = sum(1 for u in totals if totals[u][0] > totals[caller_id][0])
        assert (board.caller.rank, board.caller.points) == (above + 1, totals[caller_id][0])
    else:
        assert board.caller is None


def _micros(delta: timedelta) -> int:
    return delta // timedelta(microseconds=1)


def _seconds(rng: random.Random, span: int) -> timedelta:
    return timedelta(seconds=rng.randrange(span))


def _ts(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="microseconds")[:-6] + "Z"
