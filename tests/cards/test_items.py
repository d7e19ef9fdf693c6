"""Authored items: the sidecar beside a deck is loaded, matched to cards and linted with
file:line; a broken item is left out and its card is still asked (generated)."""

from __future__ import annotations

import json
from pathlib import Path

from bot.cards import load_file, load_library
from bot.cli import main
from bot.questions import QuestionMaker

DECK = """## Optimisers

| # | Question | Answer |
| :-: | :-- | :-- |
| 1 | What does **momentum** add to SGD? | An average of past gradients: steps keep **direction**. |
| 2 | What does **Adam** keep per parameter? | Averages of the gradient and its **square**. |
| 3 | Why lower the **learning rate** late? | Smaller steps let the weights **settle**. |
| 4 | What is an **epoch**? | One full pass over the **training set**. |
"""

ITEM = """  - card: {card}
    stem: What does momentum add to stochastic gradient descent?
    key: A running average of past gradients that keeps steps moving one way
    why: Averaging damps the zig-zag and speeds travel along consistent directions.
    distractors:
      - text: A running average of past losses that decides when to stop training
        why: Stopping on a loss average is early stopping, not momentum.
      - text: A per-parameter step size scaled by past squared gradients
        why: That is RMSprop's and Adam's adaptive step, not momentum.
      - text: A random jolt added to each step to escape flat regions
        why: Random jolts describe noise injection; momentum is deterministic.
"""


def deck(tmp_path: Path, items: str | None) -> Path:
    (tmp_path / "optim.md").write_text(DECK, encoding="utf-8")
    if items is not None:
        (tmp_path / "optim.items.yaml").write_text(items, encoding="utf-8")
    return tmp_path


def momentum_id(tmp_path: Path) -> str:
    cards = load_file(deck(tmp_path, None) / "optim.md").cards
    return next(c.id for c in cards if "momentum" in c.question)


def test_items_file_is_matched_to_its_card_and_not_read_as_a_deck(tmp_path: Path) -> None:
    card = momentum_id(tmp_path)
    library = load_library([deck(tmp_path, "items:\n" + ITEM.format(card=card))])
    assert len(library.cards) == 4  # the .items.yaml file is not a trivia deck
    item = library.items[card]
    assert item.source == "optim.items.yaml:2"
    assert item.choice.key.text.startswith("A running average of past gradients")
    assert [d.why[:10] for d in item.choice.distractors] == [
        "Stopping o",
        "That is RM",
        "Random jol",
    ]
    # The other three cards are named as lacking an item, at their own rows.
    missing = [m for m in library.warnings if "no authored item" in m.message]
    assert [m.source for m in missing] == ["optim.md:6", "optim.md:7", "optim.md:8"]


def test_item_can_name_its_card_by_question_text(tmp_path: Path) -> None:
    text = "items:\n" + ITEM.format(card="x").replace(
        "  - card: x\n", "  - question: What does **momentum** add to SGD?\n"
    )
    library = load_library([deck(tmp_path, text)])
    assert len(library.items) == 1


def test_authored_item_is_served_before_any_generated_question(tmp_path: Path) -> None:
    card = momentum_id(tmp_path)
    library = load_library([deck(tmp_path, "items:\n" + ITEM.format(card=card))])
    maker = QuestionMaker(library.cards, library.items)
    momentum = library.by_id(card)
    assert momentum is not None
    positions = set()
    for seed in range(20):
        question = maker.make(momentum, "choice", seed)
        assert question is not None and question.origin == "authored"
        assert question.prompt == "What does momentum add to stochastic gradient descent?"
        key = question.options[question.answer_index or 0]
        assert key.startswith("A running average of past gradients")
        # Each option's explanation travels with it, whatever its position.
        assert question.explanations[question.answer_index or 0].startswith("Averaging")
        assert question.explanations[question.options.index(next(
            o for o in question.options if o.startswith("A per-parameter")
        ))].startswith("That is RMSprop")  # fmt: skip
        positions.add(question.answer_index)
    assert positions == {0, 1, 2, 3}
    # No authored cloze: the card makes none, rather than a generated one.
    assert maker.make(momentum, "cloze", 1) is None


def test_authored_cloze_and_erratum(tmp_path: Path) -> None:
    card = momentum_id(tmp_path)
    extra = """    cloze:
      text: Momentum keeps a running average of past ___ and steps along it.
      key: gradients
      why: The average of gradients is the velocity.
      distractors:
        - {text: losses, why: Losses are scalars; they give no direction.}
        - {text: weights, why: Averaging weights is Polyak averaging, another idea.}
        - {text: activations, why: Activations belong to the forward pass.}
    erratum: The card says SGD; momentum applies to full-batch descent as well.
"""
    library = load_library([deck(tmp_path, "items:\n" + ITEM.format(card=card) + extra)])
    maker = QuestionMaker(library.cards, library.items)
    momentum = library.by_id(card)
    assert momentum is not None
    cloze = maker.make(momentum, "cloze", 3)
    assert cloze is not None and cloze.format == "cloze" and cloze.origin == "authored"
    assert "_____" in cloze.prompt and "___ " not in cloze.prompt.replace("_____", "")
    assert cloze.options[cloze.answer_index or 0] == "gradients"
    assert cloze.erratum == "The card says SGD; momentum applies to full-batch descent as well."
    assert cloze.to_dict()["erratum"] == cloze.erratum


def test_broken_items_are_errors_with_file_and_line_and_the_deck_still_loads(
    tmp_path: Path,
) -> None:
    card = momentum_id(tmp_path)
    two_distractors = ITEM.format(card=card).split("      - text: A random")[0]
    text = "items:\n" + two_distractors + "  - card: 000000000000\n    stem: x\n"
    library = load_library([deck(tmp_path, text)])
    assert len(library.cards) == 4 and not library.items
    messages = [str(m) for m in library.messages if m.source.startswith("optim.items")]
    assert "optim.items.yaml:2: error: item has 2 distractors: write exactly three" in messages
    assert any(m.startswith("optim.items.yaml:11: warning: item for '000000000000' matches no")
               for m in messages)  # fmt: skip


def test_items_file_that_is_not_yaml_names_the_line(tmp_path: Path) -> None:
    library = load_library([deck(tmp_path, "items:\n  - card: x\n    stem: a: b: c\n")])
    errors = [str(m) for m in library.errors]
    assert len(errors) == 1 and errors[0].startswith("optim.items.yaml:3: error: not valid YAML")
    assert len(library.cards) == 4


def test_duplicate_items_and_unknown_fields_are_reported(tmp_path: Path) -> None:
    card = momentum_id(tmp_path)
    one = ITEM.format(card=card)
    text = "items:\n" + one.replace("    stem:", "    stme: typo\n    stem:") + one
    library = load_library([deck(tmp_path, text)])
    messages = [str(m) for m in library.messages if m.source.startswith("optim.items")]
    assert any("unknown field 'stme' ignored" in m for m in messages)
    assert any("a second item for card" in m and "error" in m for m in messages)
    assert len(library.items) == 1


def test_lint_command_lists_item_problems(tmp_path: Path, capsys) -> None:
    card = momentum_id(tmp_path)
    bad = "items:\n" + ITEM.format(card=card).replace("    key: A running", "    key: ''\n    k: A")
    deck(tmp_path, bad)
    assert main(["cards", "lint", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "optim.items.yaml:2: error: item has no `key`" in out


def test_shipped_deck_items_cover_every_card_and_lint_clean() -> None:
    """Every answered card of the shipped deck has an authored item, and the items file has
    no problem lint would report."""
    library = load_library([Path(__file__).resolve().parents[2] / "seeds"])
    answered = [c for c in library.cards if c.kind == "qa"]
    assert len(answered) == 220
    assert {c.id for c in answered} == set(library.items)
    item_messages = [
        str(m)
        for m in library.messages
        if m.source.startswith("deep-learning-qa.items") or "authored item" in m.message
    ]
    assert item_messages == []


def test_questions_command_marks_authored_questions(capsys) -> None:
    assert main(["questions", "--count", "30", "--seed", "5", "--format", "choice"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows and all(r["origin"] == "authored" for r in rows)
    for row in rows:
        assert len(row["explanations"]) == len(row["options"]) == 4
        assert all(why.strip() for why in row["explanations"])
        assert not any(o.endswith(("…", "...")) for o in row["options"])


def test_lint_lists_the_errata_with_the_card_they_correct(tmp_path: Path, capsys) -> None:
    card = momentum_id(tmp_path)
    text = "items:\n" + ITEM.format(card=card) + "    erratum: The card says SGD only.\n"
    deck(tmp_path, text)
    assert main(["cards", "lint", str(tmp_path)]) == 0  # an erratum is not an error
    captured = capsys.readouterr()
    assert (
        "optim.items.yaml:2: note: erratum for the card at optim.md:5: The card says SGD only."
        in captured.out
    )
    assert "; 1 erratum" in captured.err
