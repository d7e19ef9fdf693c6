"""Item analysis (bot/quality.py) against data small enough to work out by hand."""

import math

import pytest

from bot.quality import (
    DISTRACTOR_FLAG,
    MIN_ANSWERS,
    NEGATIVE_FLAG,
    TOO_EASY_FLAG,
    TOO_HARD_FLAG,
    CardQuality,
    OptionPicks,
    analyse,
    summary_line,
)
from bot.store.quality import AskedRound, ScoredAnswer

OPENED = "2026-11-02T12:00:00.000000Z"


def _round(round_id, card, options, key, fmt="choice", mode="quiz", prompt=None):
    return AskedRound(
        round_id=round_id,
        card_id=card,
        mode=mode,
        format=fmt,
        answer_index=key,
        opened_at=OPENED,
        prompt=prompt if prompt is not None else f"Question {card}?",
        options=tuple(options),
    )


def _answer(round_id, user, option, correct, seconds=10, typed=None, read_as=None):
    return ScoredAnswer(
        round_id=round_id,
        platform="console",
        user_id=user,
        option_index=option,
        correct=correct,
        answered_at=f"2026-11-02T12:{seconds // 60:02d}:{seconds % 60:02d}.000000Z",
        typed=typed,
        read_as=read_as,
    )


def _by_card(cards):
    return {c.card_id: c for c in cards}


# -- the hand-computed example -------------------------------------------------------------
#
# Three cards, one quiz round each, four players:
#
#            card A (key "a-key")  card B (key "b-key")  card C (key "c-key")   total
#   p1       a-key  right          b-key  right          c-key  right           3/3
#   p2       a-key  right          b-key  right          c-x    wrong           2/3
#   p3       a-x    wrong          b-key  right          c-x    wrong           1/3
#   p4       a-x    wrong          b-x    wrong          c-y    wrong           0/3
#
# Accuracy on the OTHER cards (the card itself left out):
#   for A: p1 2/2 = 1, p2 1/2 = .5, p3 1/2 = .5, p4 0/2 = 0
#   for B: p1 1,       p2 .5,       p3 0,        p4 0
#   for C: p1 1,       p2 1,        p3 .5,       p4 0
#
# Card A: x = 1,1,0,0 (mean .5), y = 1,.5,.5,0 (mean .5)
#   dx = .5,.5,-.5,-.5   dy = .5,0,0,-.5
#   Sxy = .25+0+0+.25 = .5   Sxx = 4 * .25 = 1   Syy = .25+0+0+.25 = .5
#   r = .5 / sqrt(1 * .5) = .70711
# Card B: x = 1,1,1,0 (mean .75), y = 1,.5,0,0 (mean .375)
#   dx = .25,.25,.25,-.75   dy = .625,.125,-.375,-.375
#   Sxy = .15625+.03125-.09375+.28125 = .375   Sxx = 3*.0625+.5625 = .75
#   Syy = .390625+.015625+.140625+.140625 = .6875
#   r = .375 / sqrt(.75 * .6875) = .375 / .71807 = .52223
# Card C: x = 1,0,0,0 (mean .25), y = 1,1,.5,0 (mean .625)
#   dx = .75,-.25,-.25,-.25   dy = .375,.375,-.125,-.625
#   Sxy = .28125-.09375+.03125+.15625 = .375   Sxx = .75   Syy = .6875   r = .52223
# Had card A counted in the player's own total (3/3, 2/3, 1/3, 0/3), A's r would be
# .5 / sqrt(1 * .5556) = .894 (Syy = 2*(.5^2) + 2*(.1667^2) = .5556): the item would look
# better than it is. The test below pins .70711.
#
# Answer times in card A: 10 s, 20 s, 30 s, 50 s after the round opened: median 25 s.
# Option shares in card A: a-key 2/4, a-x 2/4, a-y 0/4, a-z 0/4.
# Strongest third of card A: ceil(4/3) = 2 answers by accuracy on other cards: p1 (1), then
# p2 and p3 tie at .5 and the tie goes by user id: p2. Both chose the key: 2 key picks.
# Strongest third of card C: p1 and p2 (both 1): c-key once, c-x once: not more than the key.


def _hand_example():
    rounds = [
        _round(1, "A", ["a-key", "a-x", "a-y", "a-z"], 0),
        _round(2, "B", ["b-x", "b-key", "b-y", "b-z"], 1),
        _round(3, "C", ["c-x", "c-y", "c-key", "c-z"], 2),
    ]
    answers = [
        _answer(1, "p1", 0, True, seconds=10),
        _answer(1, "p2", 0, True, seconds=20),
        _answer(1, "p3", 1, False, seconds=30),
        _answer(1, "p4", 1, False, seconds=50),
        _answer(2, "p1", 1, True),
        _answer(2, "p2", 1, True),
        _answer(2, "p3", 1, True),
        _answer(2, "p4", 0, False),
        _answer(3, "p1", 2, True),
        _answer(3, "p2", 0, False),
        _answer(3, "p3", 0, False),
        _answer(3, "p4", 1, False),
    ]
    return rounds, answers


def test_statistics_match_the_hand_computed_example():
    cards = _by_card(analyse(*_hand_example()))
    a, b, c = cards["A"], cards["B"], cards["C"]
    assert (a.answers, a.players, a.correct_share) == (4, 4, 0.5)
    assert (b.correct_share, c.correct_share) == (0.75, 0.25)
    assert a.discrimination == pytest.approx(0.70711, abs=1e-5)
    assert b.discrimination == pytest.approx(0.52223, abs=1e-5)
    assert c.discrimination == pytest.approx(0.52223, abs=1e-5)
    assert a.median_seconds == {"quiz": 25.0}
    picks = {o.option: o for o in a.option_picks}
    assert {t: (o.picks, o.shown, o.share) for t, o in picks.items()} == {
        "a-key": (2, 4, 0.5),
        "a-x": (2, 4, 0.5),
        "a-y": (0, 4, 0.0),
        "a-z": (0, 4, 0.0),
    }
    assert [o.option for o in a.option_picks if o.key] == ["a-key"]
    assert picks["a-key"].strongest_picks == 2 and picks["a-x"].strongest_picks == 0
    c_picks = {o.option: o.strongest_picks for o in c.option_picks}
    assert c_picks["c-key"] == 1 and c_picks["c-x"] == 1


def test_the_example_is_too_small_for_flags_and_says_so():
    for card in analyse(*_hand_example()):
        assert card.flags == () and not card.checked
        assert card.notes == (f"needs {MIN_ANSWERS} answers for flags, has 4",)


def test_the_example_with_a_lower_minimum_is_checked_and_unflagged():
    # A .5, B .75, C .25: none over 95% or under 20%; every r positive; no distractor beats
    # the key among the strongest.
    for card in analyse(*_hand_example(), min_answers=4):
        assert card.checked and card.flags == ()


# -- flags at their thresholds -------------------------------------------------------------


def _card_with(right, total, others=4):
    """Card X answered by `total` players, the first `right` of them right; each player
    also answered `others` other cards, the strong ones right, so accuracy varies."""
    rounds = [_round(1, "X", ["x-key", "x-1", "x-2", "x-3"], 0)]
    answers = []
    for i in range(total):
        user = f"u{i:03d}"
        answers.append(_answer(1, user, 0 if i < right else 1, i < right))
    for k in range(others):
        rid = 100 + k
        rounds.append(_round(rid, f"O{k}", ["o-key", "o-1", "o-2", "o-3"], 0))
        for i in range(total):
            good = i < right if k % 2 == 0 else i % 2 == 0
            answers.append(_answer(rid, f"u{i:03d}", 0 if good else 1, good))
    cards = _by_card(analyse(rounds, answers))
    return cards["X"]


def test_too_easy_is_over_95_percent():
    assert TOO_EASY_FLAG not in _card_with(19, 20).flags  # 95% exactly: not over
    assert TOO_EASY_FLAG in _card_with(39, 40).flags  # 97.5%
    assert TOO_EASY_FLAG in _card_with(20, 20).flags


def test_too_hard_is_under_20_percent():
    assert TOO_HARD_FLAG not in _card_with(4, 20).flags  # 20% exactly: not under
    easy = _card_with(3, 20)  # 15%
    assert TOO_HARD_FLAG in easy.flags
    assert "15% right, under 20%" in easy.notes


def test_flags_wait_for_the_minimum_number_of_answers():
    short = _card_with(0, MIN_ANSWERS - 1)
    assert short.flags == () and not short.checked
    assert short.notes == (f"needs {MIN_ANSWERS} answers for flags, has {MIN_ANSWERS - 1}",)
    assert TOO_HARD_FLAG in _card_with(0, MIN_ANSWERS).flags


def test_a_lower_minimum_flags_sooner():
    rounds = [_round(1, "X", ["k", "a", "b", "c"], 0)]
    answers = [_answer(1, f"u{i}", 1, False) for i in range(5)]
    assert analyse(rounds, answers, min_answers=5)[0].flags == (TOO_HARD_FLAG,)
    assert analyse(rounds, answers, min_answers=6)[0].flags == ()


def _negative_card():
    # 30 players. On four other cards the first 15 are right and the last 15 wrong (strong /
    # weak); on card N the weak ones are right and the strong ones wrong.
    rounds = [_round(1, "N", ["n-key", "n-1", "n-2", "n-3"], 0)]
    answers = []
    for i in range(30):
        strong = i < 15
        answers.append(_answer(1, f"u{i:02d}", 1 if strong else 0, not strong))
    for k in range(4):
        rounds.append(_round(10 + k, f"O{k}", ["o-key", "o-1", "o-2", "o-3"], 0))
        for i in range(30):
            strong = i < 15
            answers.append(_answer(10 + k, f"u{i:02d}", 0 if strong else 1, strong))
    return rounds, answers


def test_negative_discrimination_is_flagged_with_its_value():
    card = _by_card(analyse(*_negative_card()))["N"]
    assert card.discrimination == pytest.approx(-1.0)
    assert NEGATIVE_FLAG in card.flags
    assert any(n.startswith("discrimination -1.00") for n in card.notes)


def test_a_distractor_the_strongest_third_prefer_is_flagged():
    # Card N again: the strongest 10 of 30 (ceil(30/3)) all chose "n-1" and nobody among
    # them the key: a distractor beats the key.
    card = _by_card(analyse(*_negative_card()))["N"]
    assert card.flags[0] == DISTRACTOR_FLAG
    picks = {o.option: o for o in card.option_picks}
    assert picks["n-1"].strongest_picks == 10 and picks["n-key"].strongest_picks == 0
    assert card.notes[0] == (
        "the strongest third of players chose 'n-1' 10 times and the key 0 times (choice): "
        "two right answers?"
    )


def test_no_distractor_flag_when_the_strongest_choose_the_key():
    # 30 answers; the strongest 10 choose the key, the rest split over distractors.
    rounds = [_round(1, "Y", ["y-key", "y-1", "y-2", "y-3"], 0)]
    answers = []
    for i in range(30):
        strong = i < 10
        answers.append(_answer(1, f"u{i:02d}", 0 if strong else 1 + i % 3, strong))
    rounds.append(_round(2, "O", ["o-key", "o-1", "o-2", "o-3"], 0))
    answers += [_answer(2, f"u{i:02d}", 0 if i < 10 else 1, i < 10) for i in range(30)]
    card = _by_card(analyse(rounds, answers))["Y"]
    assert DISTRACTOR_FLAG not in card.flags and NEGATIVE_FLAG not in card.flags


def test_options_are_matched_by_text_across_shuffled_rounds():
    # The same card asked twice with its options in another order: the key is "k" both times.
    rounds = [
        _round(1, "S", ["k", "a", "b", "c"], 0),
        _round(2, "S", ["a", "c", "k", "b"], 2),
    ]
    answers = [
        _answer(1, "p1", 0, True),
        _answer(1, "p2", 1, False),
        _answer(2, "p3", 2, True),
        _answer(2, "p4", 0, False),
        _answer(2, "p5", 1, False),
    ]
    card = analyse(rounds, answers)[0]
    picks = {o.option: (o.key, o.picks, o.shown) for o in card.option_picks}
    assert picks == {"k": (True, 2, 5), "a": (False, 2, 5), "c": (False, 1, 5), "b": (False, 0, 5)}


def test_rounds_whose_text_was_dropped_still_count():
    rounds = [_round(1, "D", [], 0, prompt="")]
    answers = [_answer(1, "p1", 0, True), _answer(1, "p2", 3, False)]
    card = analyse(rounds, answers)[0]
    assert card.correct_share == 0.5 and card.prompt is None
    assert {(o.option, o.key, o.picks) for o in card.option_picks} == {
        (None, True, 1),
        (None, False, 1),
    }


def test_typed_answers_are_grouped_by_reading():
    rounds = [_round(1, "T", [], 0, fmt="typed")]
    answers = [
        _answer(1, "p1", 0, True, typed="backprop", read_as="backpropagation"),
        _answer(1, "p2", 0, True, typed="Backpropagation", read_as="backpropagation"),
        _answer(1, "p3", -1, False, typed="Gradient  Descent"),
        _answer(1, "p4", -1, False, typed="gradient descent"),
        _answer(1, "p5", -1, False, typed="adam"),
    ]
    card = analyse(rounds, answers)[0]
    assert [(o.option, o.key, o.picks, o.shown) for o in card.option_picks] == [
        ("backpropagation", True, 2, 5),
        ("gradient descent", False, 2, 5),
        ("adam", False, 1, 5),
    ]


def test_median_time_is_per_mode():
    rounds = [
        _round(1, "M", ["k", "a", "b", "c"], 0, mode="daily"),
        _round(2, "M", ["k", "a", "b", "c"], 0, mode="quiz"),
    ]
    answers = [
        _answer(1, "p1", 0, True, seconds=3000),
        _answer(1, "p2", 0, True, seconds=600),
        _answer(1, "p3", 0, True, seconds=1200),
        _answer(2, "p1", 0, True, seconds=4),
        _answer(2, "p2", 0, True, seconds=8),
    ]
    assert analyse(rounds, answers)[0].median_seconds == {"daily": 1200.0, "quiz": 6.0}


def test_worst_cards_come_first():
    rounds, answers = _negative_card()
    # An easy card (every one of the 30 right) and a short one (3 answers).
    rounds += [_round(50, "E", ["k", "a", "b", "c"], 0), _round(51, "F", ["k", "a", "b", "c"], 0)]
    answers += [_answer(50, f"u{i:02d}", 0, True) for i in range(30)]
    answers += [_answer(51, f"u{i:02d}", 0, True) for i in range(3)]
    order = [c.card_id for c in analyse(rounds, answers)]
    assert order[0] == "N"  # a distractor beats the key
    assert order[1] == "E"  # too easy
    assert order[-1] == "F"  # not enough answers yet
    assert set(order[2:-1]) == {"O0", "O1", "O2", "O3"}


# -- the chat view's summary line ----------------------------------------------------------


def _quality(**changes):
    base = dict(
        card_id="42",
        prompt="What does dropout do during training of a neural network?",
        answers=31,
        players=31,
        correct_share=30 / 31,
        discrimination=0.1,
        option_picks=(),
        median_seconds={},
        flags=(TOO_EASY_FLAG,),
        notes=(),
        checked=True,
    )
    base.update(changes)
    return CardQuality(**base)


def test_summary_line_wording():
    assert summary_line(_quality()) == (
        "card 42 'What does dropout do during training of…' — 31 answers, 97% right: too easy"
    )
    assert summary_line(_quality(flags=(), correct_share=0.5)) == (
        "card 42 'What does dropout do during training of…' — 31 answers, 50% right: "
        "nothing to check"
    )
    short = _quality(answers=1, correct_share=1.0, checked=False, flags=(), prompt="Why?")
    assert summary_line(short) == (
        "card 42 'Why?' — 1 answer, 100% right: too few answers to judge yet (1 of 20)"
    )


def test_summary_line_names_the_preferred_distractor_and_the_value():
    picks = (
        OptionPicks("choice", "the key", True, 10, 31, 2),
        OptionPicks("choice", "Randomly zeroes units", False, 12, 31, 8),
    )
    card = _quality(
        flags=(DISTRACTOR_FLAG, NEGATIVE_FLAG),
        discrimination=-0.214,
        correct_share=10 / 31,
        option_picks=picks,
        prompt=None,
    )
    assert summary_line(card) == (
        "card 42 — 31 answers, 32% right: strong players pick 'Randomly zeroes units' over "
        "the key, so it may be right too; weaker players get it right more often than strong "
        "ones (correlation -0.21; check the key)"
    )


def test_a_percentage_on_a_threshold_gets_a_decimal():
    assert "95.4% right: too easy" in summary_line(_quality(correct_share=0.954))
    assert "19.6% right: too hard (check the key and the wording)" in summary_line(
        _quality(correct_share=0.196, flags=(TOO_HARD_FLAG,))
    )
    assert "50% right" in summary_line(_quality(correct_share=0.5, flags=()))


def test_discrimination_is_none_when_nobody_differs():
    rounds = [_round(1, "Z", ["k", "a", "b", "c"], 0)]
    answers = [_answer(1, f"u{i}", 0, True) for i in range(25)]
    card = analyse(rounds, answers)[0]
    assert card.discrimination is None  # nobody has another card: no accuracy to compare
    assert card.flags == (TOO_EASY_FLAG,)
    assert math.isclose(card.correct_share, 1.0)
