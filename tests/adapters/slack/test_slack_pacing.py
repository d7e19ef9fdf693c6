"""The per-channel pacer, the users.info cache, and the poster under a rate limit."""

from __future__ import annotations

import asyncio

import pytest

from adapters.slack.people import Directory
from adapters.slack.poster import ChannelPacer, PacerFull, SlackPoster
from bot.messages import Notice
from bot.ports import Place
from tests.fakes.slack_fixtures import make_web_client
from tests.fakes.slack_server import FakeSlack, ManualClock


class VirtualTime:
    """A clock plus a sleep that only moves it: pacing checked without waiting."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


async def test_pacer_lets_a_burst_through_then_one_a_second_per_channel() -> None:
    vt = VirtualTime()
    pacer = ChannelPacer(rate=1.0, burst=3, clock=vt, sleep=vt.sleep)
    sent: list[tuple[str, float]] = []

    async def post(channel: str) -> None:
        await pacer.wait(channel)
        sent.append((channel, vt.now))

    await asyncio.gather(*(post("C1") for _ in range(6)), post("C2"))
    c1 = [t for c, t in sent if c == "C1"]
    assert c1 == [0.0, 0.0, 0.0, 1.0, 2.0, 3.0]
    assert any(c == "C2" for c, _ in sent)
    assert vt.slept == [1.0, 1.0, 1.0]  # only C1's fourth to sixth post waited


async def test_pacer_queue_is_bounded() -> None:
    vt = VirtualTime()
    never = asyncio.Event()

    async def stuck_sleep(seconds: float) -> None:
        await never.wait()

    pacer = ChannelPacer(rate=1.0, burst=1, max_waiting=3, clock=vt, sleep=stuck_sleep)
    await pacer.wait("C1")  # uses the one token
    waiting = [asyncio.create_task(pacer.wait("C1")) for _ in range(3)]
    await asyncio.sleep(0)
    assert pacer.waiting("C1") == 3
    with pytest.raises(PacerFull, match="already wait for channel C1"):
        await pacer.wait("C1")
    await pacer.wait("C2")  # other channels are not held up
    for task in waiting:
        task.cancel()
    await asyncio.gather(*waiting, return_exceptions=True)
    assert pacer.waiting("C1") == 0


async def test_poster_paces_posts_and_the_client_retries_a_429() -> None:
    clock = ManualClock()
    async with FakeSlack(channel_burst=2, clock=clock) as fake:
        client = make_web_client(fake)
        vt = VirtualTime()

        async def sleep(seconds: float) -> None:
            await vt.sleep(seconds)
            clock.advance(seconds)  # the fake's bucket refills as our virtual time passes

        poster = SlackPoster(client, ChannelPacer(rate=1.0, burst=2, clock=vt, sleep=sleep))
        place = Place("slack", "T0QUIZ", "C0QUIZ")
        refs = [await poster.post(place, Notice(f"message {i}")) for i in range(5)]
        assert len(set(refs)) == 5
        assert fake.stats["C0QUIZ"].rejected == 0  # paced: Slack never had to say 429
        assert fake.stats["C0QUIZ"].delivered == 5

        fake.fail_next("chat.postMessage", "429", retry_after=0)
        await poster.post(place, Notice("after a 429"))
        assert fake.calls_to("chat.postMessage")[-1].ok
        assert fake.calls_to("chat.postMessage")[-2].fault == "429"


async def test_names_are_looked_up_once_per_person_and_cached() -> None:
    async with FakeSlack() as fake:
        now = [0.0]
        people = Directory(make_web_client(fake), ttl=60, clock=lambda: now[0])
        found = await asyncio.gather(*(people.person("U0BOB") for _ in range(10)))
        assert {p.display_name for p in found} == {"bobby"}
        assert people.lookups == 1
        admin = await people.person("U0ADMIN")
        assert admin.is_admin and not found[0].is_admin
        now[0] = 61.0
        await people.person("U0BOB")
        assert people.lookups == 3  # the TTL ran out: looked up again
        ghost = await people.person("U0NOBODY", "ghost")
        assert ghost.display_name == "ghost" and not ghost.is_admin
