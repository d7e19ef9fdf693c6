"""A crash between posting a question and recording its reference: recover() asks the
platform for the post where it can give it back without posting twice, so the reveal edits
the question; where it cannot, the reveal still arrives once, as a new post."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from enginekit import FakeMaker, player, question_for

from bot.engine import Engine
from bot.messages import QuestionMessage, RevealMessage
from bot.ports import MemoryPoster, Place, waiting_to_send, was_never_sent

PLACE = Place("discord", "g1", "c1")
HOUR = timedelta(hours=1)


class FindingPoster(MemoryPoster):
    """A platform that answers a repeated post with the first one (Discord's nonce)."""

    async def find_post(self, place, message):
        self.calls.append(("find", place, "m-first", message))
        return "m-first"


async def crash_after_posting(engine: Engine, card, clock) -> int:
    """Store the round as open_round does, then 'die' before its reference is recorded."""
    round_id, _ = await engine._open(
        PLACE, question_for(card), "daily", clock.now() + timedelta(hours=1)
    )
    return round_id


async def test_a_found_post_gets_its_reveal_as_an_edit(store, cards, clock):
    first = Engine(store, cards, clock, MemoryPoster(), FakeMaker(cards))
    round_id = await crash_after_posting(first, cards[0], clock)

    poster = FindingPoster()
    engine = Engine(store, cards, clock, poster, FakeMaker(cards))
    await engine.recover()
    ((_, _, _, asked),) = poster.of_kind("find")
    assert isinstance(asked, QuestionMessage) and asked.round_id == round_id
    assert asked.options == question_for(cards[0]).options

    assert (await engine.answer(round_id, player(1), 1)).status == "locked_in"
    clock.advance(hours=2)
    await engine.tick()
    ((_, _, ref, reveal),) = poster.of_kind("edit")
    assert ref == "m-first" and isinstance(reveal, RevealMessage)
    assert not poster.of_kind("post")


async def test_where_the_platform_cannot_tell_the_reveal_is_posted_once(store, cards, clock):
    first = Engine(store, cards, clock, MemoryPoster(), FakeMaker(cards))
    await crash_after_posting(first, cards[0], clock)

    poster = MemoryPoster()  # find_post -> None, like Slack
    engine = Engine(store, cards, clock, poster, FakeMaker(cards))
    await engine.recover()
    clock.advance(hours=2)
    await engine.tick()
    await engine.recover()  # a second restart delivers nothing again
    assert len(poster.messages(RevealMessage)) == 1
    assert poster.of_kind("post")[0][3].round_id == poster.messages(RevealMessage)[0].round_id


async def test_what_this_process_opened_since_it_began_is_not_lost(store, cards, clock):
    """The adapters take clicks before the daily scheduler recovers: a round this process
    is posting right now has no reference yet, and is not looked for (that would post it
    again where the platform cannot tell); one opened before it began is."""
    first = Engine(store, cards, clock, MemoryPoster(), FakeMaker(cards))
    before = await crash_after_posting(first, cards[0], clock)
    clock.advance(seconds=1)
    began = clock.now()
    poster = FindingPoster()
    engine = Engine(store, cards, clock, poster, FakeMaker(cards))
    in_flight = await crash_after_posting(engine, cards[1], clock)  # being posted now
    await engine.recover(began=began)
    assert [c[3].round_id for c in poster.of_kind("find")] == [before]
    assert in_flight != before


class QueuedPoster(MemoryPoster):
    """A platform whose posts wait for their turn (`queued`) or hang once sent (not)."""

    def __init__(self, *, queued: bool) -> None:
        super().__init__()
        self.queued = queued
        self.waiting = asyncio.Event()

    async def post(self, place, message):
        self.waiting.set()
        if self.queued:
            with waiting_to_send():
                await asyncio.Event().wait()
        await asyncio.Event().wait()  # sent, the answer never comes
        raise AssertionError("unreachable")


async def test_a_stop_while_a_post_waits_its_turn_takes_the_round_back(store, cards, clock):
    """Nothing reached the platform: the round is cancelled, so a daily slot is retried."""
    for queued, state in ((True, "cancelled"), (False, "open")):
        poster = QueuedPoster(queued=queued)
        engine = Engine(store, cards, clock, poster, FakeMaker(cards))
        opening = asyncio.create_task(
            engine.open_round(PLACE, question_for(cards[0]), "daily", clock.now() + HOUR)
        )
        await asyncio.wait_for(poster.waiting.wait(), 5)
        opening.cancel()
        with pytest.raises(asyncio.CancelledError) as stopped:
            await opening
        assert was_never_sent(stopped.value) is queued
        (row,) = await store.fetchall("SELECT state FROM rounds ORDER BY id DESC LIMIT 1")
        # Cut once sent, it may be out: left open, for recovery to find or to call unknown.
        assert row[0] == state
