"""The typed format: which cards get one, with which accepted answers, and how it prints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

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
from bot.questions.matching import match
from bot.questions.typed import short_answer, typeable

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
    assert not FORMATS["typed"].mixable  # "mixed" still never picks it


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


def test_an_anki_export_gets_typed_cloze_from_its_bold_terms():
    count, questions = typed([DECKS / "anki-optim.tsv"])
    assert count == 15 and len(questions) == 5  # one bold term is a phrase too long to type
    for question in questions:
        assert "_____" in question.prompt and len(question.accepted) == 1
        # The blank's term is not left in the prompt for the player to copy.
        assert question.accepted[0].casefold() not in question.prompt.split("_____")[1].casefold()


def test_the_shipped_deck_uses_authored_accepted_lists_then_authored_cloze():
    count, questions = typed([SHIPPED])
    assert count == 220 and len(questions) == 102
    authored = [q for q in questions if q.origin == "authored"]
    assert len(authored) == len(questions)  # every shipped card has an item
    listed = [q for q in questions if "_____" not in q.prompt]
    assert len(listed) == 10 and all(q.accepted for q in listed)


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
        f"items:\n  - card: {card.id}\n    stem: Which activation is max(0, x)?\n"
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
    assert question.prompt == card.question


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
    answers = [(q.card_id, a, q.accepted) for q in questions for a in q.accepted]
    assert len(answers) > 150
    unreadable = [(c, a) for c, a, accepted in answers if not match(a, accepted).correct]
    assert unreadable == []


def test_an_authored_typed_question_keeps_its_items_erratum() -> None:
    """The reveal shows the card's own answer, so a card the item corrects must carry the
    correction when asked typed too (a blind read caught a typed reveal without it)."""
    library = load_library(seed_dirs(None))
    maker = QuestionMaker(library.cards, library.items)
    corrected = [i for i in library.items.values() if i.erratum and (i.accepted or i.cloze)]
    assert corrected
    for item in corrected:
        card = library.by_id(item.card_id)
        assert card is not None
        question = maker.make(card, "typed", 0)
        assert question is not None and question.erratum == item.erratum


@pytest.mark.parametrize(
    ("term", "can"),
    [
        ("margin", True),
        ("mini-batch", True),
        ("2ε", True),
        ("−11", True),
        ("50%", True),
        ("(0, 1)", True),
        ("Kullback–Leibler", True),
        # A phrase is refused when its head is typed; formulas have no keyboard spelling.
        ("margin of the data", False),
        ("weights and biases", False),
        ("ŷ − y", False),
        ("−log ŷ_true", False),
        ("−∇L(θ)", False),
    ],
)
def test_a_blank_is_typed_only_when_its_term_can_be_typed_as_written(term, can):
    assert typeable(term) is can


def test_an_item_whose_cloze_answer_cannot_be_typed_is_not_asked_typed_and_says_why(
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
    assert "too long or too symbolic to type" in (maker.skipped(card, "typed") or "")
