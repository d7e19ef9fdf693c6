"""Typed answers through the engine and a real SQLite file: read tolerantly, stored with the
text and the reading, scored like a choice, and shown at the reveal."""

from __future__ import annotations

from datetime import timedelta

from enginekit import CHANNEL, START, FakeMaker, player, question_for

from bot.engine import Engine
from bot.questions.model import Question

CLOSES = START + timedelta(hours=7)  # 16:00 UTC = 17:00 CET on that Monday in March


def typed(card_id: str = "card00", *accepted: str) -> Question:
    answers = accepted or ("backpropagation", "backprop")
    return Question(card_id, "typed", "How do networks learn their weights?", (), None,
                    accepted=answers)  # fmt: skip


async def open_typed(engine, mode: str = "daily", **kw) -> int:
    return await engine.open_round(CHANNEL, typed(), mode, CLOSES, **kw)


async def test_a_loose_typing_is_locked_in_saying_how_it_was_read(engine, store):
    await engine.set_place_zone(CHANNEL, "Europe/Berlin")
    round_id = await open_typed(engine)
    result = await engine.answer_text(round_id, player(1), "  Backpropogation ")
    assert result.status == "locked_in"
    assert (
        result.text
        == "Locked in: 'Backpropogation', read as 'backpropagation'. Reveal at 17:00 CET"
    )
    assert result.read_as == "backpropagation"
    row = await store.fetchone(
        "SELECT typed, read_as, option_index FROM answers WHERE round_id=?", (round_id,)
    )
    assert tuple(row) == ("Backpropogation", "backpropagation", 0)


async def test_an_exact_typing_is_not_explained_and_a_wrong_one_is_kept(engine, store):
    round_id = await open_typed(engine)
    exact = await engine.answer_text(round_id, player(1), "Backprop")
    assert exact.text == "Locked in: 'Backprop'. Reveal at 16:00 UTC" and exact.read_as is None
    wrong = await engine.answer_text(round_id, player(2), "gradient descent")
    assert wrong.status == "locked_in" and wrong.text.startswith("Locked in: 'gradient descent'.")
    row = await store.fetchone(
        "SELECT typed, read_as, option_index FROM answers WHERE user_id=?", (player(2).user_id,)
    )
    assert tuple(row) == ("gradient descent", None, -1)


async def test_a_second_submission_keeps_the_first(engine, store):
    round_id = await open_typed(engine)
    await engine.answer_text(round_id, player(1), "sgd")
    again = await engine.answer_text(round_id, player(1), "backpropagation")
    assert again.status == "already_answered" and again.typed == "sgd"
    assert again.text == "You already answered 'sgd'. One answer per round: it stays locked in."
    rows = await store.fetchall("SELECT typed, read_as FROM answers WHERE round_id=?", (round_id,))
    assert [tuple(r) for r in rows] == [("sgd", None)]


async def test_a_submission_after_the_reveal_is_refused_and_not_stored(engine, clock, store):
    round_id = await open_typed(engine)
    clock.set(CLOSES)
    await engine.reveal(round_id)
    late = await engine.answer_text(round_id, player(1), "backpropagation")
    assert late.status == "closed"
    assert late.text == "This round is closed: the answer was revealed at 16:00 UTC."
    assert (await store.fetchone("SELECT count(*) FROM answers"))[0] == 0


async def test_the_reveal_scores_like_a_choice_and_shows_what_was_typed(engine, clock):
    round_id = await open_typed(engine)
    said = ["Backpropagation", "backprop", "the backpropagation!", "sgd", "SGD", "adam or sgd",
            "x", "y", "z"]  # fmt: skip
    for n, text in enumerate(said):
        clock.advance(minutes=10)
        assert (await engine.answer_text(round_id, player(n), text)).status == "locked_in"
    clock.set(CLOSES)
    reveal = await engine.reveal(round_id)
    assert reveal is not None
    assert reveal.accepted == ("backpropagation", "backprop")
    assert [name for name, _ in reveal.right] == ["Player 0", "Player 1", "Player 2"]
    assert all(points > 0 for _, points in reveal.right)
    assert reveal.wrong_count == 6 and reveal.answered == 9
    # Normalised, most common first, five at most.
    assert reveal.typed_answers[:2] == (("backpropagation", 2), ("sgd", 2))
    assert len(reveal.typed_answers) == 5
    # Of those five, the ones that counted ("sgd", "x", "y" did not).
    assert reveal.typed_right == ("backpropagation", "backprop")
    # Shown again from the store, it says the same.
    assert await engine.reveal_of(round_id) == reveal


async def test_clicks_and_typing_go_only_where_they_belong(engine, cards):
    typed_round = await open_typed(engine)
    click = await engine.answer(typed_round, player(1), 0)
    assert click.status == "bad_option" and click.text == "This question takes a typed answer."
    choice_round = await engine.open_round(CHANNEL, question_for(cards[1]), "daily", CLOSES)
    text = await engine.answer_text(choice_round, player(1), "two")
    assert text.status == "bad_option"
    assert text.text == "This question has options: pick one of A-D."


async def test_empty_or_overlong_typing_is_refused_and_nothing_is_lost(engine, store):
    round_id = await open_typed(engine)
    empty = await engine.answer_text(round_id, player(1), "   ")
    assert empty.status == "bad_option" and "nothing was typed" in empty.text
    long = await engine.answer_text(round_id, player(1), "x" * 500)
    assert long.status == "bad_option" and "500 characters" in long.text
    assert (await store.fetchone("SELECT count(*) FROM answers"))[0] == 0
    # The player may still answer.
    assert (await engine.answer_text(round_id, player(1), "backprop")).status == "locked_in"


class TypedMaker(FakeMaker):
    """Asks every card typed, its accepted answers those of `typed()`."""

    def generate(self, count: int, seed: int, fmt: str = "mixed", **kw) -> list[Question]:
        return [typed(q.card_id) for q in super().generate(count, seed, fmt, **kw)]


async def test_a_typed_practice_question_is_marked_at_once(store, cards, clock, poster):
    engine = Engine(store, cards, clock, poster, TypedMaker(cards))
    ada = player(1)
    first = await engine.practice_next(ada, None, None, "typed")
    assert first.question is not None and first.question.format == "typed"
    result = await engine.answer_text(first.question.round_id, ada, "backpropogation")
    assert result.text == "Correct: 'backpropogation', read as 'backpropagation'."
    assert result.reveal is not None and result.reveal.right
    second = await engine.practice_next(ada, None, None, "typed")
    assert second.question is not None
    result = await engine.answer_text(second.question.round_id, ada, "air")
    assert result.text == "Not quite: you typed 'air'; the answer is 'backpropagation'."
    assert result.reveal is not None and result.reveal.wrong_count == 1


async def test_a_refused_typing_stored_with_the_round_is_wrong_however_close(engine, store):
    # An authored cloze asked typed keeps its wrong options with the round: "decreases" is
    # within the typo allowance of "increases", and still wrong.
    question = Question("card00", "typed", "As the batch grows, the noise of each step ___.",
                        (), None, accepted=("decreases",),
                        refused=("increases", "stays the same", "doubles"))  # fmt: skip
    round_id = await engine.open_round(CHANNEL, question, "daily", CLOSES)
    wrong = await engine.answer_text(round_id, player(1), "increases")
    assert wrong.status == "locked_in" and wrong.read_as is None
    right = await engine.answer_text(round_id, player(2), "decreses")
    assert right.read_as == "decreases"
    rows = await store.fetchall(
        "SELECT user_id, option_index FROM answers WHERE round_id=? ORDER BY user_id",
        (round_id,),
    )
    assert [r[1] for r in rows] == [-1, 0]


async def test_a_blank_typed_with_the_word_after_it_counts_and_says_how_it_was_read(engine):
    blank = Question("card00", "typed", "In deep CNNs, _____ connections ease vanishing gradients.",
                     (), None, accepted=("skip", "residual"))  # fmt: skip
    round_id = await engine.open_round(CHANNEL, blank, "daily", CLOSES)
    result = await engine.answer_text(round_id, player(1), "Skip connections")
    assert result.status == "locked_in" and result.read_as == "skip"
    assert result.text == "Locked in: 'Skip connections', read as 'skip'. Reveal at 16:00 UTC"
    wrong = await engine.answer_text(round_id, player(2), "dense connections")
    assert wrong.status == "locked_in" and wrong.read_as is None
