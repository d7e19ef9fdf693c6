"""Reports of bad questions, holds and regrades, on a real SQLite file with a fake clock."""

from __future__ import annotations

import asyncio
import random
import tempfile
from datetime import timedelta
from pathlib import Path

from enginekit import CHANNEL, START, FakeMaker, Q, make_cards, player
from hypothesis import given, settings
from hypothesis import strategies as st
from recompute import (
    boards_from_answers,
    boards_stored,
    review_ratings,
    runs_from_answers,
    runs_stored,
)

from bot.clock import FakeClock
from bot.engine import Engine
from bot.engine.reports import NOTE_MAX
from bot.messages import QuestionMessage, RevealMessage
from bot.ports import MemoryPoster, Place
from bot.store import Store

OTHER_CHANNEL = Place("discord", "guild1", "chan2")
OPTIONS = ("one", "two", "three", "four")  # the key is "two" (B)
ADMIN = player(99)


async def daily(engine: Engine, clock: FakeClock, card_id: str, place: Place = CHANNEL) -> int:
    return await engine.open_round(
        place,
        Q(card_id, "choice", f"{card_id}?", OPTIONS, 1),
        "daily",
        clock.now() + timedelta(hours=8),
    )


async def answered_and_revealed(engine, clock, card_id: str, picks: dict[int, int]) -> int:
    round_id = await daily(engine, clock, card_id)
    for who, option in picks.items():
        clock.advance(minutes=5)
        assert (await engine.answer(round_id, player(who), option)).status == "locked_in"
    clock.advance(hours=8)
    assert await engine.reveal(round_id) is not None
    return round_id


async def count(store: Store, sql: str, params: tuple = ()) -> int:
    return (await store.fetchone(sql, params))[0]


async def points_of(store: Store, user_id: str, period: str = "all") -> int | None:
    row = await store.fetchone(
        "SELECT points FROM scores WHERE server_id='guild1' AND channel_id='*' AND period_kind=?"
        " AND user_id=?",
        (period, user_id),
    )
    return row[0] if row else None


async def test_two_reports_hold_a_card_out_of_quick_quizzes_until_an_admin_keeps_it(
    engine, clock, store, poster
):
    round_id = await answered_and_revealed(engine, clock, "card00", {1: 1, 2: 2})
    first = await engine.reports.report(round_id, player(1), CHANNEL, "2", "B and C are both fine")
    assert "Thank you" in first.text
    assert "card00" not in await engine.reports.held(CHANNEL)  # one report is not enough
    again = await engine.reports.report(round_id, player(1), CHANNEL, "unclear")
    assert "already reported" in again.text
    await engine.reports.report(round_id, player(2), OTHER_CHANNEL, "Wrong answer key")
    assert "card00" in await engine.reports.held(CHANNEL)  # the whole server, every channel
    assert "card00" not in await engine.reports.held(Place("discord", "guild2", "c"))

    started = await engine.start_quiz(CHANNEL, player(3), count=12, seconds=30)
    assert started.status == "started"
    asked = poster.messages(QuestionMessage)[-1]
    assert asked.prompt != "Question 0?"
    quiz_cards = await store.fetchall("SELECT card_id FROM rounds WHERE quiz_id IS NOT NULL")
    assert "card00" not in {r[0] for r in quiz_cards}
    await engine.stop_quiz(CHANNEL, player(3), is_admin=True)

    view = await engine.reports.admin_view(CHANNEL, is_admin=True)
    assert "card00" in view.text and "2 reports" in view.text and "held" in view.text
    kept = await engine.reports.decide(CHANNEL, ADMIN, True, "card00", "keep")
    assert "Kept card00" in kept.text
    assert "card00" not in await engine.reports.held(CHANNEL)
    states = {r.user_id: r.state for r in await engine.reports.every_report()}
    assert states == {"u1": "keep", "u2": "keep"}


async def test_an_admin_set_threshold_of_one_holds_at_the_first_report(engine, clock):
    round_id = await answered_and_revealed(engine, clock, "card01", {1: 1})
    refused = await engine.reports.set_hold_after(CHANNEL, player(1), False, 1)
    assert "Only server admins" in refused.text
    assert (
        "once 1 player reports it"
        in (await engine.reports.set_hold_after(CHANNEL, ADMIN, True, 1)).text
    )
    assert "1 to 50" in (await engine.reports.set_hold_after(CHANNEL, ADMIN, True, 0)).text
    await engine.reports.report(round_id, player(1), CHANNEL, "display")
    assert await engine.reports.held(CHANNEL) == {"card01"}


async def test_a_report_of_an_unknown_question_is_refused_and_stores_nothing(engine, store):
    notice = await engine.reports.report(4242, player(1), CHANNEL, "other", "what?")
    assert "That question cannot be reported" in notice.text
    assert await count(store, "SELECT count(*) FROM card_reports") == 0


async def test_a_ten_thousand_character_note_is_refused_with_the_limit(engine, clock, store):
    round_id = await answered_and_revealed(engine, clock, "card02", {1: 1})
    notice = await engine.reports.report(round_id, player(1), CHANNEL, "other", "x" * 10_000)
    assert f"10000 characters; the limit is {NOTE_MAX}" in notice.text
    assert "Nothing was reported" in notice.text
    assert await count(store, "SELECT count(*) FROM card_reports") == 0
    bad = await engine.reports.report(round_id, player(1), CHANNEL, "because")
    assert "not one of the reasons" in bad.text and "1: wrong answer key" in bad.text
    assert await count(store, "SELECT count(*) FROM card_reports") == 0


async def test_a_regrade_by_a_non_admin_is_refused_and_changes_nothing(engine, clock, store):
    round_id = await answered_and_revealed(engine, clock, "card03", {1: 1, 2: 2})
    await engine.reports.report(round_id, player(2), CHANNEL, "two_right")
    before = await store.fetchall("SELECT * FROM scores ORDER BY 1,2,3,4,5,6")
    for decision in ("accept", "void", "hold", "keep"):
        notice = await engine.reports.decide(CHANNEL, player(2), False, "card03", decision, "C")
        assert "Only server admins" in notice.text
    assert [
        tuple(r) for r in await store.fetchall("SELECT * FROM scores ORDER BY 1,2,3,4,5,6")
    ] == [tuple(r) for r in before]
    assert await count(store, "SELECT count(*) FROM card_decisions") == 0
    view = await engine.reports.admin_view(CHANNEL, is_admin=False)
    assert "Only server admins" in view.text
    unknown = await engine.reports.decide(CHANNEL, ADMIN, True, "no-such-card", "hold")
    assert "There is no card 'no-such-card' here" in unknown.text
    assert await count(store, "SELECT count(*) FROM card_decisions") == 0


async def test_accepting_a_second_option_rescores_once_and_edits_the_reveal(
    engine, clock, store, poster
):
    round_id = await answered_and_revealed(engine, clock, "card04", {1: 1, 2: 2, 3: 3})
    assert await points_of(store, "u2") == 0
    await engine.reports.report(round_id, player(2), CHANNEL, "two_right", "C is right too")
    bad = await engine.reports.decide(CHANNEL, ADMIN, True, "card04", "accept", "B")
    assert "Name the option to accept" in bad.text  # B is the key already
    done = await engine.reports.decide(CHANNEL, ADMIN, True, "card04", "accept", "C")
    assert "(asked here once)" in done.text and "1 answer from 1 player rescored" in done.text
    assert "1 post edited" in done.text
    gained = await points_of(store, "u2")
    assert gained is not None and gained > 0
    assert await points_of(store, "u2", "week") == gained
    assert await points_of(store, "u3") == 0
    edit = poster.of_kind("edit")[-1]
    message = edit[3]
    assert isinstance(message, RevealMessage) and message.round_id == round_id
    assert (
        message.correction is not None and "“three” is also counted as right" in message.correction
    )
    assert "Player 2" in {name for name, _ in message.right}

    again = await engine.reports.decide(CHANNEL, ADMIN, True, "card04", "accept", "C")
    assert "already done" in again.text or "no open reports" in again.text
    assert await points_of(store, "u2") == gained
    assert "card04" in await engine.reports.held(CHANNEL)  # regraded: out until a keep
    review = await store.fetchone(
        "SELECT v.rating FROM reviews v JOIN memory m ON m.id = v.memory_id WHERE m.user_id='u2'"
    )
    assert review[0] == 3  # Good, no longer Again


async def test_voiding_takes_the_rounds_off_every_board_and_out_of_streaks(engine, clock, store):
    first = await answered_and_revealed(engine, clock, "card05", {1: 1})
    clock.advance(days=1)
    await answered_and_revealed(engine, clock, "card06", {1: 1})
    streak = await store.fetchall("SELECT first_day, last_day FROM streak_runs WHERE user_id='u1'")
    assert len(streak) == 1 and streak[0][1] - streak[0][0] == 1
    await engine.reports.report(first, player(1), CHANNEL, "unclear")
    done = await engine.reports.decide(CHANNEL, ADMIN, True, "card05", "void")
    assert "(asked here once): it no longer counts for anyone" in done.text
    # The second day's answer loses its streak bonus (+1) with the first day gone.
    assert await count(store, "SELECT count(*) FROM streak_runs WHERE user_id='u1'") == 1
    runs = await store.fetchall("SELECT first_day, last_day FROM streak_runs WHERE user_id='u1'")
    assert runs[0][0] == runs[0][1]
    assert await boards_stored(store) == await boards_from_answers(store)
    answered = await store.fetchone(
        "SELECT answered FROM scores WHERE channel_id='*' AND period_kind='all' AND user_id='u1'"
    )
    assert answered[0] == 1
    assert await count(store, "SELECT count(*) FROM memory WHERE card_id='card05'") == 0


class FailingRules:
    """The real rules, except that rescoring fails after `after` answers: a crash halfway."""

    def __init__(self, after: int) -> None:
        from bot.engine.reports import RULES

        self.inner, self.left = RULES, after
        self.streak_reach = RULES.streak_reach

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def points(self, answer, streak_days):
        if self.left == 0:
            raise RuntimeError("killed halfway")
        self.left -= 1
        return self.inner.points(answer, streak_days)


async def test_a_regrade_killed_halfway_changes_nothing_and_a_retry_applies_it_once(
    engine, clock, store
):
    round_id = await answered_and_revealed(engine, clock, "card07", {1: 2, 2: 2, 3: 1})
    await engine.reports.report(round_id, player(1), CHANNEL, "wrong_key")
    before = [tuple(r) for r in await store.fetchall("SELECT * FROM scores ORDER BY 1,2,3,4,5,6")]
    now = clock.now()
    try:
        await engine.storage.regrade_card(
            "discord", "guild1", "card07", "accept", "three", "u99", now, FailingRules(1)
        )
    except RuntimeError:
        pass
    else:
        raise AssertionError("the failing regrade did not fail")
    after = [tuple(r) for r in await store.fetchall("SELECT * FROM scores ORDER BY 1,2,3,4,5,6")]
    assert after == before
    assert await count(store, "SELECT count(*) FROM card_decisions") == 0
    assert await count(store, "SELECT count(*) FROM rounds WHERE also_index IS NOT NULL") == 0
    done = await engine.reports.decide(CHANNEL, ADMIN, True, "card07", "accept", "C")
    assert "2 answers from 2 players" in done.text
    assert await boards_stored(store) == await boards_from_answers(store)


async def play_randomly(seed: int, folder: Path) -> None:
    rng = random.Random(seed)
    cards = make_cards(4)
    clock = FakeClock(START)
    poster = MemoryPoster()
    async with await Store.open(folder / "quiz.db") as store:
        engine = Engine(store, cards, clock, poster, FakeMaker(cards))
        places = [CHANNEL, OTHER_CHANNEL]
        for _day in range(rng.randint(3, 9)):
            rounds = []
            for place in places:
                if rng.random() < 0.8:
                    card = rng.choice(cards).id
                    mode = rng.choice(["daily", "daily", "quiz"])
                    rounds.append(
                        await engine.open_round(
                            place,
                            Q(card, "choice", f"{card}?", OPTIONS, rng.randrange(4)),
                            mode,
                            clock.now() + timedelta(hours=rng.choice([1, 8, 30])),
                        )
                    )
            for _ in range(rng.randint(0, 12)):
                clock.advance(minutes=rng.randint(1, 50))
                if rounds:
                    await engine.answer(
                        rng.choice(rounds), player(rng.randrange(5)), rng.randrange(4)
                    )
            clock.advance(hours=rng.randint(8, 30))
            await engine.tick()
            revealed = await store.fetchall("SELECT id, card_id FROM rounds WHERE state='revealed'")
            for _ in range(rng.randint(0, 3)):
                if not revealed:
                    break
                round_id, card_id = rng.choice(revealed)
                who = player(rng.randrange(5))
                await engine.reports.report(round_id, who, rng.choice(places), rng.choice("12345"))
                if rng.random() < 0.6:
                    decision = rng.choice(["accept", "accept", "void", "keep", "hold"])
                    await engine.reports.decide(
                        rng.choice(places), ADMIN, True, card_id, decision, rng.choice("ABCD")
                    )
        clock.advance(days=3)
        await engine.tick()
        assert await boards_stored(store) == await boards_from_answers(store)
        assert await runs_stored(store) == await runs_from_answers(store)
        stored, expected = await review_ratings(store)
        assert stored == expected
        decided = await store.fetchone("SELECT count(*) FROM card_decisions")
        assert decided is not None


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=2**32))
def test_after_random_reports_and_regrades_every_board_equals_a_recomputation(seed: int):
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(play_randomly(seed, Path(folder)))
