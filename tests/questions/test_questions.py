"""Questions made from cards: shapes, determinism, filters, and fairness on the shipped decks."""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from pathlib import Path

import pytest

from bot.cards import load_library
from bot.cards.model import Card, card_id
from bot.cli import main
from bot.paths import seed_dirs
from bot.questions import BLANK, OPTION_MAX, TERM_MAX, Question, QuestionMaker, plain, shorten

# --- a small synthetic deck -----------------------------------------------------------------

_TOPICS = {
    "Optimizers": [
        (
            "What does **momentum** add to gradient descent?",
            "Momentum adds a fraction of the previous update, so the optimizer keeps **inertia** "
            "through small bumps.",
        ),
        (
            "What does the **learning rate** control?",
            "The learning rate controls the **step size** of every weight update during training.",
        ),
        (
            "Why does Adam keep a running average of squared gradients?",
            "Adam scales each step by the **root mean square** of recent gradients so noisy "
            "parameters move carefully.",
        ),
        (
            "What is **weight decay**?",
            "Weight decay shrinks every weight towards zero at each step, acting as an **L2 "
            "penalty** on large parameters.",
        ),
        (
            "What does gradient clipping protect against?",
            "Gradient clipping caps the gradient norm so a single batch cannot cause an "
            "**exploding update** of the weights.",
        ),
        (
            "Why is a learning rate warm-up used?",
            "A warm-up starts with tiny steps so the early, noisy gradients cannot push the "
            "weights into a **bad region** of the landscape.",
        ),
    ],
    "Activations": [
        (
            "What does **ReLU** output for negative inputs?",
            "ReLU outputs **zero** for every negative input and passes positive inputs through "
            "unchanged.",
        ),
        (
            "Why does the sigmoid cause **vanishing gradients**?",
            "Its derivative is at most a quarter, so multiplying it over many layers makes the "
            "gradient **shrink towards zero** quickly.",
        ),
        (
            "What does the **softmax** function produce?",
            "Softmax turns a vector of logits into a **probability distribution** whose entries "
            "sum to one.",
        ),
        (
            "What is a **dying ReLU**?",
            "A dying ReLU is a unit stuck at **negative inputs** for every sample, so its gradient "
            "stays zero and it never learns again.",
        ),
        (
            "Why is tanh zero-centred output helpful?",
            "Zero-centred outputs keep the next layer's inputs **balanced around zero**, which "
            "makes gradient steps less zig-zagging.",
        ),
        (
            "What does GELU do differently from ReLU?",
            "GELU weights each input by the **Gaussian probability** of being positive instead of "
            "cutting it off hard at zero.",
        ),
    ],
}


def make_card(topic: str, number: int, question: str, answer: str, level: str = "core") -> Card:
    return Card(
        id=card_id(question),
        deck="synthetic",
        topic=topic,
        level=level,  # type: ignore[arg-type]
        kind="qa",
        number=str(number),
        question=question,
        answer=answer,
        source=f"synthetic.md:{number}",
    )


def synthetic_cards() -> list[Card]:
    cards = []
    for topic, rows in _TOPICS.items():
        for number, (question, answer) in enumerate(rows, 1):
            cards.append(make_card(topic, number, question, answer))
    cards.append(
        Card(
            card_id("Is a bigger model always better?"),
            "prompts",
            "Discussion",
            "core",
            "prompt",
            "1",
            "Is a bigger model always better?",
            "",
            "prompts.txt:1",
        )
    )
    return cards


@pytest.fixture(scope="module")
def shipped() -> QuestionMaker:
    return QuestionMaker(load_library(seed_dirs(None)).cards)


# --- shape ----------------------------------------------------------------------------------


def test_question_to_dict_has_exactly_the_contract_keys():
    maker = QuestionMaker(synthetic_cards())
    question = next(q for c in maker.cards if (q := maker.make(c, "choice", seed=1)))
    assert question is not None
    data = question.to_dict()
    assert set(data) == {
        "card_id",
        "format",
        "prompt",
        "options",
        "answer_index",
        "origin",
        "explanations",
    }
    assert json.loads(json.dumps(data)) == data


def test_choice_offers_the_cards_own_shortened_answer_among_four_distinct_options():
    maker = QuestionMaker(synthetic_cards())
    card = next(c for c in maker.cards if c.question == "What is a **dying ReLU**?")
    question = maker.make(card, "choice", seed=3)
    assert question is not None
    assert question.format == "choice"
    assert question.prompt == card.question
    assert len(question.options) == 4
    assert len({o.casefold() for o in question.options}) == 4
    # "A dying ReLU is a unit stuck…": the subject that restates the question is dropped.
    assert question.options[question.answer_index] == (
        "A unit stuck at negative inputs for every sample"
    )


def test_a_key_is_reworded_not_to_name_its_own_subject():
    cards = synthetic_cards()
    maker = QuestionMaker(cards)
    choice = maker._generators["choice"]  # the generator's own view of an option
    learning_rate = next(i for i, c in enumerate(cards) if "learning rate** control" in c.question)
    maker.make(cards[learning_rate], "choice", 1)
    assert choice.option(learning_rate).text == "It controls the step size of every weight update"


def test_options_are_plain_text_and_cut_to_one_length():
    answer = (
        "The **loss** is *zero* when a point is `correctly` classified, indicating the model "
        "has achieved a margin of separation for that instance. A second sentence."
    )
    short = shorten(answer)
    assert "*" not in short and "`" not in short
    assert len(short) <= OPTION_MAX
    # Cut at the clause boundary, not mid-phrase with "…".
    assert short == "The loss is zero when a point is correctly classified"


def test_short_answer_keeps_only_its_first_sentence():
    assert shorten("**Vectorization**. It replaces loops.") == "Vectorization. It replaces loops"
    assert shorten("MSE **squares** the error (e.g., 10 to 100). So it hurts.") == (
        "MSE squares the error"
    )


def test_code_with_stars_is_not_taken_for_bold():
    assert (
        plain("Loss: `(y_pred - y_true)**2` per sample") == "Loss: (y_pred - y_true)**2 per sample"
    )


def test_a_prompt_card_becomes_an_open_question_without_options():
    maker = QuestionMaker(synthetic_cards())
    prompt_card = maker.cards[-1]
    question = maker.prompt(prompt_card)
    assert question == Question(prompt_card.id, "prompt", prompt_card.question, (), None)
    assert maker.make(prompt_card, "choice", 1) is None
    assert maker.generate(5, 1, fmt="prompt") == [question]


# --- cloze ----------------------------------------------------------------------------------


def test_cloze_blanks_a_bold_term_and_offers_terms_not_in_the_sentence(shipped):
    made = 0
    for card in shipped.cards[:120]:
        question = shipped.make(card, "cloze", seed=5)
        if question is None:
            continue
        made += 1
        assert BLANK in question.prompt
        correct = question.options[question.answer_index]
        assert f"**{correct}**" in card.answer or correct in plain(card.answer)
        sentence = question.prompt.split("\n\n")[-1].casefold()
        assert len({o.casefold() for o in question.options}) == 4
        for option in question.options:
            assert len(option) <= TERM_MAX
            assert option.casefold() not in sentence
    # Cards whose blanks are glossed, need the dropped question or have too few grammatical
    # distractors are skipped (see test_generator_fairness).
    assert made >= 40


def test_no_cloze_when_the_answer_has_no_bold_term():
    cards = synthetic_cards()
    plain_card = make_card(
        "Optimizers",
        99,
        "What is SGD short for?",
        "Stochastic gradient descent, which updates the weights one sample at a time.",
    )
    maker = QuestionMaker([*cards, plain_card])
    assert maker.make(plain_card, "cloze", seed=1) is None


# --- duplicates never become distractors ----------------------------------------------------


def test_a_near_duplicate_card_never_supplies_a_distractor():
    cards = synthetic_cards()
    original = cards[1]  # the learning rate card
    reworded = make_card(
        "Optimizers",
        1,
        "In training, what does the **learning rate** control, intuitively?",
        "How far the optimizer moves the weights per update: small values mean careful, slow "
        "progress in the learning.",
        level="advanced",
    )
    same_answer = make_card(
        "Activations",
        40,
        "Which hyperparameter sets how far each update moves?",
        original.answer,
    )
    maker = QuestionMaker([*cards, reworded, same_answer])
    banned = {shorten(c.answer, question=c.question).casefold() for c in (reworded, same_answer)}
    made = 0
    for seed in range(60):
        for card in (original, reworded, same_answer):
            question = maker.make(card, "choice", seed)
            if question is None:
                continue
            made += 1
            wrong = [
                o.casefold() for i, o in enumerate(question.options) if i != question.answer_index
            ]
            assert not banned & set(wrong), (card.question, question.options)
    assert made >= 60


def test_the_seed_decks_known_duplicates_never_face_each_other(shipped):
    by_slot = {(c.topic, c.level, c.number): c for c in shipped.cards}
    general = "General Loss Function Concepts"
    robust = next(t for t in shipped.topics if t.startswith("Robust Regression"))
    pairs = [((general, "core", f"G{i}"), (general, "advanced", f"G{i}")) for i in range(1, 6)]
    pairs.append(((robust, "core", "4"), (robust, "core", "15")))
    for a_slot, b_slot in pairs:
        a, b = by_slot[a_slot], by_slot[b_slot]
        for card, other in ((a, b), (b, a)):
            other_option = shorten(other.answer, question=other.question)
            for seed in range(25):
                question = shipped.make(card, "choice", seed)
                if question is None:  # skipped: its point does not fit, or too few fair options
                    break
                assert other_option not in question.options


# --- generate -------------------------------------------------------------------------------


def test_same_seed_same_questions_and_another_seed_differs(shipped):
    first = shipped.generate(20, seed=42)
    assert first == QuestionMaker(shipped.cards).generate(20, seed=42)
    assert first != shipped.generate(20, seed=43)


def test_no_card_twice_in_one_call_and_excluded_cards_stay_out(shipped):
    makes = sum(shipped.make(c, "choice", 0) is not None for c in shipped.cards)
    questions = shipped.generate(makes, seed=9, fmt="choice")
    ids = [q.card_id for q in questions]
    assert len(ids) == len(set(ids)) == makes > 80
    again = shipped.generate(100, seed=9, fmt="choice", exclude=ids[:100])
    assert not set(ids[:100]) & {q.card_id for q in again}


def test_the_last_unused_card_is_found_however_many_are_excluded(shipped):
    qa = [c.id for c in shipped.cards if shipped.make(c, "choice", 0) is not None]
    for last in (qa[0], qa[-1], qa[len(qa) // 2]):
        used = [i for i in qa if i != last]
        assert [q.card_id for q in shipped.generate(1, seed=7, fmt="choice", exclude=used)] == [
            last
        ]


def test_mixed_mixes_choice_and_cloze(shipped):
    formats = Counter(q.format for q in shipped.generate(60, seed=2))
    assert set(formats) == {"choice", "cloze"}
    assert min(formats.values()) >= 15


def test_topic_matches_case_insensitively_exactly_or_by_unique_part(shipped):
    for spelled in ("vanishing gradient problem (vgp)", "VANISHING", "gradient problem"):
        questions = shipped.generate(5, seed=1, topic=spelled)
        assert questions
        topics = {next(c for c in shipped.cards if c.id == q.card_id).topic for q in questions}
        assert topics == {"Vanishing Gradient Problem (VGP)"}


def test_unknown_topic_lists_the_known_ones(shipped):
    with pytest.raises(ValueError, match="no topic matches 'gradiant dscent'") as raised:
        shipped.generate(3, seed=1, topic="gradiant dscent")
    assert "closest: Gradient Descent and Its Variants" in str(raised.value)
    with pytest.raises(ValueError, match="several topics"):
        shipped.generate(3, seed=1, topic="loss")


def test_level_filter_keeps_only_that_level(shipped):
    questions = shipped.generate(30, seed=4, level="advanced")
    levels = {next(c for c in shipped.cards if c.id == q.card_id).level for q in questions}
    assert levels == {"advanced"}
    with pytest.raises(ValueError, match="unknown level"):
        shipped.generate(3, seed=1, level="expert")


# --- fairness on the shipped decks ----------------------------------------------------------

# Function words a test-taker would not count as "shared with the question".
_STOP = frozenset(
    re.findall(
        r"\w+",
        """a an the of to in is and or for on with by it its as be
    are that this what why how does do which from at""",
    )
)


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", plain(text).casefold()) if w not in _STOP}


def _credit(question: Question, values: list[int]) -> float:
    """A naive taker picks the option with the top value, guessing evenly among ties."""
    best = [i for i, v in enumerate(values) if v == max(values)]
    return (question.answer_index in best) / len(best)


def _naive_scores(questions: list[Question]) -> tuple[float, float]:
    """Expected scores of "pick the longest" and "pick the most words shared with the prompt"."""
    longest = shared = 0.0
    for q in questions:
        prompt_words = _words(q.prompt)
        longest += _credit(q, [len(o) for o in q.options])
        shared += _credit(q, [len(_words(o) & prompt_words) for o in q.options])
    return longest / len(questions), shared / len(questions)


def _four_hundred(maker: QuestionMaker, fmt: str) -> list[Question]:
    questions: list[Question] = []
    seed = 0
    while len(questions) < 400:
        seed += 1
        questions += maker.generate(50, seed=seed, fmt=fmt)
    return questions[:400]


def _position_chi_square(questions: list[Question]) -> float:
    counts = Counter(q.answer_index for q in questions)
    expected = len(questions) / 4
    return sum((counts.get(i, 0) - expected) ** 2 / expected for i in range(4))


@pytest.mark.parametrize(
    ("fmt", "longest_max", "shared_max"), [("choice", 0.35, 0.40), ("cloze", 0.35, 0.40)]
)
def test_a_naive_test_taker_does_little_better_than_chance(shipped, fmt, longest_max, shared_max):
    questions = _four_hundred(shipped, fmt)
    longest, shared = _naive_scores(questions)
    chi_square = _position_chi_square(questions)
    print(
        f"\n{fmt}: longest {longest:.1%}, most shared words {shared:.1%}, "
        f"position chi-square {chi_square:.1f} over {len(questions)}"
    )
    assert longest <= longest_max
    assert shared <= shared_max
    assert chi_square < 16.3  # df 3, p = 0.001: the correct position is uniform
    assert all(len({o.casefold() for o in q.options}) == 4 for q in questions)


def test_shortening_alone_does_not_make_random_distractors_fair(shipped):
    # The baseline the distractor ranking has to beat: same-topic answers drawn at random.
    import random

    rng = random.Random(5)
    qa = [c for c in shipped.cards if c.kind == "qa"]
    questions = []
    for _ in range(400):
        card = rng.choice(qa)
        others = [c for c in qa if c.topic == card.topic and c.id != card.id]
        options = [shorten(c.answer, question=c.question) for c in rng.sample(others, 3)]
        index = rng.randrange(4)
        options.insert(index, shorten(card.answer, question=card.question))
        questions.append(Question(card.id, "choice", card.question, tuple(options), index))
    _, shared = _naive_scores(questions)
    print(f"\nrandom same-topic distractors: most shared words {shared:.1%}")
    assert shared > 0.5


# --- speed ----------------------------------------------------------------------------------


def test_index_builds_fast_and_make_is_cheap_once_warm():
    cards = load_library(seed_dirs(None)).cards
    started = time.perf_counter()
    maker = QuestionMaker(cards)
    maker.make(cards[0], "choice", 0)  # builds the index
    build = time.perf_counter() - started
    qa = [c for c in cards if c.kind == "qa"]
    for card in qa:
        maker.make(card, "choice", 0)
    started = time.perf_counter()
    for seed in range(1, 4):
        for card in qa:
            maker.make(card, "choice", seed)
    per_make = (time.perf_counter() - started) / (3 * len(qa))
    print(f"\nbuild {build * 1000:.0f} ms, warm make {per_make * 1e6:.0f} µs")
    assert build < 0.5
    assert per_make < 0.002


def test_a_large_library_costs_nothing_until_asked():
    cards = synthetic_cards()
    many = [
        make_card(c.topic, i, f"{c.question} (variant {i})", c.answer)
        for i in range(20_000)
        for c in cards[:1]
    ]
    started = time.perf_counter()
    QuestionMaker(many)
    assert time.perf_counter() - started < 0.5


# --- command line ---------------------------------------------------------------------------


def test_questions_command_prints_json_lines_the_same_for_the_same_seed(capsys):
    assert main(["questions", "--count", "6", "--seed", "3", "--format", "mixed"]) == 0
    first = capsys.readouterr().out
    assert main(["questions", "--count", "6", "--seed", "3", "--format", "mixed"]) == 0
    assert capsys.readouterr().out == first
    rows = [json.loads(line) for line in first.splitlines()]
    assert len(rows) == 6
    for row in rows:
        assert row["origin"] in ("authored", "generated")
        if row["format"] == "typed":  # "mixed" asks a short answer typed
            assert list(row)[:4] == ["card_id", "format", "prompt", "accepted"]
            assert row["accepted"]
            continue
        assert list(row)[:5] == ["card_id", "format", "prompt", "options", "answer_index"]
        assert len(row["explanations"]) in (0, len(row["options"]))
        assert row["format"] in ("choice", "cloze")
        assert len(row["options"]) == 4 and 0 <= row["answer_index"] <= 3


def test_questions_command_says_when_fewer_can_be_made(capsys, tmp_path: Path):
    assert main(["questions", "--count", "5000", "--seed", "1", "--format", "cloze"]) == 0
    captured = capsys.readouterr()
    assert "could be made" in captured.err
    assert len(captured.out.splitlines()) < 5000


def test_the_question_modules_know_no_chat_platform():
    root = Path(__file__).resolve().parents[2] / "bot"
    for path in [*(root / "questions").glob("*.py"), root / "questions_cli.py"]:
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import)\s+(discord|slack)", source, re.MULTILINE)


def test_a_quiz_asks_no_two_cards_where_one_answers_the_other_while_others_remain(shipped):
    index = shipped._index
    position = {card.id: i for i, card in enumerate(shipped.cards)}
    twins_met = 0
    for seed in range(12):
        ids = [q.card_id for q in shipped.generate(20, seed=seed, fmt="mixed")]
        assert len(ids) == 20
        for a, first in enumerate(ids):
            for second in ids[a + 1 :]:
                assert not index.duplicates(position[first], position[second]), (
                    seed,
                    first,
                    second,
                )
        # The whole deck still comes out: twins wait for the end, they are not dropped.
        everything = shipped.generate(400, seed=seed, fmt="choice")
        twins_met += sum(
            index.duplicates(position[q.card_id], position[p.card_id])
            for n, q in enumerate(everything)
            for p in everything[:n]
        )
    assert twins_met > 0  # the shipped deck has such pairs (core and advanced twins)
