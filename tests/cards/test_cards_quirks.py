"""One test per quirk of the seed Q&A file: the real row, and a small deck showing the rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cards import Library, load_file


def deck(tmp_path: Path, text: str, name: str = "deck.md") -> Library:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_file(path)


HEADER = "| # | Question | Answer |\n| :---: | :--- | :--- |\n"


# 1
def test_two_sections_share_a_heading_at_core_and_advanced_level(shipped: Library) -> None:
    general = {
        (c.level, c.number) for c in shipped.cards if c.topic == "General Loss Function Concepts"
    }
    assert {lv for lv, _ in general} == {"core", "advanced"}
    assert len(general) == 10
    robust = [c for c in shipped.cards if c.topic.startswith("Robust Regression")]
    assert {c.topic for c in robust} == {"Robust Regression Loss Functions (MSE, MAE, Huber)"}
    assert [c.level for c in robust].count("advanced") == 13


def test_refined_or_interview_header_words_mean_advanced(tmp_path: Path) -> None:
    lib = deck(
        tmp_path,
        "## T\n\n| # | Question | Answer |\n|---|---|---|\n| 1 | A? | a |\n\n"
        "## T\n\n| # | Refined Question | Deep, Interview-Ready Answer |\n|---|---|---|\n"
        "| 1 | B? | b |\n",
    )
    assert [(c.topic, c.level) for c in lib.cards] == [("T", "core"), ("T", "advanced")]


# 2
def test_pipes_inside_code_or_math_do_not_split_cells(card_at, tmp_path: Path) -> None:
    (huber,) = card_at(130)
    assert "`|error| ≤ δ`" in huber.answer and "`|error| > δ`" in huber.answer
    (bce,) = card_at(152)
    assert "`P(Y=1 | X)`" in bce.answer
    lib = deck(tmp_path, HEADER + "| 1 | What is $|x|$? | the norm `a|b` |\n")
    assert lib.messages == ()
    assert lib.cards[0].question == "What is |x|?"
    assert lib.cards[0].answer == "the norm `a|b`"


# 3
def test_answer_inside_the_question_cell_is_split_out_with_a_warning(card_at) -> None:
    (row,) = card_at(241)
    assert row.number == "20"
    assert (
        row.question
        == "Define **Mini-Batch Gradient Descent (MBGD)** and the data it uses for a single update."
    )
    assert row.answer.startswith("Mini-Batch Gradient Descent (MBGD) updates model parameters")
    assert "Answer:" not in row.question + row.answer


def test_answer_in_question_cell_warns(shipped: Library) -> None:
    (msg,) = [m for m in shipped.messages if m.source == "deep-learning-qa.md:241"]
    assert msg.severity == "warning" and "Answer:" in msg.message


# 4
def test_br_and_dash_lists_inside_cells_become_lines(card_at) -> None:
    (g2,) = [c for c in card_at(119)]
    lines = g2.answer.split("\n")
    assert [ln[:12] for ln in lines] == ["- **Loss:** ", "- **Cost:** ", "- **Objectiv"]
    (lr,) = card_at(190)  # "... infinity. <br>- **Too Low:**": space before <br>
    assert lr.answer.split("\n")[1].startswith("- **Too Low:**")
    assert not any(line.endswith(" ") for line in lr.answer.split("\n"))


# 5
def test_title_only_question_is_kept_with_a_warning(card_at, shipped: Library) -> None:
    (vgp,) = card_at(282)
    assert vgp.question == "Vanishing Gradient Problem (VGP)" and vgp.answer
    (msg,) = [m for m in shipped.messages if m.source == "deep-learning-qa.md:282"]
    assert "question is only a title; rewrite it as a question" in msg.message.replace(
        " ('Vanishing Gradient Problem (VGP)')", ""
    )


# 6
def test_numbering_restarts_continues_and_uses_g_prefix(shipped: Library) -> None:
    def numbers(topic: str, level: str) -> list[str]:
        return [c.number for c in shipped.cards if c.topic == topic and c.level == level]

    assert numbers("General Loss Function Concepts", "core") == ["G1", "G2", "G3", "G4", "G5"]
    assert numbers("Binary Cross-Entropy (BCE) / Log Loss", "advanced")[0] == "14"
    assert numbers("Categorical Cross-Entropy (CCE) & Sparse CCE", "advanced")[0] == "24"
    assert numbers("Gradient Descent and Its Variants", "core") == [str(n) for n in range(1, 51)]


def test_numbering_gap_within_a_table_warns(tmp_path: Path) -> None:
    lib = deck(tmp_path, HEADER + "| 1 | A? | a |\n| 2 | B? | b |\n| 4 | D? | d |\n")
    assert len(lib.cards) == 3
    (msg,) = lib.messages
    assert msg.source == "deck.md:5" and msg.severity == "warning"
    assert "numbering gap" in msg.message and "expected 3" in msg.message


# 7
def test_identical_answers_in_one_section_warn(shipped: Library) -> None:
    (msg,) = [m for m in shipped.messages if "identical answers" in m.message]
    assert msg.source == "deep-learning-qa.md:111"
    assert "deep-learning-qa.md:100" in msg.message


def test_word_for_word_identical_answers_warn(tmp_path: Path) -> None:
    lib = deck(tmp_path, HEADER + "| 1 | A? | **Same** answer. |\n| 2 | B? | same answer |\n")
    (msg,) = lib.messages
    assert msg.source == "deck.md:4" and "identical answers" in msg.message


# 8
def test_two_rows_on_one_line_become_two_cards(card_at, shipped: Library) -> None:
    eight, nine = card_at(230)
    assert (eight.number, nine.number) == ("8", "9")
    assert eight.answer.endswith("ℒ_BGD = 1/N ∑_(i=1)^N ℒ_i")
    assert (
        nine.question
        == "How many times are the weights updated per epoch in Batch Gradient Descent?"
    )
    assert nine.answer == "The weights are updated **exactly once** per epoch."
    (msg,) = [m for m in shipped.messages if m.source == "deep-learning-qa.md:230"]
    assert msg.severity == "warning" and "2 table rows on one line" in msg.message


# 9
def test_number_cell_without_space_before_pipe(card_at) -> None:
    (row,) = card_at(187)  # "| **10**| **Imagine ..."
    assert row.number == "10"
    assert row.question.startswith("Imagine you are at a point on the loss curve")


def test_escaped_and_plain_hash_headers_both_mark_the_number_column(card_at) -> None:
    assert card_at(11)[0].number == "1"  # table under "| \\# |"
    assert card_at(223)[0].number == "1"  # table under "| # |"


def test_heading_wrapped_in_bold_with_numbering_gives_the_bare_topic(card_at) -> None:
    assert card_at(161)[0].topic == "Categorical Cross-Entropy (CCE) & Sparse CCE"
    assert card_at(146)[0].topic == "Binary Cross-Entropy (BCE) / Log Loss"
    assert card_at(97)[0].topic == "Robust Regression Loss Functions (MSE, MAE, Huber)"


def test_front_matter_and_rules_are_skipped(tmp_path: Path) -> None:
    lib = deck(
        tmp_path,
        "---\ntitle: x\n| not | a | row |\n---\n\n## A\n\n" + HEADER + "| 1 | Q? | a |\n\n---\n"
        "## B\n" + HEADER + "| 1 | R? | b |\n",
    )
    assert [(c.topic, c.question) for c in lib.cards] == [("A", "Q?"), ("B", "R?")]
    assert lib.messages == ()


def test_whole_cell_bold_question_is_unbolded_but_partial_bold_stays(card_at) -> None:
    (first,) = card_at(178)
    assert first.question == (
        "What is the fundamental intuition behind treating a loss function as a complex "
        "mathematical function during training?"
    )
    (second,) = card_at(179)
    assert "*all*" in second.question and not second.question.startswith("**")
    assert (
        card_at(11)[0].question
        == "What is the **primary objective** of the perceptron loss function?"
    )


# 10
def test_bold_crossing_a_math_span_leaves_no_stray_markers(card_at) -> None:
    (row,) = card_at(62)
    assert row.answer == "Z_new is (10 × 0.7) + (5 × 0.8), which is 7.0 + 4.0 = **11.0**."


# 11
def test_mojibake_inside_code_spans_is_repaired(card_at) -> None:
    (g2,) = card_at(119)
    assert "`Cost + λ||w||²`" in g2.answer
    (huber,) = card_at(130)
    assert "(`= ±δ`)" in huber.answer


def test_emoji_mojibake_is_repaired(card_at) -> None:
    assert '**"scorecard"** 📉.' in card_at(85)[0].answer
    assert '"loss landscape" ⛰️ (the surface' in card_at(89)[0].answer


# Quirks found reading the file.
def test_bold_question_tags_are_labels_not_key_terms(card_at) -> None:
    assert (
        card_at(53)[0].question == "(Math/Logic) Write the formula for the Sigmoid function, σ(Z)."
    )
    assert card_at(110)[0].question.startswith("(Concept) What does the **Root Mean Squared")


def test_inline_numbered_runs_split_into_lines_but_rankings_stay(card_at) -> None:
    (diagnose,) = card_at(283)
    assert [ln[:20] for ln in diagnose.answer.split("\n")] == [
        "1. **Monitor the Los",
        "2. **Monitor the Wei",
    ]
    assert len(card_at(287)[0].answer.split("\n")) == 5
    assert card_at(267)[0].answer == "1. **SGD** → 2. **MBGD** → 3. **BGD**."
    # "an error of 1." is prose, not a list item
    assert "\n" not in card_at(100)[0].answer


def test_label_glued_to_the_previous_sentence_starts_a_new_line(card_at) -> None:
    (row,) = card_at(288)
    assert "ResNets.\n**EGP (Exploding):**" in row.answer


def test_stars_and_pipes_inside_code_are_left_alone(card_at) -> None:
    (g2,) = card_at(119)
    assert "`(y_pred - y_true)**2`" in g2.answer
    (update,) = card_at(185)
    assert update.question.startswith("The update rule is `W_new = W_old - η * (∂L/∂W_old)`.")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (235, "Total updates = 5 epochs × 1000 updates/epoch = **5000 updates**."),
        (244, "320/64 = **5 updates** per epoch."),
        (281, "max(Sigmoid')=0.25"),
        (53, "σ(Z) = 1 / (1 + e^(-Z))"),
        (224, "W_new = W_old - η ∇_W ℒ(W) where η"),
        (279, "which are often < 1)"),
    ],
)
def test_latex_becomes_readable_unicode(card_at, line: int, expected: str) -> None:
    assert expected in card_at(line)[0].answer


def test_header_words_vary_but_columns_are_found(card_at) -> None:
    # "High-Level Conceptual Question | Intuitive and Clear Answer" and no-space ".|" ends
    assert card_at(178)[0].answer.startswith("The loss function is not just a score")
    assert card_at(31)[0].answer.endswith("indicating a confident prediction.")


def test_every_row_of_the_file_is_a_card(shipped: Library) -> None:
    text = (Path(__file__).parents[2] / "seeds" / "deep-learning-qa.md").read_text("utf-8")
    rows = [i + 1 for i, line in enumerate(text.split("\n")) if line.startswith("| **")]
    sources = {
        int(c.source.rsplit(":", 1)[1]) for c in shipped.cards if c.deck == "deep-learning-qa"
    }
    assert sources == set(rows)
    assert len(rows) == 219  # one physical line holds two rows
