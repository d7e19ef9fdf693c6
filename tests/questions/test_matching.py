"""Typed answers: the accept/reject table and the matcher's invariants."""

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.questions.matching import match, normalise, split_tolerance, typo_allowance

# (typed, accepted answers, accepted?) -- every rule has both sides.
TABLE = [
    # case, spacing
    ("paris", ["Paris"], True),
    ("PARIS", ["Paris"], True),
    ("  Paris  ", ["Paris"], True),
    ("new   york", ["New York"], True),
    ("newyork", ["New York"], True),
    ("Pari", ["Paris"], False),
    ("Parish", ["Paris"], False),
    # accents
    ("cafe", ["café"], True),
    ("Café", ["cafe"], True),
    ("Sao Paulo", ["São Paulo"], True),
    ("Bogota", ["Bogotá"], True),
    ("Zurich", ["Zürich"], True),
    ("Zurick", ["Zürich"], True),  # one typo in six letters
    ("Zorrick", ["Zürich"], False),
    # punctuation
    ("O'Brien", ["OBrien"], True),
    ("obrien", ["O'Brien"], True),
    ("k-means", ["k means"], True),
    ("kmeans", ["k-means"], True),
    ("U.S.A.", ["USA"], True),
    ("Washington, D.C.", ["Washington, D.C."], True),
    ("Washington DC", ["Washington, D.C."], True),
    ("rock & roll", ["rock and roll"], True),
    ("C", ["C++"], False),
    ("C#", ["C++"], False),
    ("c++", ["C++"], True),
    ("!!!", ["Paris"], False),
    # leading articles
    ("The Beatles", ["Beatles"], True),
    ("beatles", ["The Beatles"], True),
    ("a priori", ["a priori"], True),
    ("an apple", ["apple"], True),
    ("The", ["The Who"], False),
    ("The Who", ["Who"], True),
    ("Beatles the", ["The Beatles"], False),
    # numbers as digits or words
    ("three", ["3"], True),
    ("3", ["three"], True),
    ("Three", ["3"], True),
    ("eleven", ["11"], True),
    ("twenty-one", ["21"], True),
    ("twenty one", ["21"], True),
    ("one hundred and five", ["105"], True),
    ("two thousand and twenty", ["2020"], True),
    ("four", ["3"], False),
    ("thirty", ["3"], False),
    ("31", ["13"], False),
    ("1995", ["1959"], False),
    ("1960", ["1959"], False),
    ("212", ["212"], True),
    ("213", ["212"], False),
    ("0", ["zero"], True),
    ("1 million", ["one million"], True),
    # thousands separators
    ("1,000", ["1000"], True),
    ("1000", ["1,000"], True),
    ("1 000 000", ["1000000"], True),
    ("1\u202f000", ["1000"], True),
    ("10,00", ["1000"], False),
    ("1.000", ["1000"], False),
    ("1,0000", ["10000"], False),
    # signs
    ("-1", ["1"], False),
    ("1", ["-1"], False),
    ("\u22121", ["-1"], True),
    ("-y_i x_i", ["\u2212y_i x_i"], True),
    ("y_i x_i", ["\u2212y_i x_i"], False),
    ("minus y", ["-y"], True),
    # declared numeric tolerance
    ("9.8", ["9.81 ± 0.05"], True),
    ("9.81", ["9.81 ± 0.05"], True),
    ("9.86", ["9.81 ± 0.05"], True),
    ("9.7", ["9.81 ± 0.05"], False),
    ("10", ["9.81 ± 0.05"], False),
    ("3.14", ["3.14159 +/- 0.01"], True),
    ("3.2", ["3.14159 +/- 0.01"], False),
    ("3.1", ["3.14"], False),
    ("pi", ["3.14 ± 0.01"], False),
    # Greek letters and names
    ("eta", ["η"], True),
    ("η", ["eta"], True),
    ("delta", ["δ"], True),
    ("Δ", ["delta"], True),
    ("lambda", ["λ"], True),
    ("λ", ["lambda"], True),
    ("delta x", ["Δx"], True),
    ("beta", ["β1"], False),
    ("β1", ["beta1"], True),
    ("beta 1", ["β₁"], True),
    ("theta", ["η"], False),
    ("mu", ["μ"], True),
    ("nu", ["μ"], False),
    # superscripts and subscripts
    ("L2", ["L²"], True),
    ("L²", ["L2"], True),
    ("l2", ["L²"], True),
    ("L1", ["L²"], False),
    ("x2", ["x₂"], True),
    ("R2", ["R²"], True),
    ("covid18", ["covid19"], False),
    # small typos, by length
    ("backpropogation", ["backpropagation"], True),
    ("backpropagatoin", ["backpropagation"], True),
    ("backpropagaton", ["backpropagation"], True),
    ("bakpropogaton", ["backpropagation"], True),
    ("forward propagation", ["backpropagation"], False),
    ("regularisation", ["regularization"], True),
    ("dropuot", ["dropout"], True),
    ("drpout", ["dropout"], True),
    ("dorpuot", ["dropout"], False),
    ("Tokio", ["Tokyo"], True),
    ("Kyoto", ["Tokyo"], False),
    ("Adma", ["Adam"], False),  # four letters: no typo allowed
    ("Adam", ["Adam"], True),
    ("cat", ["car"], False),
    ("SGD", ["SGD"], True),
    ("SDG", ["SGD"], False),
    ("relu", ["ReLU"], True),
    ("rleu", ["ReLU"], False),
    ("sigmoid", ["sigmoid"], True),
    ("sigmiod", ["sigmoid"], True),
    ("tanh", ["sigmoid"], False),
    ("softmax", ["softplus"], False),
    # never a substring, never the answer inside a longer one
    ("air", ["chair"], False),
    ("chair", ["air"], False),
    ("chai", ["chair"], False),
    ("chairs", ["chair"], False),
    ("propagation", ["backpropagation"], False),
    ("backpropagation through time", ["backpropagation"], False),
    ("I think it is Paris", ["Paris"], False),
    ("Paris France", ["Paris"], False),
    ("Adam optimizer", ["Adam"], False),
    ("gradient", ["gradient descent"], False),
    ("descent", ["gradient descent"], False),
    ("stochastic gradient descent", ["gradient descent"], False),
    # several candidates
    ("adam or sgd", ["Adam"], False),
    ("sgd or adam", ["Adam"], False),
    ("Adam/SGD", ["Adam"], False),
    ("Adam, SGD", ["Adam"], False),
    ("adam; sgd", ["Adam"], False),
    ("adam and/or sgd", ["Adam"], False),
    ("either Adam or RMSprop", ["Adam", "RMSprop"], False),
    ("Simon and Garfunkel", ["Simon and Garfunkel"], True),
    ("Simon & Garfunkel", ["Simon and Garfunkel"], True),
    ("rock or roll", ["rock or roll"], True),
    # several accepted answers: any counts
    ("'72", ["1972", "'72"], True),
    ("72", ["1972", "'72"], True),
    ("1972", ["1972", "'72"], True),
    ("1973", ["1972", "'72"], False),
    ("rectified linear unit", ["ReLU", "rectified linear unit"], True),
    ("rectifed linear unit", ["ReLU", "rectified linear unit"], True),
    ("linear unit", ["ReLU", "rectified linear unit"], False),
    # empty and junk
    ("", ["Paris"], False),
    ("   ", ["Paris"], False),
    ("the", ["Paris"], False),
    ("?", ["?"], False),
    # a decimal without its leading zero, and symbols typed for words
    (".5", ["0.5"], True),
    (".25", ["0.25"], True),
    (".5", ["5"], False),
    ("-.5", ["0.5"], False),
    ("∞", ["infinity"], True),
    ("≥", ["at least"], True),
    (">=", ["at least"], True),
    ("≤", ["at least"], False),
    # a sign before the whole answer is kept, with or without a space or brackets
    ("- y x", ["-y x"], True),
    ("-(y_i x_i)", ["−y_i x_i"], True),
    ("y x", ["-y x"], False),
    ("(y x)", ["-y x"], False),
    # a quotient of numbers is its value, never two candidates
    ("199/2", ["99.5"], True),
    ("1/2", ["0.5"], True),
    ("1 / 4", ["0.25"], True),
    ("1/3", ["0.33"], True),  # the accepted number is rounded: so is the quotient
    ("1/3", ["0.3"], False),
    ("10/2", ["5"], True),
    ("21/4", ["5"], False),  # an integer wants the exact value
    ("-1/4", ["0.25"], False),
    ("1/0", ["0"], False),
    ("3/4", ["0.75 ± 0.01"], True),
    ("2/3", ["0.75 ± 0.01"], False),
    ("1/2", ["half"], False),  # a word answer is not read as a number
    ("1/2", ["one half"], False),
    ("1/√B", ["1/B"], False),  # a root is part of the answer, not punctuation
    ("1/√B", ["1/sqrt(B)"], True),
    ("√2", ["sqrt 2"], True),
]


def test_the_table_is_big_enough_and_has_both_sides():
    assert len(TABLE) >= 100
    assert sum(ok for _, _, ok in TABLE) >= 40
    assert sum(not ok for _, _, ok in TABLE) >= 40


@pytest.mark.parametrize(("typed", "accepted", "ok"), TABLE)
def test_match_table(typed, accepted, ok):
    assert match(typed, accepted).correct is ok


def test_the_reading_names_the_accepted_answer_and_whether_it_was_exact():
    exact = match("ADAM", ["Adam"])
    assert exact.correct and exact.exact and exact.accepted == "Adam"
    read = match("backpropogation", ["backpropagation"])
    assert read.correct and not read.exact and read.accepted == "backpropagation"
    assert match("three", ["3"]).accepted == "3"
    assert match("9.8", ["9.81 ± 0.05"]).accepted == "9.81"


def test_the_closest_accepted_answer_is_the_reading():
    assert match("sigmoidd", ["sigmoids", "sigmoid"]).accepted in ("sigmoids", "sigmoid")
    assert match("Tokio", ["Kyoto", "Tokyo"]).accepted == "Tokyo"


def test_typo_allowance_grows_with_length_and_is_none_for_short_answers():
    assert [typo_allowance(n) for n in (1, 4, 5, 7, 8, 12, 13, 40)] == [0, 0, 1, 1, 2, 2, 3, 3]


def test_a_tolerance_is_only_declared_on_a_number():
    assert split_tolerance("9.81 ± 0.05") == ("9.81", 0.05)
    assert split_tolerance("plus ± minus") == ("plus ± minus", 0.0)
    assert split_tolerance("Paris") == ("Paris", 0.0)


text = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "Zs", "S")), max_size=30
)


@given(text)
@example("A:A:0")  # two leading articles: both go in one pass
def test_normalisation_is_idempotent(s):
    assert normalise(normalise(s)) == normalise(s)


@given(st.lists(text.filter(lambda s: s.strip()), min_size=1, max_size=3))
def test_the_empty_answer_is_never_accepted(accepted):
    assert not match("", accepted).correct
    assert not match("   ", accepted).correct


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=25), st.data())
def test_a_pure_substring_is_never_accepted(answer, data):
    start = data.draw(st.integers(0, len(answer) - 1))
    end = data.draw(st.integers(start + 1, len(answer)))
    part = answer[start:end]
    if normalise(part).replace(" ", "") != normalise(answer).replace(" ", ""):
        assert not match(part, [answer]).correct
        assert not match(f"x{answer}y", [answer]).correct


@pytest.mark.parametrize(
    ("typed", "ok"),
    [
        ("increases", True),
        ("incrases", True),  # a typo of the key still counts
        ("decreases", False),  # within the typo allowance of "increases", but a wrong option
        ("Decreases.", False),
        ("decrases", False),  # as close to the wrong option as to the key
        ("stays the same", False),
    ],
)
def test_refused_answers_are_never_read_as_typos_of_the_key(typed, ok):
    refused = ["decreases", "stays the same", "oscillates"]
    assert match(typed, ["increases"], refused).correct is ok
    # Without the refused list the allowance alone would take "decreases": the reason for it.
    assert match("decreases", ["increases"]).correct


def test_an_accepted_answer_wins_over_a_refused_one_typed_exactly():
    assert match("batch", ["batch"], ["batch"]).correct


SKIP = "In very deep CNNs, _____ connections around blocks of layers ease vanishing gradients."
SGD = "Mini-batch _____ gradient descent averages over a few examples."


@pytest.mark.parametrize(
    ("typed", "prompt", "ok"),
    [
        ("skip connections", SKIP, True),  # the word after the blank, typed along
        ("Skip-connections", SKIP, True),
        ("skip connections around", SKIP, True),  # two words after it
        ("deep CNNs, skip", SKIP, True),  # the words before it
        ("dense connections", SKIP, False),  # the context does not make a wrong answer right
        ("connections", SKIP, False),  # the context alone is not the answer
        ("skip connections", "Which _____ ease vanishing gradients?", False),  # not beside it
        ("skip connections", "Name the kind of connection.", False),  # no blank: as before
        ("stochastic gradient descent", SGD, True),
        ("gradient descent", SGD, False),
    ],
)
def test_a_blank_typed_with_its_neighbouring_words_is_read_without_them(typed, prompt, ok):
    reading = match(typed, ["skip", "residual", "stochastic"], (), prompt)
    assert reading.correct is ok
    if ok:
        assert not reading.exact  # the acknowledgement says how it was read
