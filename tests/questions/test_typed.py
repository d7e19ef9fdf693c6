"""The typed format: which cards get one, with which accepted answers, and how it prints."""

from __future__ import annotations

import json
from pathlib import Path

from bot.cards import load_library
from bot.cli import main
from bot.paths import seed_dirs
from bot.questions import QuestionMaker
from bot.questions.formats import (
    CHAT_FORMATS,
    DAILY_FORMATS,
    FORMATS,
    PLAY_FORMATS,
    QUESTION_FORMATS,
)
from bot.questions.matching import match, split_tolerance
from bot.questions.typed import short_answer

DECKS = Path(__file__).parent / "decks"
SHIPPED = Path(__file__).resolve().parents[2] / "seeds"


def typed(paths: list[Path]) -> tuple[int, list]:
    library = load_library(paths)
    maker = QuestionMaker(library.cards, library.items)
    qa = [c for c in library.cards if c.kind == "qa"]
    return len(qa), [q for c in qa if (q := maker.make(c, "typed", 0)) is not None]


def test_typed_is_one_entry_in_the_format_table_played_everywhere():
    assert FORMATS["typed"].scored and FORMATS["typed"].served
    assert "typed" in QUESTION_FORMATS and "typed" in PLAY_FORMATS
    # Discord and Slack open a text box (a modal) for it, so chats and schedules offer it.
    assert FORMATS["typed"].in_chat
    assert "typed" in CHAT_FORMATS and "typed" in DAILY_FORMATS
    # "mixed" never draws it at random: it asks typed exactly the cards that fit it.
    assert not FORMATS["typed"].mixable


def test_every_card_of_a_red_trivia_list_is_typed_with_every_listed_answer():
    count, questions = typed([DECKS / "films.yaml"])
    assert count == len(questions) == 28
    godfather = next(q for q in questions if "Godfather released" in q.prompt)
    assert godfather.accepted == ("1972", "'72")
    assert godfather.options == () and godfather.answer_index is None
    oscars = next(q for q in questions if "Oscars did Ben Hur" in q.prompt)
    assert oscars.accepted == ("11", "eleven")
    assert match("Eleven", oscars.accepted).correct
    assert not match("1", oscars.accepted).correct


def test_a_cloze_blank_alone_is_not_asked_typed():
    """A blank's one key term, with no accepted answers declared, would refuse every other fair
    way of saying it: an Anki export of sentence answers gets no typed question, and says why."""
    count, questions = typed([DECKS / "anki-optim.tsv"])
    assert count == 15 and questions == []
    library = load_library([DECKS / "anki-optim.tsv"])
    maker = QuestionMaker(library.cards, library.items)
    reasons = {maker.skipped(card, "typed") for card in library.cards}
    assert reasons == {
        "its answer is longer than 4 words: no short answer with accepted answers to read a "
        "typing against"
    }


def test_the_shipped_deck_is_typed_only_where_its_item_lists_accepted_answers():
    count, questions = typed([SHIPPED])
    # 8 cards typed by their question, 80 by their cloze sentence.
    assert count == 220 and len(questions) == 88
    assert all(q.origin == "authored" for q in questions)  # every shipped card has an item
    library = load_library([SHIPPED])
    maker = QuestionMaker(library.cards, library.items)
    for q in questions:
        item = library.items[q.card_id]
        card = library.by_id(q.card_id)
        assert card is not None and q.accepted
        if item.accepted:  # the item's stem wins over its cloze
            assert q.prompt == item.choice.prompt and q.accepted == item.accepted
        else:
            assert item.cloze is not None and q.accepted == item.cloze.accepted
            assert "_____" in q.prompt and q.accepted[0] == item.cloze.key.text
    typed_ids = {q.card_id for q in questions}
    # "mixed" asks exactly these cards typed.
    assert {c.id for c in library.cards if maker.typed_fits(c)} == typed_ids


def test_an_items_accepted_list_is_the_typed_answer(tmp_path: Path):
    (tmp_path / "t.md").write_text(
        "## Activations\n\n| # | Question | Answer |\n| :-: | :-- | :-- |\n"
        "| 1 | Which activation is max(0, x)? | The **rectified linear unit**, used in "
        "most deep networks because its gradient does not vanish for positive inputs. |\n",
        encoding="utf-8",
    )
    library = load_library([tmp_path])
    card = library.cards[0]
    (tmp_path / "t.items.yaml").write_text(
        f"items:\n  - card: {card.id}\n    stem: Which activation function computes max(0, x)?\n"
        "    key: ReLU\n    why: It passes positives and zeroes negatives.\n"
        "    distractors:\n      - text: tanh\n        why: Bounded.\n"
        "      - text: sigmoid\n        why: Bounded.\n      - text: softplus\n"
        "        why: Smooth.\n    accepted: [ReLU, rectified linear unit]\n",
        encoding="utf-8",
    )
    library = load_library([tmp_path])
    question = QuestionMaker(library.cards, library.items).make(card, "typed", 1)
    assert question is not None and question.origin == "authored"
    assert question.accepted == ("ReLU", "rectified linear unit")
    # The stem, written to be answered before any option is seen, not the card's question.
    assert question.prompt == "Which activation function computes max(0, x)?"


def test_a_short_csv_answer_is_typed_and_a_long_one_is_not(tmp_path: Path):
    (tmp_path / "q.csv").write_text(
        "question,answer\n"
        "Which optimiser keeps averages of gradients and their squares?,Adam\n"
        "Who proposed backpropagation for neural networks in 1986?,Rumelhart (and colleagues)\n"
        "Why does a deep network need a nonlinearity?,Without one every layer composes into a "
        "single linear map so depth adds nothing\n",
        encoding="utf-8",
    )
    library = load_library([tmp_path])
    maker = QuestionMaker(library.cards, library.items)
    adam, rumelhart, why = library.cards
    assert maker.make(adam, "typed", 0).accepted == ("Adam",)
    assert maker.make(rumelhart, "typed", 0).accepted == ("Rumelhart (and colleagues)", "Rumelhart")
    assert maker.make(why, "typed", 0) is None
    assert maker.skipped(why, "typed") is not None and maker.skipped(adam, "typed") is None


def test_short_answer_limits():
    assert short_answer("**Paris**") == "Paris"
    assert short_answer("one two three four") == "one two three four"
    assert short_answer("one two three four five") is None
    assert short_answer("It settles.") is None
    assert short_answer("x" * 41) is None


def test_questions_command_prints_typed_json_lines(capsys):
    argv = ["questions", "--count", "5", "--seed", "2", "--format", "typed"]
    assert main(argv) == 0
    first = capsys.readouterr().out
    assert main(argv) == 0
    assert capsys.readouterr().out == first
    rows = [json.loads(line) for line in first.splitlines()]
    assert len(rows) == 5
    for row in rows:
        assert list(row)[:4] == ["card_id", "format", "prompt", "accepted"]
        assert row["format"] == "typed" and row["accepted"] and "options" not in row


def test_questions_command_refuses_to_audit_typed(capsys):
    assert main(["questions", "--audit", "--format", "typed"]) == 2
    assert "has none" in capsys.readouterr().err


def test_questions_command_lists_cards_skipped_for_typed(capsys):
    assert main(["questions", "--skipped", "--format", "typed"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows and all(r["format"] == "typed" and r["reason"] for r in rows)


def test_every_accepted_answer_shipped_or_listed_is_accepted_when_typed_as_written():
    # An accepted answer that normalises to nothing, or to a hedge, could never be typed.
    questions = [
        *typed([SHIPPED])[1],
        *typed([DECKS / "films.yaml"])[1],
        *typed([DECKS / "geography.yml"])[1],
        *typed([DECKS / "anki-optim.tsv"])[1],
    ]
    # A number with a tolerance ("2.3 ± 0.01") is typed as its value.
    answers = [
        (q.card_id, split_tolerance(a)[0], q.accepted) for q in questions for a in q.accepted
    ]
    assert len(answers) > 80
    unreadable = [(c, a) for c, a, accepted in answers if not match(a, accepted).correct]
    assert unreadable == []


def test_an_authored_typed_question_keeps_its_items_erratum() -> None:
    """The reveal shows the card's own answer, so a card the item corrects must carry the
    correction when asked typed too (a blind read caught a typed reveal without it)."""
    library = load_library(seed_dirs(None))
    maker = QuestionMaker(library.cards, library.items)
    corrected = [i for i in library.items.values() if i.erratum]
    # Corrected cards asked typed (by their stem or by their cloze sentence: one way out).
    assert any(i.typed_answers for i in corrected)
    for item in corrected:
        card = library.by_id(item.card_id)
        assert card is not None
        question = maker.make(card, "typed", 0)
        if not item.typed_answers:
            assert question is None  # no accepted answers: not asked typed at all
            continue
        assert question is not None and question.erratum == item.erratum


def test_mixed_asks_short_answers_typed_and_the_rest_as_choice_or_cloze():
    library = load_library([SHIPPED])
    maker = QuestionMaker(library.cards, library.items)
    asked = maker.generate(220, seed=4, fmt="mixed")
    typed_ids = {c.id for c in library.cards if maker.typed_fits(c)}
    assert len(typed_ids) == 88
    assert {q.card_id for q in asked if q.format == "typed"} == typed_ids & {
        q.card_id for q in asked
    }
    assert {q.format for q in asked if q.card_id not in typed_ids} == {"choice", "cloze"}
    trivia = load_library([DECKS / "films.yaml"])
    films = QuestionMaker(trivia.cards, trivia.items).generate(5, seed=1, fmt="mixed")
    assert len(films) == 5 and {q.format for q in films} == {"typed"}


def test_an_item_without_accepted_answers_is_not_asked_typed_from_its_cloze_and_says_why(
    tmp_path: Path,
):
    (tmp_path / "t.md").write_text(
        "## Losses\n\n| # | Question | Answer |\n| :-: | :-- | :-- |\n"
        "| 1 | What is the gradient of softmax with CCE? | It is ŷ − y. |\n",
        encoding="utf-8",
    )
    (tmp_path / "t.items.yaml").write_text(
        "items:\n"
        "  - question: What is the gradient of softmax with CCE?\n"
        "    stem: What is the gradient of the loss with respect to the logits?\n"
        "    key: The prediction minus the one-hot label\n"
        "    why: Softmax and the log cancel.\n"
        "    distractors:\n"
        "      - {text: The label minus the prediction, why: The sign is reversed.}\n"
        "      - {text: The log of the prediction, why: That is the loss.}\n"
        "      - {text: The sign of the error, why: That is MAE's gradient.}\n"
        "    cloze:\n"
        "      text: For softmax with CCE, the gradient with respect to the logits is ___.\n"
        "      key: ŷ − y\n"
        "      why: Softmax and the log cancel.\n"
        "      distractors:\n"
        "        - {text: y − ŷ, why: Reversed.}\n"
        "        - {text: −log ŷ, why: The loss.}\n"
        "        - {text: sign(ŷ − y), why: MAE.}\n",
        encoding="utf-8",
    )
    library = load_library([tmp_path])
    assert not library.errors, library.errors
    maker = QuestionMaker(library.cards, library.items)
    [card] = [c for c in library.cards if c.deck == "t"]
    assert maker.make(card, "cloze", 0) is not None
    assert maker.make(card, "typed", 0) is None
    assert maker.skipped(card, "typed") == (
        "its authored item lists no accepted answers (for its question or its cloze) to read "
        "a typing against"
    )


def test_an_authored_cloze_with_accepted_typings_is_asked_typed(tmp_path):
    (tmp_path / "t.md").write_text(
        "## Optimisers\n\n| # | Question | Answer |\n| :-: | :-- | :-- |\n"
        "| 1 | Which gradient descent is noise-free? | Batch GD uses every example. |\n",
        encoding="utf-8",
    )
    (tmp_path / "t.items.yaml").write_text(
        "items:\n"
        "  - question: Which gradient descent is noise-free?\n"
        "    stem: Which variant of gradient descent computes the exact gradient each step?\n"
        "    key: Batch gradient descent\n"
        "    distractors: [Stochastic gradient descent, Mini-batch gradient descent, Momentum]\n"
        "    cloze:\n"
        "      text: ___ gradient descent computes the exact gradient over every example.\n"
        "      key: Batch\n"
        "      accepted: [full-batch, full batch, batch]\n"
        "      distractors: [Stochastic, Mini-batch, Online]\n",
        encoding="utf-8",
    )
    library = load_library([tmp_path])
    assert not library.errors, library.errors
    maker = QuestionMaker(library.cards, library.items)
    [card] = [c for c in library.cards if c.deck == "t"]
    question = maker.make(card, "typed", 0)
    assert question is not None and question.origin == "authored"
    assert question.prompt.startswith("_") and "exact gradient" in question.prompt
    # The key first (what the reveal shows), listed or not, and once.
    assert question.accepted == ("Batch", "full-batch", "full batch")
    # Its wrong options are read as wrong however close a typing comes to the key.
    assert question.refused == ("Stochastic", "Mini-batch", "Online")
    assert question.to_dict()["refused"] == ["Stochastic", "Mini-batch", "Online"]
    assert maker.skipped(card, "typed") is None
    assert maker.typed_fits(card)
