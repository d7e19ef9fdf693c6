import asyncio
import json
from datetime import timedelta

from enginekit import CHANNEL, START, FakeMaker, Q, player, question_for

from bot.cards.model import Card
from bot.clock import FakeClock
from bot.engine import Engine
from bot.messages import QuestionMessage, RevealMessage
from bot.ports import MemoryPoster
from bot.store import Store

EIGHT_HOURS = START + timedelta(hours=8)


async def open_daily(engine, cards, card=0) -> int:
    return await engine.open_round(CHANNEL, question_for(cards[card]), "daily", EIGHT_HOURS)


async def test_open_round_posts_the_question_and_records_its_ref(engine, cards, poster, store):
    round_id = await open_daily(engine, cards)
    [(kind, place, ref, message)] = poster.calls
    assert (kind, place) == ("post", CHANNEL)
    assert isinstance(message, QuestionMessage)
    assert message.round_id == round_id and message.options == ("one", "two", "three", "four")
    assert message.topic == "Activations" and message.mode == "daily"
    row = await store.fetchone("SELECT message_ref, question FROM rounds WHERE id=?", (round_id,))
    assert row["message_ref"] == ref
    # The question is stored once; the card's answer is the deck's, read at the reveal.
    assert json.loads(row["question"]) == {
        "prompt": "Question 0?",
        "options": ["one", "two", "three", "four"],
    }


async def test_four_players_pick_four_options_and_the_reveal_counts_them(
    engine, cards, clock, poster
):
    round_id = await open_daily(engine, cards)
    for n in range(4):
        clock.advance(minutes=48)  # 48 min = a tenth of the 8 h window each
        result = await engine.answer(round_id, player(n), n)
        assert result.status == "locked_in"
    clock.set(EIGHT_HOURS)
    reveal = await engine.reveal(round_id)
    assert isinstance(reveal, RevealMessage)
    assert reveal.counts == (1, 1, 1, 1)
    assert reveal.correct_index == 1
    # core card: 10 base + speed round(5 × (1 - 96/480)) = 4
    assert reveal.right == (("Player 1", 14),)
    assert reveal.wrong_count == 3
    assert reveal.answer == "The **full** answer to question 0."
    edit = poster.of_kind("edit")
    assert len(edit) == 1 and edit[0][2] == poster.calls[0][2]  # edits the original post
    assert edit[0][3] == reveal


async def test_locked_in_reply_names_the_letter_and_local_reveal_time(engine, cards):
    await engine.set_place_zone(CHANNEL, "Europe/Berlin")
    round_id = await open_daily(engine, cards)
    result = await engine.answer(round_id, player(1), 1)
    assert result.text == "Locked in: B. Reveal at 18:00 CET"


async def test_reveal_time_is_utc_when_the_place_has_no_zone(engine, cards):
    round_id = await open_daily(engine, cards)
    result = await engine.answer(round_id, player(1), 0)
    assert result.text == "Locked in: A. Reveal at 17:00 UTC"


async def test_second_click_is_refused_and_keeps_the_first_choice(engine, cards, clock, store):
    round_id = await open_daily(engine, cards)
    await engine.answer(round_id, player(1), 1)
    again = await engine.answer(round_id, player(1), 3)
    assert again.status == "already_answered"
    assert again.text.startswith("You already answered B.")
    rows = await store.fetchall("SELECT option_index FROM answers WHERE round_id=?", (round_id,))
    assert [r[0] for r in rows] == [1]


async def test_duplicate_deliveries_of_one_click_count_once(engine, cards, store):
    round_id = await open_daily(engine, cards)
    results = await asyncio.gather(*(engine.answer(round_id, player(1), 2) for _ in range(20)))
    assert sorted(r.status for r in results).count("locked_in") == 1
    count = await store.fetchone("SELECT count(*) FROM answers WHERE round_id=?", (round_id,))
    assert count[0] == 1


async def test_click_after_the_reveal_says_when_it_was_revealed(engine, cards, clock):
    round_id = await open_daily(engine, cards)
    clock.set(EIGHT_HOURS)
    await engine.tick()
    late = await engine.answer(round_id, player(1), 1)
    assert late.status == "closed"
    assert late.text == "This round is closed: the answer was revealed at 17:00 UTC."


async def test_click_after_closing_time_but_before_the_reveal_is_closed(engine, cards, clock):
    round_id = await open_daily(engine, cards)
    clock.set(EIGHT_HOURS + timedelta(seconds=1))
    late = await engine.answer(round_id, player(1), 1)
    assert late.status == "closed"


async def test_unknown_round_and_bad_option(engine, cards):
    unknown = await engine.answer(424242, player(1), 0)
    assert unknown.status == "unknown_round"
    assert unknown.text == "That question is no longer open (unknown round)."
    round_id = await open_daily(engine, cards)
    bad = await engine.answer(round_id, player(1), 7)
    assert bad.status == "bad_option" and "A-D" in bad.text


async def test_answers_stay_private_until_the_reveal(engine, cards, poster):
    round_id = await open_daily(engine, cards)
    await engine.answer(round_id, player(1), 1)
    await engine.answer(round_id, player(2), 2)
    assert [c[0] for c in poster.calls] == ["post"]  # nothing posted or edited by answering


async def test_reveal_happens_once_when_reveal_and_tick_race(engine, cards, clock, poster, store):
    round_id = await open_daily(engine, cards)
    await engine.answer(round_id, player(1), 1)
    clock.set(EIGHT_HOURS)
    outcomes = await asyncio.gather(
        engine.reveal(round_id), engine.tick(), engine.reveal(round_id), engine.tick()
    )
    assert (
        sum(isinstance(o, RevealMessage) for o in outcomes)
        + sum(o for o in outcomes if isinstance(o, int))
        == 1
    )
    assert len(poster.of_kind("edit")) == 1
    score = await store.fetchone(
        "SELECT answered, points FROM scores WHERE user_id='u1' AND period_kind='all'"
        " AND channel_id='*'"
    )
    assert score["answered"] == 1  # scored once


async def test_tick_reveals_only_what_is_due_and_next_due_says_when(engine, cards, clock):
    first = await open_daily(engine, cards, 0)
    await engine.open_round(
        CHANNEL, question_for(cards[1]), "daily", EIGHT_HOURS + timedelta(hours=1)
    )
    assert await engine.next_due() == EIGHT_HOURS
    assert await engine.tick() == 0
    clock.set(EIGHT_HOURS)
    assert await engine.tick() == 1
    assert (await engine.reveal_of(first)).round_id == first
    assert await engine.next_due() == EIGHT_HOURS + timedelta(hours=1)


async def test_recover_after_reopening_the_db_reveals_overdue_rounds_once(db_target, cards):
    path = db_target
    clock = FakeClock(START)
    async with await Store.open(path) as store:
        engine = Engine(store, cards, clock, MemoryPoster(), FakeMaker(cards))
        round_id = await open_daily(engine, cards)
        await engine.answer(round_id, player(1), 1)
    # The bot was down over the reveal time.
    clock.set(EIGHT_HOURS + timedelta(hours=3))
    poster = MemoryPoster()
    async with await Store.open(path) as store:
        engine = Engine(store, cards, clock, poster, FakeMaker(cards))
        assert await engine.recover() == 1
        assert await engine.recover() == 0
        assert await engine.tick() == 0
    [(kind, _, ref, message)] = poster.calls
    assert (kind, ref) == ("edit", "m1")  # the post made before the restart
    assert message.right[0][0] == "Player 1"


async def test_recover_delivers_a_reveal_whose_edit_failed(engine, cards, clock, poster):
    round_id = await open_daily(engine, cards)
    clock.set(EIGHT_HOURS)
    poster.fail_next = 1
    assert await engine.reveal(round_id) is not None  # scored even though the edit failed
    assert poster.of_kind("edit") == []
    assert await engine.recover() == 1
    assert len(poster.of_kind("edit")) == 1
    assert await engine.recover() == 0


async def test_a_reveal_whose_edit_failed_is_tried_again_while_the_bot_runs(
    engine, cards, clock, poster
):
    """An outage longer than the adapter's own retries: the reveal is tried again after
    15 s, 1 min and 4 min; after that it waits for the next start (or another process)."""
    round_id = await open_daily(engine, cards)
    clock.set(EIGHT_HOURS)
    poster.fail_next = 2
    await engine.reveal(round_id)  # the first try fails
    clock.advance(seconds=14)
    assert await engine.tick() == 0 and poster.of_kind("edit") == []
    clock.advance(seconds=1)
    assert await engine.tick() == 0  # the second try, at 15 s, fails too
    clock.advance(seconds=59)
    assert await engine.tick() == 0
    clock.advance(seconds=1)
    assert await engine.tick() == 1  # the third, a minute later, gets through
    assert [c[2] for c in poster.of_kind("edit")] == ["m1"]
    clock.advance(minutes=10)
    assert await engine.tick() == 0 and len(poster.of_kind("edit")) == 1
    assert await engine.recover() == 0  # recorded as delivered


async def test_in_process_retries_of_a_reveal_give_up_after_the_last_wait(
    engine, cards, clock, poster
):
    round_id = await open_daily(engine, cards)
    clock.set(EIGHT_HOURS)
    poster.fail_next = 4  # the first try and the three retries
    await engine.reveal(round_id)
    for wait in (15, 60, 240, 3600):
        clock.advance(seconds=wait)
        assert await engine.tick() == 0
    assert poster.of_kind("edit") == [] and engine._redeliveries == {}
    assert await engine.recover() == 1  # the next start delivers it


async def test_a_failed_post_cancels_the_round(engine, cards, poster, store):
    poster.fail_next = 1
    try:
        await open_daily(engine, cards)
    except ConnectionError:
        pass
    else:
        raise AssertionError("the post failure must reach the caller")
    row = await store.fetchone("SELECT state FROM rounds")
    assert row["state"] == "cancelled"
    assert (await engine.answer(1, player(1), 1)).status == "unknown_round"
    assert await engine.next_due() is None


async def test_a_discussion_prompt_opens_a_thread_and_takes_no_answers(engine, cards, poster):
    prompt = Q(cards[0].id, "prompt", "Discuss: why does depth help?", (), None)
    round_id = await engine.open_round(CHANNEL, prompt, "daily", EIGHT_HOURS)
    assert poster.calls[0][0] == "thread"
    result = await engine.answer(round_id, player(1), 0)
    assert result.status == "bad_option" and "thread" in result.text
    assert await engine.next_due() is None  # nothing to reveal


async def test_other_platforms_cannot_answer_a_round(engine, cards):
    round_id = await open_daily(engine, cards)
    result = await engine.answer(round_id, player(1, platform="slack"), 1)
    assert result.status == "unknown_round"


async def test_run_timer_reveals_due_rounds_until_stopped(engine, cards, clock, poster):
    await open_daily(engine, cards)
    clock.set(EIGHT_HOURS)
    stop = asyncio.Event()
    timer = asyncio.create_task(engine.run_timer(stop, max_sleep=0.01))
    for _ in range(200):  # bounded wait for the reveal, about 2 s at most
        if poster.of_kind("edit"):
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(timer, timeout=2)
    assert len(poster.of_kind("edit")) == 1


async def test_reveal_carries_each_options_explanation_and_the_erratum(engine, cards, clock):
    """An authored question's why-lines and erratum travel with the round (stored with it, so a
    restart or a deck edit changes nothing) and arrive in the reveal, in option order."""
    authored = {
        **question_for(cards[0]).to_dict(),
        "origin": "authored",
        "explanations": ["why one", "why two", "why three", "why four"],
        "erratum": "The card says X; Y is right.",
    }
    round_id = await engine.open_round(CHANNEL, authored, "daily", EIGHT_HOURS)
    clock.set(EIGHT_HOURS)
    reveal = await engine.reveal(round_id)
    assert reveal is not None
    assert reveal.explanations == ("why one", "why two", "why three", "why four")
    assert reveal.erratum == "The card says X; Y is right."
    assert await engine.reveal_of(round_id) == reveal  # the stored reveal keeps them too


async def test_a_trivia_reveal_says_the_canonical_answer_and_what_else_is_accepted(
    store, clock, poster
):
    # A Red trivia card's answer is its accepted spellings joined; the reveal must not show
    # "1972 / '72" as if it were the answer.
    godfather = Card("godf", "films", "films", "core", "qa", "1",
                     "What year was The Godfather released?", "1972 / '72 / 1972.",
                     "films.yaml:4")  # fmt: skip
    jaws = Card("jaws", "films", "films", "core", "qa", "2", "Who directed Jaws?",
                "Steven Spielberg / Spielberg", "films.yaml:8")  # fmt: skip
    engine = Engine(store, [godfather, jaws], clock, poster, FakeMaker([godfather, jaws]))
    shown = {}
    for card in (godfather, jaws):
        round_id = await engine.open_round(CHANNEL, question_for(card), "daily", EIGHT_HOURS)
        clock.set(EIGHT_HOURS)
        reveal = await engine.reveal(round_id)
        assert reveal is not None
        shown[card.id] = reveal.answer
        clock.set(START)
    assert shown["godf"] == "1972\n\nAlso accepted: '72"
    assert shown["jaws"] == "Steven Spielberg"  # the surname alone tells nothing new
