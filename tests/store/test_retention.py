"""The retention policy on a real database: what goes, what stays, in small batches, from the
running bot and from `quizbot db prune`."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta

from bot.cards.model import Card
from bot.cli import main
from bot.clock import FakeClock
from bot.engine import Engine
from bot.ports import MemoryPoster, Place, Player
from bot.store import Store
from bot.store.retention import DEFAULT_POLICY, Pruned, RetentionPolicy

CHANNEL = Place("discord", "g1", "c1")
ADA = Player("discord", "u1", "Ada")
DAY = timedelta(days=1)


def cards() -> list[Card]:
    return [
        Card(f"c{i}", "deck", "Topic", "core", "qa", str(i), f"Q{i}?", f"A{i}.", f"d.md:{i}")
        for i in range(4)
    ]


class Q:
    def __init__(self, card_id: str) -> None:
        self.card_id = card_id

    def to_dict(self) -> dict[str, object]:
        return {
            "card_id": self.card_id,
            "format": "choice",
            "prompt": f"Which is it, {self.card_id}?",
            "options": ["w", "x", "y", "z"],
            "answer_index": 1,
        }


class OnePracticeMaker:
    def generate(self, count, seed, **_):
        return [_Question()]


class _Question(Q):
    format = "choice"
    answer_index = 1
    prompt = "P?"
    options = ("w", "x", "y", "z")

    def __init__(self) -> None:
        super().__init__("c0")


async def history(engine: Engine, clock: FakeClock, store: Store, now: datetime) -> dict[str, int]:
    """A year of things the policy is about, ending at `now`; their ids by name."""
    ids: dict[str, int] = {}
    clock.set(now - 200 * DAY)
    old = await engine.open_round(CHANNEL, Q("c1"), "daily", clock.now() + 8 * timedelta(hours=1))
    await engine.answer(old, ADA, 1)
    clock.advance(hours=8)
    await engine.reveal(old)
    ids["old daily"] = old
    engine.poster.fail_next = 1
    with contextlib.suppress(ConnectionError):
        await engine.open_round(CHANNEL, Q("c2"), "daily", clock.now() + DAY)
    ids["cancelled"] = (await store.fetchone("SELECT max(id) FROM rounds"))[0]
    clock.set(now - 10 * DAY)
    recent = await engine.open_round(CHANNEL, Q("c3"), "daily", clock.now() + DAY)
    await engine.answer(recent, ADA, 1)
    clock.advance(days=1)
    await engine.reveal(recent)
    ids["recent daily"] = recent
    clock.set(now - 3 * DAY)
    for name in ("answered practice", "skipped practice"):
        reply = await engine.practice_next(ADA)
        assert reply.question is not None
        ids[name] = reply.question.round_id
        if name == "answered practice":
            await engine.answer(reply.question.round_id, ADA, 1)
    clock.advance(hours=2)
    await engine.tick()  # the skipped one closes unanswered
    clock.set(now - DAY / 2)
    ids["fresh practice"] = (await engine.practice_next(ADA)).question.round_id
    clock.set(now)
    await engine.tick()
    await store.write(
        lambda c: (
            c.execute(
                "INSERT INTO daily_schedules (platform, server_id, channel_id, post_time, tz,"
                " weekdays, reveal, updated_at) VALUES ('discord', 'g1', 'c1', '09:00', 'UTC',"
                " 'mon-fri', '8h', 'x')"
            ),
            c.executemany(
                "INSERT INTO daily_slots (platform, server_id, channel_id, local_date, state,"
                " due_at, deadline, claimed_at) VALUES ('discord', 'g1', 'c1', ?, 'posted',"
                " 'x', 'x', 'x')",
                [((now - n * DAY).date().isoformat(),) for n in (400, 380, 30)],
            ),
            c.executemany(
                "INSERT INTO daily_weekly_posts (platform, server_id, channel_id, week, state,"
                " claimed_at) VALUES ('discord', 'g1', 'c1', ?, 'posted', 'x')",
                [(w,) for w in ("2020-W01", f"{now.year}-W01")],
            ),
        )
    )
    return ids


async def texts(store: Store) -> dict[int, str | None]:
    return {r[0]: r[1] for r in await store.fetchall("SELECT id, question FROM rounds")}


async def test_the_policy_removes_old_things_and_keeps_every_score(db_target):
    now = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
    clock = FakeClock(now)
    async with await Store.open(db_target) as store:
        engine = Engine(store, cards(), clock, MemoryPoster(), OnePracticeMaker())
        ids = await history(engine, clock, store, now)
        stats_before = await engine.stats(ADA, CHANNEL)
        board_before = await engine.leaderboard(CHANNEL, "all")
        preview = await engine.storage.prune(DEFAULT_POLICY, now, batch=500, dry_run=True)
        assert preview == Pruned(
            practice_rounds=1, round_texts=1, cancelled_rounds=1, daily_slots=2, weekly_posts=1
        )
        assert ids["skipped practice"] in await texts(store)  # a dry run changes nothing
        assert await engine.upkeep() == preview
        found = await texts(store)
        assert ids["skipped practice"] not in found and ids["cancelled"] not in found
        assert found[ids["old daily"]] is None  # its text after 90 days...
        assert await engine.reveal_of(ids["recent daily"]) is not None  # ...not before
        assert found[ids["answered practice"]] is None  # its answer only, from the reveal on
        assert found[ids["fresh practice"]] is not None  # unanswered, closed less than a day ago
        answers = await store.fetchone("SELECT count(*) FROM answers")
        assert answers[0] == 3
        slots = await store.fetchall("SELECT local_date FROM daily_slots")
        assert [r[0] for r in slots] == [(now - 30 * DAY).date().isoformat()]
        assert await engine.stats(ADA, CHANNEL) == stats_before
        assert await engine.leaderboard(CHANNEL, "all") == board_before
        assert await engine.upkeep() == Pruned()


async def test_the_running_bot_prunes_in_small_batches(db_target):
    now = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
    clock = FakeClock(now)
    async with await Store.open(db_target) as store:
        engine = Engine(store, cards(), clock, MemoryPoster(), OnePracticeMaker())
        clock.set(now - 5 * DAY)
        for _ in range(7):  # seven practice questions, each skipped for the next
            await engine.practice_next(ADA)
        clock.set(now)
        await engine.tick()
        per_batch = []
        for _ in range(10):  # bounded
            pruned = await engine.storage.prune(DEFAULT_POLICY, now, batch=3)
            per_batch.append(pruned.practice_rounds)
            if not pruned.total:
                break
        assert per_batch == [3, 3, 1, 0]  # seven, three at a time
        # And the timer loop applies the policy by itself, once per period.
        clock.set(now - 5 * DAY)
        await engine.practice_next(ADA)
        await engine.practice_next(ADA)
        clock.set(now)
        stop = asyncio.Event()
        timer = asyncio.create_task(engine.run_timer(stop, max_sleep=0.01))
        for _ in range(500):  # bounded wait for the loop's first pass
            await asyncio.sleep(0.01)
            if engine._upkeep_at is not None:
                break
        stop.set()
        await timer
        left = await store.fetchone(
            "SELECT count(*) FROM rounds WHERE mode='practice' AND state != 'open'"
        )
        assert left[0] == 0


def test_prune_command_dry_run_then_for_real(db_target, capsys):
    path = db_target
    on_file = not isinstance(path, str)
    now = datetime.now(UTC)

    async def make() -> None:
        clock = FakeClock(now)
        async with await Store.open(path) as store:
            engine = Engine(store, cards(), clock, MemoryPoster(), OnePracticeMaker())
            await history(engine, clock, store, now)

    asyncio.run(make())
    before = path.read_bytes() if on_file else None
    assert main(["--db", str(path), "db", "prune", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Would remove (policy: unanswered practice rounds 1 day after")
    counts = {" ".join(line.split()[:-1]): line.split()[-1] for line in out.splitlines()[1:]}
    assert counts == {
        "unanswered practice rounds": "1",
        "question texts of old rounds": "1",
        "old cancelled rounds": "1",
        "daily slots": "2",
        "weekly board records": "1",
    }
    assert (path.read_bytes() if on_file else None) == before
    assert main(["--db", str(path), "db", "prune"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Removed (policy:") and "question texts of old rounds  " in out
    assert ("the file itself keeps its size until VACUUM" if on_file else "autovacuum") in out
    assert main(["--db", str(path), "db", "prune", "--dry-run"]) == 0
    assert all(line.endswith(" 0") for line in capsys.readouterr().out.splitlines()[1:])


def test_prune_command_names_a_missing_file(tmp_path, capsys):
    missing = tmp_path / "none.db"
    assert main(["--db", str(missing), "db", "prune", "--dry-run"]) == 1
    assert "no database there" in capsys.readouterr().err
    assert not missing.exists()


def test_the_default_policy_is_the_documented_one():
    assert (
        RetentionPolicy(unanswered_practice=DAY, round_text=90 * DAY, daily_slots=365 * DAY)
        == DEFAULT_POLICY
    )
