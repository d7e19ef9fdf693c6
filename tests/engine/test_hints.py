"""Hints through the engine and a real SQLite file: taken before answering, stored, priced at
the reveal, rated Hard, counted on the boards; refused after answering or once closed."""

from __future__ import annotations

from datetime import timedelta

from enginekit import CHANNEL, START, FakeMaker, Q, make_cards, player
from fsrs import Rating

from bot.clock import FakeClock
from bot.engine import Engine
from bot.ports import MemoryPoster
from bot.questions.hints import letters, removed_options
from bot.questions.model import Question
from bot.scoring import base_points, hint_cost, hint_label
from bot.store import Store

CLOSES = START + timedelta(hours=7)
OPTIONS = ("one", "two", "three", "four")


def choice(card_id: str = "card00") -> Q:
    return Q(card_id, "choice", "Which one?", OPTIONS, 1)


async def test_a_hint_then_a_right_answer_earns_half_the_base_and_rates_hard(engine, store):
    round_id = await engine.open_round(CHANNEL, choice(), "daily", CLOSES)
    hint = await engine.hint(round_id, player(1))
    assert hint.status == "hinted" and hint.format == "choice"
    removed = removed_options(round_id, 4, 1)
    assert 1 not in removed and len(removed) == 2
    gone = " or ".join("ABCD"[i] for i in removed)
    assert f"It is not {gone}." in hint.text
    assert hint.text.startswith("Hint (a right answer now earns 5 points less)")
    assert [i for i, _ in hint.left] == [i for i in range(4) if i not in removed]
    assert all(text == OPTIONS[i] for i, text in hint.left)
    # Both answer on the same instant: only the hint tells their points apart.
    assert (await engine.answer(round_id, player(1), 1)).status == "locked_in"
    assert (await engine.answer(round_id, player(2), 1)).status == "locked_in"
    rows = await store.fetchall("SELECT user_id, hints FROM answers ORDER BY user_id")
    assert [tuple(r) for r in rows] == [("u1", 1), ("u2", 0)]
    engine.clock.set(CLOSES)
    reveal = await engine.reveal(round_id)
    points = dict(reveal.right)
    assert points["Player 2"] - points["Player 1"] == hint_cost("core") == 5
    ratings = await store.fetchall(
        "SELECT m.user_id, r.rating FROM reviews r JOIN memory m ON m.id = r.memory_id"
        " ORDER BY m.user_id"
    )
    assert [(r[0], r[1]) for r in ratings] == [("u1", Rating.Hard), ("u2", Rating.Good)]
    board = await engine.leaderboard(CHANNEL, "week")
    by_name = {row.name: row.points for row in board.rows}
    assert by_name["Player 2"] - by_name["Player 1"] == 5


async def test_a_hint_after_answering_is_refused_and_costs_nothing(engine, store):
    round_id = await engine.open_round(CHANNEL, choice(), "daily", CLOSES)
    await engine.answer(round_id, player(1), 1)
    late = await engine.hint(round_id, player(1))
    assert late.status == "already_answered" and "no hint was given" in late.text
    assert (await store.fetchone("SELECT count(*) FROM round_hints"))[0] == 0
    assert (await store.fetchone("SELECT hints FROM answers"))[0] == 0


async def test_a_hint_on_a_closed_round_is_refused(engine, clock, store):
    round_id = await engine.open_round(CHANNEL, choice(), "daily", CLOSES)
    clock.set(CLOSES)
    await engine.reveal(round_id)
    closed = await engine.hint(round_id, player(1))
    assert closed.status == "closed"
    assert closed.text == "This round is closed: the answer was revealed at 16:00 UTC."
    assert (await store.fetchone("SELECT count(*) FROM round_hints"))[0] == 0
    unknown = await engine.hint(9999, player(1))
    assert unknown.status == "unknown_round"


async def test_asking_twice_gives_the_same_hint_once(engine, store):
    round_id = await engine.open_round(CHANNEL, choice(), "daily", CLOSES)
    first = await engine.hint(round_id, player(1))
    again = await engine.hint(round_id, player(1))
    assert again.status == "hinted" and again.left == first.left
    assert again.text.startswith("Your hint again (a right answer now earns 5 points less)")
    assert (await store.fetchone("SELECT count(*) FROM round_hints"))[0] == 1


async def test_a_typed_hint_spells_the_start_and_counts_for_a_typed_answer(engine, store, clock):
    question = Question(
        "card02", "typed", "How do networks learn?", (), None, accepted=("backpropagation",)
    )
    round_id = await engine.open_round(CHANNEL, question, "daily", CLOSES)
    hint = await engine.hint(round_id, player(1))
    # card02 is advanced: 15 base points, the hint costs 7.
    assert hint.text == (
        "Hint (a right answer now earns 7 points less): b______________ (15 letters)"
    )
    await engine.answer_text(round_id, player(1), "backpropagation")
    await engine.answer_text(round_id, player(2), "backpropagation")
    clock.set(CLOSES)
    points = dict((await engine.reveal(round_id)).right)
    assert points["Player 2"] - points["Player 1"] == hint_cost("advanced") == 7


async def test_a_cloze_hint_spells_the_key_option(engine):
    question = Q("card00", "cloze", "Gradients ___.", ("vanish", "explode", "stay", "grow"), 0)
    round_id = await engine.open_round(CHANNEL, question, "quiz", START + timedelta(seconds=30))
    hint = await engine.hint(round_id, player(1))
    assert hint.text.endswith(": v_____ (6 letters)") and hint.left == ()


async def test_a_hint_taken_before_a_restart_still_counts(tmp_path):
    """Another process (or the same one restarted) sees the hint when the answer comes."""
    cards = make_cards()
    clock = FakeClock(START)
    first = await Store.open(tmp_path / "quiz.db")
    engine = Engine(first, cards, clock, MemoryPoster(), FakeMaker(cards))
    round_id = await engine.open_round(CHANNEL, choice(), "daily", CLOSES)
    await engine.hint(round_id, player(1))
    await first.close()
    second = await Store.open(tmp_path / "quiz.db")
    try:
        again = Engine(second, cards, clock, MemoryPoster(), FakeMaker(cards))
        assert (await again.answer(round_id, player(1), 1)).status == "locked_in"
        clock.set(CLOSES)
        [(_, points)] = (await again.reveal(round_id)).right
        # Answered at the very start: the full speed bonus, half the base.
        assert points == base_points("core") - hint_cost("core") + 5
    finally:
        await second.close()


async def test_a_practice_hint_then_an_answer_is_hinted(engine, store):
    reply = await engine.practice_next(player(1), new_run=True)
    assert reply.question is not None
    round_id = reply.question.round_id
    assert (await engine.hint(round_id, player(1))).status == "hinted"
    # Someone else's practice question has no hint for them.
    assert (await engine.hint(round_id, player(2))).status == "unknown_round"
    result = await engine.answer(round_id, player(1), 1)
    assert result.reveal is not None
    assert (await store.fetchone("SELECT hints, points FROM answers"))[0] == 1


def test_the_hint_is_priced_up_front_and_spelled_plainly():
    assert hint_label("core") == "Hint (-5 points)"
    assert hint_label("advanced") == "Hint (-7 points)"
    assert letters("gradient descent") == "g_______ d______ (8+7 letters)"
    assert letters("1986") == "1___ (4 digits)"
    assert letters("−y_i x_i") == "−y_· x_· (2+2 letters)"
    assert letters("tanh") == "t___ (4 letters)"
    assert letters("L2") == "L_ (2 characters)"
    assert letters("η") == "_ (1 letter)"
    assert letters("Rumelhart, Hinton") == "R________, H_____ (9+6 letters)"


def test_removed_options_never_take_the_key_and_stay_put():
    for round_id in range(1, 200):
        for key in range(4):
            removed = removed_options(round_id, 4, key)
            assert key not in removed and len(set(removed)) == 2
            assert removed == removed_options(round_id, 4, key)
    assert removed_options(5, 3, 0) in ((1,), (2,))


async def test_a_regrade_rescores_a_hinted_answer_as_hinted(engine, clock, store):
    """An admin accepting a second option rescores answers by the same rules: a hint taken
    before answering still costs its points and still rates Hard."""
    round_id = await engine.open_round(CHANNEL, choice("card04"), "daily", CLOSES)
    removed = removed_options(round_id, 4, 1)
    still_in = next(i for i in range(4) if i not in removed and i != 1)
    await engine.hint(round_id, player(1))
    await engine.answer(round_id, player(1), still_in)
    await engine.answer(round_id, player(2), still_in)
    clock.set(CLOSES)
    await engine.reveal(round_id)
    await engine.reports.report(round_id, player(2), CHANNEL, "two_right", "also right")
    admin = player(99)
    letter = "ABCD"[still_in]
    done = await engine.reports.decide(CHANNEL, admin, True, "card04", "accept", letter)
    assert "rescored" in done.text, done.text
    rows = await store.fetchall("SELECT user_id, points FROM answers ORDER BY user_id")
    points = {r["user_id"]: r["points"] for r in rows}
    assert points["u2"] - points["u1"] == hint_cost("core") == 5
    ratings = await store.fetchall(
        "SELECT m.user_id, r.rating FROM reviews r JOIN memory m ON m.id = r.memory_id"
        " ORDER BY m.user_id"
    )
    assert [(r[0], r[1]) for r in ratings] == [("u1", Rating.Hard), ("u2", Rating.Good)]
