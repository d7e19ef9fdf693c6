"""The fairness audit: naive test-takers stay near chance on the shipped deck, and each taker
really finds the cue it is named for (a leaky set of questions scores high)."""

from __future__ import annotations

import json

import pytest

from bot.cards import load_library
from bot.cards.model import Card, card_id
from bot.cli import main
from bot.paths import seed_dirs
from bot.questions import Question, QuestionMaker
from bot.questions.audit import LIMIT, TAKERS, Audit, every_question


def card(topic: str, question: str, answer: str) -> Card:
    return Card(card_id(question), "t", topic, "core", "qa", "1", question, answer, "t.md:1")


CARDS = [
    card("Losses", "What does MSE square?", "The error between prediction and target."),
    card("Losses", "What is Huber's delta?", "The error size where the loss turns linear."),
    card("Optimisers", "What does momentum average?", "Past gradients, for direction."),
    card("Optimisers", "What does Adam scale by?", "The root of averaged squared gradients."),
]


def leaky(position: int, key: str, others: list[str], prompt: str, cid: str) -> Question:
    options = list(others)
    options.insert(position, key)
    return Question(cid, "choice", prompt, tuple(options), position)


def test_each_taker_finds_its_own_cue() -> None:
    audit = Audit(CARDS)
    mse = CARDS[0].id
    longest = leaky(2, "a much longer option than any other here", ["b", "c", "d"], "Q?", mse)
    assert audit.expected_hit(longest, "longest") == 1.0
    assert audit.expected_hit(longest, "shortest") == 0.0
    shortest = leaky(1, "ok", ["bbbbbb", "cccccc", "dddddd"], "Q?", mse)
    assert audit.expected_hit(shortest, "shortest") == 1.0
    echo = leaky(0, "squares the error", ["adds a bias", "halves steps", "drops units"],
                 "What does MSE square in the error?", mse)  # fmt: skip
    assert audit.expected_hit(echo, "most_shared_words") == 1.0
    assert audit.expected_hit(echo, "tfidf_nearest") == 1.0
    topic = leaky(3, "the error size where the loss turns linear",
                  ["past gradients for direction", "averaged squared gradients root",
                   "momentum of adam gradients"], "Which?", CARDS[1].id)  # fmt: skip
    assert audit.expected_hit(topic, "topic_vocabulary") == 1.0
    verb = leaky(1, "Awakens", ["Suicide", "Tomato", "Bannockburn"], "The Force...?", mse)
    assert audit.expected_hit(verb, "odd_form_out") == 1.0
    digits = leaky(2, "21", ["Ten", "One", "Seven"], "How many balls?", mse)
    assert audit.expected_hit(digits, "odd_form_out") == 1.0
    alike = leaky(0, "21", ["20", "17", "12"], "How many balls?", mse)
    assert audit.expected_hit(alike, "odd_form_out") == pytest.approx(0.25)
    flipped = leaky(3, "It grows with the error, then stays flat",
                    ["It stays flat, then grows with the error", "Adam rescales each step",
                     "Momentum averages past gradients"], "Q?", mse)  # fmt: skip
    assert audit.expected_hit(flipped, "most_alike") == pytest.approx(0.5)  # one of the pair
    two_pairs = leaky(3, "It grows with the error, then stays flat",
                      ["It stays flat, then grows with the error", "Adam rescales each step",
                       "Each step Adam rescales"], "Q?", mse)  # fmt: skip
    assert audit.expected_hit(two_pairs, "most_alike") == pytest.approx(0.25)


def test_ties_are_split_so_a_blind_taker_scores_chance() -> None:
    audit = Audit(CARDS)
    same = leaky(0, "aaaa", ["bbbb", "cccc", "dddd"], "Q?", CARDS[0].id)
    for taker in TAKERS:
        assert audit.expected_hit(same, taker) == pytest.approx(0.25)


def test_unknown_taker_is_named() -> None:
    with pytest.raises(ValueError, match="unknown taker 'psychic'"):
        Audit(CARDS).expected_hit(leaky(0, "a", ["b", "c", "d"], "Q", "x"), "psychic")


@pytest.fixture(scope="module")
def shipped_audit() -> dict[tuple[str, str], float]:
    library = load_library(seed_dirs(None))
    maker = QuestionMaker(library.cards, library.items)
    questions = every_question(maker.make, library.cards, ("choice", "cloze"), seed=0)
    return {(line.format, line.measure): line.value for line in Audit(library.cards).run(questions)}


@pytest.mark.parametrize("fmt", ["choice", "cloze"])
@pytest.mark.parametrize("taker", TAKERS)
def test_naive_takers_stay_near_chance_on_the_shipped_deck(shipped_audit, fmt, taker) -> None:
    assert shipped_audit[(fmt, taker)] <= LIMIT, (fmt, taker, shipped_audit[(fmt, taker)])


@pytest.mark.parametrize("fmt", ["choice", "cloze"])
def test_the_key_is_evenly_placed_on_the_shipped_deck(shipped_audit, fmt) -> None:
    for place in "ABCD":
        assert shipped_audit[(fmt, f"position_{place}")] <= LIMIT


def test_audit_command_reports_every_taker_per_deck_and_format(capsys) -> None:
    assert main(["questions", "--audit", "--format", "choice"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    measures = {(r["deck"], r["format"], r["measure"]) for r in rows}
    for taker in TAKERS:
        assert ("deep-learning-qa", "choice", taker) in measures
    for row in rows:
        # Without an items file the generator skips cards it cannot ask fairly.
        assert 0 < row["questions"] <= 220 and row["limit"] == LIMIT
        assert row["ok"] == (row["value"] <= LIMIT)
