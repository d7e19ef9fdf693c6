"""The shipped decks load into exactly the cards a reader of the files counts."""

from __future__ import annotations

import re
from collections import Counter

from bot.cards import Library, load_library
from bot.paths import SHIPPED_SEEDS

EXPECTED = {
    ("Perceptron Loss Function", "core"): 30,
    ("Multi-Layer Perceptron (MLP) Intuition and Mathematics", "core"): 30,
    ("General Loss Function Concepts", "core"): 5,
    ("General Loss Function Concepts", "advanced"): 5,
    ("Robust Regression Loss Functions (MSE, MAE, Huber)", "core"): 15,
    ("Robust Regression Loss Functions (MSE, MAE, Huber)", "advanced"): 13,
    ("Binary Cross-Entropy (BCE) / Log Loss", "advanced"): 10,
    ("Categorical Cross-Entropy (CCE) & Sparse CCE", "advanced"): 12,
    ("Core Concepts of Backpropagation & Optimization", "core"): 40,
    ("Gradient Descent and Its Variants", "core"): 50,
    ("Vanishing Gradient Problem (VGP)", "core"): 10,
}

MOJIBAKE_MARKERS = ("‚Ä", "Œ", "¬", "‚à", "üì", "\uf8ff")


def test_qa_deck_has_220_cards_per_topic_and_level(shipped: Library) -> None:
    qa = [c for c in shipped.cards if c.deck == "deep-learning-qa"]
    assert len(qa) == 220
    assert all(c.kind == "qa" and c.answer for c in qa)
    assert Counter((c.topic, c.level) for c in qa) == EXPECTED


def test_open_questions_are_14_prompt_cards(shipped: Library) -> None:
    prompts = [c for c in shipped.cards if c.deck == "open-questions"]
    assert len(prompts) == 14
    assert {(c.kind, c.answer, c.level) for c in prompts} == {("prompt", "", "core")}
    assert prompts[0].source == "open-questions.txt:1"
    assert prompts[-1].source == "open-questions.txt:14"
    assert prompts[-1].question.startswith("Discuss the theoretical basis of momentum")


def test_shipped_decks_have_no_errors_and_only_the_known_warnings(shipped: Library) -> None:
    assert shipped.errors == ()
    assert [m.source for m in shipped.warnings] == [
        "deep-learning-qa.md:111",  # identical answers
        "deep-learning-qa.md:230",  # two rows on one line
        "deep-learning-qa.md:241",  # answer inside the question cell
        "deep-learning-qa.md:282",  # question is only a title
    ]


def test_no_card_text_keeps_mojibake_br_or_math_delimiters(shipped: Library) -> None:
    for card in shipped.cards:
        for text in (card.question, card.answer, card.topic):
            assert not any(marker in text for marker in MOJIBAKE_MARKERS), (card.source, text)
            assert "<br" not in text.lower(), card.source
            assert "$" not in text, (card.source, text)
            assert "\\" not in text, (card.source, text)  # no LaTeX macro left over


def test_every_bold_marker_pairs_up(shipped: Library) -> None:
    for card in shipped.cards:
        for text in (card.question, card.answer):
            outside_code = re.sub(r"`[^`]*`", "", text)
            assert outside_code.count("**") % 2 == 0, (card.source, text)


def test_ids_are_unique_stable_and_in_file_order(shipped: Library) -> None:
    ids = [c.id for c in shipped.cards]
    assert len(set(ids)) == len(ids)
    again = load_library([SHIPPED_SEEDS])
    assert [c.id for c in again.cards] == ids
    lines = [int(c.source.rsplit(":", 1)[1]) for c in shipped.cards if c.deck == "deep-learning-qa"]
    assert lines == sorted(lines)
    assert shipped.by_id(ids[0]) is shipped.cards[0]
    assert shipped.by_id("nope") is None


def test_topics_list_each_topic_once_in_deck_order(shipped: Library) -> None:
    topics = shipped.topics()
    assert topics[0] == "Perceptron Loss Function"
    assert topics[-1] == "open-questions"
    assert len(topics) == len(set(topics)) == 10
