"""The process-wide post pace (adapters/pacing.py) and the posters that queue behind it."""

from __future__ import annotations

import asyncio

import discord
import pytest

from adapters.discord.poster import DiscordPoster
from adapters.pacing import RECOVER_EVERY, PacingFull, RateLimiter
from adapters.slack.poster import ChannelPacer, SlackPoster
from bot.messages import Notice
from bot.ports import Place
from tests.fakes.discord_server import FakeDiscord, point_discord_at, running_client
from tests.fakes.slack_fixtures import make_web_client
from tests.fakes.slack_server import FakeSlack


class StepClock:
    """Time that a sleep moves forward to the sleeper's start: enough for one-at-a-time
    checks (each caller is awaited before the next)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


async def test_a_burst_passes_then_starts_are_spaced_by_the_rate() -> None:
    clock = StepClock()
    limiter = RateLimiter(10.0, burst=3, clock=clock, sleep=clock.sleep)
    seen = []
    for _ in range(6):
        await limiter.acquire()
        seen.append(round(clock.now, 6))
    assert seen == [0.0, 0.0, 0.0, 0.1, 0.2, 0.3]


async def test_callers_arriving_together_get_their_turns_in_call_order() -> None:
    clock = StepClock()
    gate = asyncio.Event()
    order: list[int] = []
    waits: dict[int, float] = {}

    async def sleep(seconds: float) -> None:
        await gate.wait()

    limiter = RateLimiter(2.0, burst=1, clock=clock, sleep=sleep)

    async def one(n: int) -> None:
        waits[n] = limiter.delay()
        await limiter.acquire()
        order.append(n)

    tasks = [asyncio.create_task(one(n)) for n in range(5)]
    await asyncio.sleep(0)
    # Each caller was told its own start at once: 0, 0.5, 1.0, ... in the order they came.
    assert [waits[n] for n in range(5)] == [0.0, 0.5, 1.0, 1.5, 2.0]
    assert limiter.waiting == 4
    gate.set()
    await asyncio.gather(*tasks)
    assert order == [0, 1, 2, 3, 4]


async def test_waiting_is_bounded_and_a_cancelled_last_caller_gives_its_turn_back() -> None:
    clock = StepClock()
    never = asyncio.Event()

    async def stuck(seconds: float) -> None:
        await never.wait()

    limiter = RateLimiter(1.0, burst=1, max_wait=3.0, clock=clock, sleep=stuck)
    await limiter.acquire()
    queued = [asyncio.create_task(limiter.acquire()) for _ in range(3)]
    await asyncio.sleep(0)
    assert limiter.delay() == pytest.approx(4.0)
    with pytest.raises(PacingFull, match="more than the 3 s allowed"):
        await limiter.acquire()
    queued[-1].cancel()
    await asyncio.gather(queued[-1], return_exceptions=True)
    assert limiter.delay() == pytest.approx(3.0)  # the cancelled turn is free again
    for task in queued:
        task.cancel()
    await asyncio.gather(*queued, return_exceptions=True)
    assert limiter.waiting == 0


async def test_a_hold_pauses_everyone_halves_the_pace_then_it_recovers() -> None:
    clock = StepClock()
    limiter = RateLimiter(10.0, burst=5, clock=clock, sleep=clock.sleep)
    await limiter.acquire()
    limiter.hold(2.0)
    assert limiter.holds == 1 and limiter.rate == 5.0
    await limiter.acquire()
    assert clock.now == pytest.approx(2.2)  # the pause, then one turn at the halved pace
    await limiter.acquire()
    assert clock.now == pytest.approx(2.4)  # no saved-up burst right after a 429
    clock.now += RECOVER_EVERY
    await limiter.acquire()
    assert limiter.rate == pytest.approx(6.0)  # a tenth of the set pace back


def test_a_limiter_needs_sensible_settings() -> None:
    with pytest.raises(ValueError, match="rate > 0"):
        RateLimiter(0)


async def test_slack_posts_lose_nothing_when_the_workspace_allows_less_than_we_assumed() -> None:
    # Slack's real workspace limit is not published: here it is 20/s with no burst while we
    # pace at 47/s. 40 channels at once: every post arrives exactly once, the 429s held the
    # queue instead of burning through the client's retries.
    async with FakeSlack(workspace_rate=20.0, workspace_burst=5) as fake:
        client = make_web_client(fake, max_rate_limit_retries=1)
        poster = SlackPoster(client, ChannelPacer(rate=50.0, burst=5))
        channels = [f"C{n:04d}" for n in range(40)]
        fake.add_channels(*channels)
        refs = await asyncio.gather(
            *(poster.post(Place("slack", "T0QUIZ", c), Notice(f"daily {c}")) for c in channels)
        )
        assert len(set(refs)) == 40
        assert all(len(fake.channel_messages(c)) == 1 for c in channels)
        assert poster.workspace.holds >= 1
        assert any(c.status == 429 for c in fake.calls_to("chat.postMessage"))


async def test_discord_posts_outlast_a_global_limit_the_library_gives_up_on() -> None:
    # 10 requests/s in all while we pace at 47/s: discord.py's five tries run out for some
    # posts; the poster holds its queue and sends them again with the same nonce.
    async with FakeDiscord(global_limit=10, global_window=1.0) as fake, point_discord_at(fake):
        client = discord.Client(intents=discord.Intents.none(), guild_ready_timeout=0.1)
        async with running_client(client, fake):
            poster = DiscordPoster(client, RateLimiter(47.0, 2, name="test"))
            channels = [fake.add_channel(f"quiz-{n}") for n in range(30)]
            places = [Place("discord", str(fake.guild.id), str(c.id)) for c in channels]
            refs = await asyncio.gather(
                *(poster.post(p, Notice(f"daily {n}")) for n, p in enumerate(places))
            )
        assert len(set(refs)) == 30
        assert all(len(fake.messages_in(c.id)) == 1 for c in channels)
        assert fake.stats.rate_limited > 0  # the limit was really in the way


def test_processes_split_a_per_bot_limit_between_them():
    """The documented rule: each of N live processes paces at 1/N of the bot's budget."""
    from adapters import pacing

    limiter = pacing.RateLimiter(48.0, 2)
    try:
        pacing.share_between(3)
        assert limiter.nominal == pytest.approx(16.0) and limiter.rate == pytest.approx(16.0)
        later = pacing.RateLimiter(30.0, 1)  # made after the split: starts at its share
        assert later.rate == pytest.approx(10.0)
        pacing.share_between(1)  # the others stopped: back up to the whole budget, gradually
        assert limiter.nominal == pytest.approx(48.0) and limiter.rate == pytest.approx(16.0)
    finally:
        pacing.share_between(1)
