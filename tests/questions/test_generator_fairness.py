"""The generator on decks in the shapes operators bring (Red trivia YAML with aliases and
numbers, Anki TSV with HTML, Markdown with HTML lists and links) and on the shipped deck
without items: what it asks is fair, and what it cannot ask fairly it skips with a reason."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from adapters.slack.markup import BUTTON_TEXT_LIMIT as SLACK_BUTTON_TEXT_LIMIT
from bot.cards import load_library
from bot.cards.model import Card, card_id
from bot.cli import main
from bot.paths import seed_dirs
from bot.questions import BLANK, OPTION_MAX, QuestionMaker, shorten, shorten_answer
from bot.questions.answers import answer_kind, asked_for, revealed_answer
from bot.questions.audit import Audit, every_question
from bot.questions.choice import RESTATES_SUBJECT, without_subject
from bot.questions.cloze import GLOSSED
from bot.questions.grammar import BLANK_MARK, fits_blank, glossed
from bot.questions.index import named_words
from bot.questions.shortening import COMPARISON_TOO_LONG, FORMULA_CUT, LIST_TOO_LONG
from bot.questions.skips import skipped
from bot.questions.terms import make_term
from bot.questions.text import content_words

DECKS = Path(__file__).parent / "decks"


def deck(*names: str) -> tuple[list[Card], QuestionMaker]:
    library = load_library([DECKS / name for name in names])
    assert not library.errors, library.errors
    return list(library.cards), QuestionMaker(library.cards)


def questions(maker: QuestionMaker, fmt: str, seeds: range = range(3)):
    for card in maker.cards:
        for seed in seeds:
            question = maker.make(card, fmt, seed)
            if question is not None:
                yield card, question


def card(question: str, answer: str, topic: str = "T", deck_name: str = "d") -> Card:
    return Card(card_id(question), deck_name, topic, "core", "qa", "1", question, answer, "d.md:1")


# --- Red trivia: kinds, aliases, numbers ----------------------------------------------------


def test_a_year_is_asked_among_years_a_number_among_numbers_a_name_among_names():
    _, maker = deck("films.yaml")
    made = 0
    for _, question in questions(maker, "choice"):
        made += 1
        kinds = {answer_kind(o) for o in question.options}
        assert len(kinds) == 1, question.options
    assert made >= 60
    ben_hur = next(c for c in maker.cards if c.question == "What year was Ben Hur made?")
    question = maker.make(ben_hur, "choice", 1)
    assert question is not None
    assert question.options[question.answer_index] == "1959"
    assert all(o.isdigit() and len(o) == 4 for o in question.options)


def test_only_the_first_accepted_answer_is_shown_and_no_alias_is_a_wrong_option():
    cards, maker = deck("films.yaml")
    aliases = {c.id: {a.casefold() for a in c.answer.split(" / ")} for c in cards}
    for card_, question in questions(maker, "choice"):
        assert not any(" / " in o for o in question.options)
        key = question.options[question.answer_index]
        assert key == card_.answer.split(" / ")[0]
        wrong = {o.casefold() for i, o in enumerate(question.options) if i != question.answer_index}
        assert not wrong & aliases[card_.id]


def test_no_name_option_shares_a_name_with_the_question():
    _, maker = deck("films.yaml")
    for card_, question in questions(maker, "choice"):
        named = set(named_words(card_.question))
        for i, option in enumerate(question.options):
            if i != question.answer_index:
                assert not set(content_words(option)) & named, (card_.question, option)


def test_a_number_meets_numbers_near_its_size_made_up_when_the_deck_has_too_few():
    _, maker = deck("geography.yml")
    everest = next(c for c in maker.cards if "Everest" in c.question)
    question = maker.make(everest, "choice", 2)
    assert question is not None
    values = [float(o.replace(",", "")) for o in question.options]
    assert all(1000 <= v <= 100_000 for v in values)  # "7 continents" is no alternative


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("Which studio released Ben Hur?", "organisation"),
        ("Which company developed the famous first person shooter game 'Quake'?", "organisation"),
        ("Who played Judah Ben-Hur?", "person"),
        ("Which famous skateboarder has his name on a video game series?", "person"),
        ("Bugs is usually chased by either Elmer Fudd or who?", "person"),
        ("What is the name of Luke Skywalker's home planet?", "place"),
        ("Where does the annual Poker World Series take place?", "place"),
        ("In which game are the terms 'pin', 'fork', and 'skewer' used?", "game"),
        ("This cube puzzle was invented by a Hungarian mathematician in 1974.", "game"),
        ("How many Oscars did Titanic win?", "number"),
        ("What year was Ben Hur made?", "year"),
        ("What did the Jaws crew nickname the mechanical shark?", None),
        # The first question word decides; a later "which" belongs to a clause.
        ("What is the title of the 1999 film in which Keanu Reeves plays a hacker?", "title"),
        ("This electronic instrument's creator was surnamed Moog.", None),
        ("Which country's flag has a maple leaf?", "country"),
        ("Which European city had the Roman name Lutetia?", "city"),
        ("This gypsy swing guitarist nearly lost his left hand in a fire.", "person"),
        ("What does dropout do during training?", None),
    ],
)
def test_what_a_question_asks_for_is_read_from_its_wording(question, asks):
    assert asked_for(question) == asks


def test_a_studio_is_asked_among_studios_and_a_person_among_people():
    cards, maker = deck("films.yaml")
    studios = {"Metro-Goldwyn-Mayer", "Warner Brothers", "Universal Pictures", "Paramount Pictures"}
    asked = 0
    for card_, question in questions(maker, "choice"):
        if card_.question.startswith("Which studio"):
            asked += 1
            assert set(question.options) <= studios, question.options
        elif asked_for(card_.question) == "person":
            assert not set(question.options) & studios, (card_.question, question.options)
    assert asked == 4 * 3  # every studio card, every seed
    by_option = {c.answer.split(" / ")[0]: asked_for(c.question) for c in cards}
    for card_, question in questions(maker, "choice"):
        if answer_kind(question.options[question.answer_index]) == "name":
            kinds = {by_option.get(o, "made up") for o in question.options}
            assert kinds == {asked_for(card_.question)}, (card_.question, question.options)


def test_numbers_are_written_like_the_key_and_of_its_magnitude():
    counts = [
        card("How many red balls are used in snooker?", "15 / fifteen"),
        card("How many squares are on a chessboard?", "64"),
        card("How many players are on a rugby union team?", "Fifteen / 15"),
        card("How many pins are used in ten-pin bowling?", "10 / ten"),
        card("How many dots are on a die in total?", "21 / Twenty one"),
        card("How many cards are in a suit?", "13"),
        card("How many players sit at a bridge table?", "Four / 4"),
        card("How many holes are on a golf course?", "18"),
        card("How many men does each side start with in chess?", "16"),
        card("How many dominoes are in a double-six set?", "28"),
        card("How many lanes has an Olympic pool?", "One / 1"),
        card("How many points is the black ball worth in snooker?", "2"),
        card("In what year was the Rubik's Cube invented?", "1974"),
        card("In what year was Monopoly first sold by Parker Brothers?", "1935"),
        card("In what year was Tetris released?", "1984"),
        card("In what year was the first Olympic Games of the modern era held?", "1896"),
        card("How many times did Jesse Owens win gold in 1936?", "4"),
    ]
    counts = [dataclasses.replace(c, source="counts.yaml:1") for c in counts]  # a Red list
    maker = QuestionMaker(counts)
    for card_ in counts:
        for seed in range(4):
            question = maker.make(card_, "choice", seed)
            if question is None:
                continue
            key = question.options[question.answer_index]
            digits = [o[:1].isdigit() for o in question.options]
            assert len(set(digits)) == 1, (card_.question, question.options)  # 21 among Ten
            if not digits[0]:
                continue
            values = [int(o) for o in question.options]
            if card_.question.startswith("In what year"):
                assert all(abs(v - int(key)) <= 40 for v in values), question.options
            else:
                k = int(key)
                near = [abs(v - k) <= 3 or max(v, k) <= 4 * min(v, k) for v in values]
                assert all(near), question.options  # no 2 for 21


def test_a_wrong_option_neither_repeats_the_question_nor_differs_from_the_key_in_form():
    cards = [
        dataclasses.replace(card(q, a), source="animals.yaml:1")
        for q, a in [
            ("What is an infant whale commonly called?", "Calf"),
            ("Which mammal cannot burp?", "Horse"),
            ("Which animal has the longest neck?", "Giraffe"),
            ("What is a group of whales called?", "Pod"),
            ("What does a caterpillar turn into?", "Butterfly"),
            ("What is a young goat called?", "Kid"),
            ("What is a baby kangaroo called?", "Joey"),
            ("What are baby swans called?", "Cygnets"),
            ("What is 26 in Roman numerals?", "XXVI"),
            ("What is ten in Roman numerals?", "X"),
            ("How old is the world's oldest dictionary?", "2300 BCE"),
            ("How many seconds are in an hour?", "3600"),
            ("How many seconds are in 48 minutes?", "2880"),
            ("How many seconds are in 54 minutes?", "3240"),
            ("How many seconds are in 66 minutes?", "3960"),
        ]
    ]
    maker = QuestionMaker(cards)
    calf = maker.make(cards[0], "choice", 0)
    assert calf is not None
    assert not any("whale" in o.casefold() for o in calf.options)  # "Whales" is never right
    assert "Cygnets" not in calf.options  # a plural among singular nouns
    assert not {"XXVI", "X"} & set(calf.options)  # numerals are no names
    hour = maker.make(cards[11], "choice", 0)
    assert hour is not None and "2300 BCE" not in hour.options  # a date is no count of seconds


def test_a_trivia_answer_is_revealed_as_its_canonical_form_and_the_aliases_worth_naming():
    def trivia(answer: str) -> Card:
        return dataclasses.replace(card("Q?", answer), source="films.yaml:4")

    assert revealed_answer(trivia("1972 / '72")) == "1972\n\nAlso accepted: '72"
    assert revealed_answer(trivia("Metro-Goldwyn-Mayer / MGM / mgm")) == (
        "Metro-Goldwyn-Mayer\n\nAlso accepted: MGM"
    )
    # Nothing worth naming: another case, digits for words, a part of the answer, a plural.
    for answer in ("Mr. Spock / mr spock / Spock", "21 / Twenty one", "Apples / Apple"):
        assert revealed_answer(trivia(answer)) == answer.split(" / ")[0]
    # A typed reveal lists the accepted answers itself; a deck that is no trivia list keeps
    # its answer as written, slashes and all.
    assert revealed_answer(trivia("1972 / '72"), "typed") == "1972"
    assert revealed_answer(card("Q?", "Input / output")) == "Input / output"


# --- decks never mix ------------------------------------------------------------------------


def test_distractors_never_cross_decks():
    cards, maker = deck("films.yaml", "geography.yml", "trees.md", "anki-optim.tsv")
    choice = maker._generators["choice"]
    decks_of: dict[str, set[str]] = {}
    for i, c in enumerate(cards):
        decks_of.setdefault(choice.option(i).text, set()).add(c.deck)
    for card_, question in questions(maker, "choice"):
        for option in question.options:
            assert decks_of.get(option, {card_.deck}) == {card_.deck}, (card_.question, option)
    for card_, question in questions(maker, "cloze"):
        for option in question.options:
            homes = {c.deck for c in cards if option.casefold() in c.answer.casefold()}
            assert card_.deck in homes


# --- HTML in Anki exports and Markdown cells ------------------------------------------------


def test_html_never_reaches_an_option_or_a_blank_sentence():
    _, maker = deck("trees.md", "anki-optim.tsv")
    for fmt in ("choice", "cloze"):
        for _, question in questions(maker, fmt):
            for text in (*question.options, question.prompt.split("\n\n")[-1]):
                assert "<" not in text and "href" not in text, text


def test_an_html_list_keeps_its_header_or_the_card_is_skipped():
    answer = "A tree stops growing when:<ul><li>a node is pure</li><li>depth is reached</li></ul>"
    short = shorten_answer(answer)
    assert short.problem is None
    assert short.text == "A tree stops growing when: a node is pure; depth is reached"
    long = answer.replace("depth is reached", "the maximum depth chosen by the operator is reached")
    assert shorten_answer(long).problem == LIST_TOO_LONG


# --- shortening -----------------------------------------------------------------------------


def test_every_option_is_whole_clauses_and_fits_a_button_without_a_second_cut():
    assert OPTION_MAX + len("A. ") <= SLACK_BUTTON_TEXT_LIMIT
    for names in (("films.yaml",), ("trees.md", "anki-optim.tsv")):
        _, maker = deck(*names)
        for _, question in questions(maker, "choice"):
            for option in question.options:
                assert len(option) <= OPTION_MAX and not option.endswith("…"), option
    shipped = QuestionMaker(load_library(seed_dirs(None)).cards)
    for _, question in questions(shipped, "choice", range(1)):
        assert not any(o.endswith("…") for o in question.options), question.options


def test_cut_at_a_clause_boundary_never_mid_formula_and_comparisons_keep_both_halves():
    assert shorten(
        "It controls the magnitude of the weight adjustment during an update, preventing "
        "overshooting the optimal boundary."
    ) == ("It controls the magnitude of the weight adjustment during an update")
    formula = "An extra term must be added: Z_new = W_1 P_1 + W_2 P_2 + W_3 P_3 + b_1 + b_2 + b_3"
    assert shorten_answer(formula * 2).problem == FORMULA_CUT
    comparison = (
        "BGD computes the gradient over the whole dataset before a single update is made. "
        "SGD updates after every single example, which makes its path noisy but fast."
    )
    short = shorten_answer(comparison, question="How does BGD differ from SGD?")
    assert short.problem == COMPARISON_TOO_LONG


def test_lead_ins_are_joined_and_labels_and_tags_dropped():
    assert shorten("A smooth hybrid. Huber is quadratic near zero and linear far out.") == (
        "A smooth hybrid. Huber is quadratic near zero and linear far out"
    )
    assert shorten("**Loss:** the error for a single training example.") == (
        "the error for a single training example"
    )
    assert shorten("Use `(y_pred - y_true)**2` per sample.") == "Use (y_pred - y_true)^2 per sample"
    assert "\ufe0f" not in shorten("It is the model's scorecard \u26a0\ufe0f for training.")
    tagged = card("**(Concept)** What does RMSE represent?", "The square root of the MSE.")
    others = [
        card(f"What does metric {i} do?", f"Metric {i} counts samples of kind {i}.")
        for i in range(6)
    ]
    maker = QuestionMaker([tagged, *others])
    question = maker.make(tagged, "choice", 1)
    if question is not None:
        assert question.prompt == "What does RMSE represent?"


# --- the subject: never restated by the key alone, never true of a distractor ----------------


def test_the_key_says_it_instead_of_naming_the_subject():
    question = "How does the Huber loss's behaviour with large errors limit one outlier?"
    reworded = without_subject(
        "For large errors, the Huber loss grows linearly, not quadratically",
        frozenset(["huber"]),
        frozenset(content_words(question)),
        question,
    )
    assert reworded == "For large errors, it grows linearly, not quadratically"


def test_a_statement_about_the_asked_subject_is_never_a_wrong_option():
    cards = [
        card("What is **Huber**'s philosophy on outliers?", "Trust small errors, cap big ones."),
        card("How does **Huber** grow for large errors?", "Linearly, like the absolute error."),
        card("What does momentum average?", "Past gradients, for a steadier direction."),
        card("What does dropout zero?", "A random share of units at each training step."),
        card("What does weight decay shrink?", "Every weight, a little at each step."),
        card("What does a scheduler lower?", "The learning rate, as training goes on."),
    ]
    maker = QuestionMaker(cards)
    for seed in range(10):
        question = maker.make(cards[0], "choice", seed)
        if question is not None:
            assert "Linearly, like the absolute error" not in question.options


# --- cloze ----------------------------------------------------------------------------------


def test_cloze_options_fit_the_article_and_the_word_form():
    term = make_term
    sentence = f"An epoch is an {BLANK_MARK} of the data."
    assert fits_blank(sentence, term("entire pass"), term("ordered sweep"))
    assert not fits_blank(sentence, term("entire pass"), term("complete cycle"))
    grows = f"For large errors the loss grows {BLANK_MARK}."
    assert not fits_blank(grows, term("linearly"), term("Laplace distribution"))
    assert BLANK == BLANK_MARK


def test_a_blank_glossed_by_its_own_sentence_is_not_used():
    term = make_term("gradient")
    assert glossed(f"It follows the direction of the {BLANK_MARK} (uphill).", term)
    assert glossed(f"Each feature gets a {BLANK_MARK} or importance.", term)
    assert glossed(
        f"The {BLANK_MARK} (VGP) hits deep nets.", make_term("vanishing gradient problem")
    )
    assert not glossed(f"Each step follows the {BLANK_MARK} downhill.", term)


def test_yes_no_and_pronoun_openers_never_lose_their_question():
    cards = [
        card(
            "Is the **perceptron loss** differentiable?",
            "No, it is **not differentiable** because it has sharp corners at the boundary.",
        ),
        *[
            card(f"What is term {i}?", f"Term {i} is the **word {i}** of the list.")
            for i in range(5)
        ],
    ]
    maker = QuestionMaker(cards)
    for seed in range(5):
        question = maker.make(cards[0], "cloze", seed)
        if question is not None:
            assert question.prompt.startswith(cards[0].question)


# --- skipped, with a reason -----------------------------------------------------------------


def test_every_card_not_asked_is_listed_with_its_reason():
    cards, maker = deck("films.yaml", "trees.md")
    listed = {(s.card_id, s.format): s.reason for s in skipped(maker, ("choice", "cloze"))}
    for c in cards:
        for fmt in ("choice", "cloze"):
            made = maker.make(c, fmt, 0) is not None
            assert made == ((c.id, fmt) not in listed), (c.question, fmt)
    assert all(reason for reason in listed.values())


def test_questions_skipped_command_prints_json_lines(capsys):
    assert main(["--seeds", str(DECKS), "questions", "--skipped", "--format", "choice"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows and all(set(r) == {"card_id", "format", "reason", "source"} for r in rows)
    assert {r["format"] for r in rows} == {"choice"}


def test_the_subject_restated_reason_exists_for_operators():
    assert "repeats" in RESTATES_SUBJECT and "explained" in GLOSSED


# --- the audit, per deck --------------------------------------------------------------------


@pytest.mark.parametrize("names", [("films.yaml",), (None,)])
def test_naive_takers_stay_near_chance(names):
    if names == (None,):
        cards = list(load_library(seed_dirs(None)).cards)  # the shipped deck without items
    else:
        cards, _ = deck(*names)
    maker = QuestionMaker(cards)
    audit = Audit(cards)
    made = every_question(maker.make, cards, ["choice"], 0) + every_question(
        maker.make, cards, ["choice"], 1
    )
    lines = {line.measure: line.value for line in audit.run(made)}
    print(names, len(made), {k: round(v, 3) for k, v in lines.items()})
    for measure, value in lines.items():
        if not measure.startswith("position"):
            assert value <= 0.4, (measure, value)
