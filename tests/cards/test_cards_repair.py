"""Text repair rules on their own: mojibake, math, headings, prose dollars."""

from __future__ import annotations

import pytest

from bot.cards.latex import convert_math
from bot.cards.text import clean_heading, fix_mojibake, html_to_markdown, split_outside_spans


@pytest.mark.parametrize(
    ("broken", "fixed"),
    [
        ("MSE‚Äôs penalty", "MSE’s penalty"),
        ("rate Œ∑ and ‚àÇL", "rate η and ∂L"),
        ("scorecard \uf8ffüìâ.", "scorecard 📉."),  # Apple logo kept: 0xF0 is there
        ("scorecard üìâ.", "scorecard 📉."),  # Apple logo lost: 0xF0 restored
        ("landscape ‚õ∞Ô∏è here", "landscape ⛰️ here"),
        ("MSE‚Äôs üìâ mixed", "MSE’s 📉 mixed"),
        ("cafÃ©", "café"),  # the other mix-up (Windows-1252), left to ftfy
    ],
)
def test_mojibake_is_repaired(broken: str, fixed: str) -> None:
    assert fix_mojibake(broken) == fixed


@pytest.mark.parametrize(
    "correct", ["café", "l’été", "“équipe”", "Œuvre", "naïve — done", "η ∂ 📉", "plain ascii"]
)
def test_correct_text_is_left_alone(correct: str) -> None:
    assert fix_mojibake(correct) == correct


def test_prose_dollars_are_not_math() -> None:
    assert convert_math("costs $5 and $10 a month") == "costs $5 and $10 a month"
    assert convert_math("pay $ 5$ now") == "pay $ 5$ now"
    assert convert_math("$\\eta$ costs $5") == "η costs $5"


def test_math_in_code_spans_is_left_as_written() -> None:
    assert convert_math("`$x$` and $x^2$") == "`$x$` and x^2"


def test_frac_is_unambiguous_and_display_math_is_one_line() -> None:
    assert convert_math("$\\frac{1}{1+e^{-x}}$") == "1/(1+e^(-x))"
    assert convert_math("a $$\n  \\frac{a}{b}\n$$ b") == "a a/b b"


def test_malformed_latex_does_not_crash() -> None:
    assert convert_math("$\\frac{1}{$ ok") is not None


def test_cells_split_on_pipes_outside_code_math_and_escapes() -> None:
    assert split_outside_spans("a | `b|c` | $d|e$ | f\\|g") == [
        "a ",
        " `b|c` ",
        " $d|e$ ",
        " f\\|g",
    ]


@pytest.mark.parametrize(
    ("heading", "topic"),
    [
        (
            "## **III. Categorical Cross-Entropy (CCE) & Sparse CCE**",
            "Categorical Cross-Entropy (CCE) & Sparse CCE",
        ),
        (
            "## I. Robust Regression Loss Functions (MSE, MAE, Huber)",
            "Robust Regression Loss Functions (MSE, MAE, Huber)",
        ),
        ("### 2.1 Optimizers ###", "Optimizers"),
        ("## Perceptron Loss Function", "Perceptron Loss Function"),
    ],
)
def test_headings_lose_markup_and_numbering(heading: str, topic: str) -> None:
    assert clean_heading(heading) == topic


def test_anki_html_becomes_markdown() -> None:
    assert html_to_markdown("a<br>b <b>bold</b> <i>it</i> &amp; <code>x</code>") == (
        "a\nb **bold** *it* & `x`"
    )
    assert html_to_markdown("<ol><li>one</li><li>two</li></ol><ul><li>x</li></ul>") == (
        "1. one\n2. two\n- x"
    )
