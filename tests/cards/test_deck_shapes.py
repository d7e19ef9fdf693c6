"""Deck files that used to be misread without a word: binary data behind a byte-order mark,
Anki exports saved as .txt, HTML and links in Markdown cells, placeholder answers; and lint
that stays readable on a trivia list with thousands of warnings."""

from __future__ import annotations

import argparse
import codecs
import random
import struct
from pathlib import Path

import pytest

from bot.cards import load_file, load_library
from bot.cards.commands import run_lint

TABLE = "## Optimisers\n\n| # | Question | Answer |\n|---|---|---|\n"


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("bom", [codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE])
@pytest.mark.parametrize("name", ["noise.txt", "noise.md", "noise.csv"])
def test_random_bytes_behind_a_utf16_mark_are_not_a_deck(tmp_path, bom, name):
    """They decoded as CJK characters and became a discussion prompt for a channel."""
    # Random bytes that decode without error: no unit is half of a surrogate pair.
    rng = random.Random(7)
    units = [rng.choice([rng.randrange(0x20, 0xD800), rng.randrange(0xE000, 0x10000)])
             for _ in range(300)]  # fmt: skip
    order = "<" if bom == codecs.BOM_UTF16_LE else ">"
    noise = struct.pack(f"{order}{len(units)}H", *units)
    lib = load_file(write(tmp_path, name, bom + noise))
    assert lib.cards == ()
    (message,) = lib.messages
    assert (
        str(message)
        == f"{name}:1: error: not a text file (binary data): save the deck as UTF-8 text"
    )


def test_real_utf16_text_still_loads(tmp_path):
    text = "Warum ist η klein?\n为什么要归一化？\n"
    lib = load_file(write(tmp_path, "talk.txt", text.encode("utf-16")))
    assert [c.question for c in lib.cards] == ["Warum ist η klein?", "为什么要归一化？"]


@pytest.mark.parametrize(
    ("text", "separator", "rename"),
    [
        ("What is numpy?;A Python array library\nWhat is a ufunc?;A vectorised function\n",
         "semicolon", "rename it anki.csv with a first line '#separator:semicolon'"),
        ("What is numpy?\tA Python array library\tnumpy\n"
         "What is a ufunc?\tA vectorised function\tnumpy\n", "tab", "rename it anki.tsv to say so"),
        ("#separator:Semicolon\n#html:true\nWhat is <b>numpy</b>?;A Python array library\n"
         "What is a ufunc?;A vectorised function\n", "semicolon", "rename it anki.csv to say so"),
    ],
)  # fmt: skip
def test_an_anki_export_saved_as_txt_loads_as_questions_and_answers(
    tmp_path, text, separator, rename
):
    """Every line used to become a discussion prompt, and `play --topic numpy` found nothing."""
    lib = load_file(write(tmp_path, "anki.txt", text))
    assert [(c.kind, c.answer) for c in lib.cards] == [
        ("qa", "A Python array library"),
        ("qa", "A vectorised function"),
    ]
    assert lib.cards[0].question in ("What is numpy?", "What is **numpy**?")
    (message,) = lib.messages
    assert message.kind == "read-as-qa" and message.source == "anki.txt:1"
    assert f"separated by {separator}, not as open questions: {rename}" in message.message


def test_a_question_list_with_the_odd_semicolon_stays_a_question_list(tmp_path):
    text = (
        "Why does Adam work; or does it?\nWhat would you change in our training loop?\nWhy ReLU?\n"
    )
    lib = load_file(write(tmp_path, "talk.txt", text))
    assert [c.kind for c in lib.cards] == ["prompt"] * 3 and lib.messages == ()


def test_html_lists_and_links_in_markdown_cells_are_rendered(tmp_path):
    rows = (
        "| 1 | Which optimisers keep a running average? "
        "| <ul><li>RMSprop</li><li>Adam</li></ul> |\n"
        "| 2 | Where is Adam described? | In [the Adam paper](https://arxiv.org/abs/1412.6980). |\n"
        "| 3 | What does <b>momentum</b> add? "
        '| A velocity: <a href="https://distill.pub/2017/momentum/">why it works</a>, '
        "x<sup>2</sup> |\n"
        "| 4 | What is `List<T>`? "
        "| A list of `T`, written `List<T>`; see <https://docs.python.org/3/> |\n"
    )  # fmt: skip
    lib = load_file(write(tmp_path, "optim.md", TABLE + rows))
    answers = [c.answer for c in lib.cards]
    assert answers[0] == "- RMSprop\n- Adam"
    assert answers[1] == "In the Adam paper (https://arxiv.org/abs/1412.6980)."
    assert lib.cards[2].question == "What does **momentum** add?"
    assert answers[2] == "A velocity: why it works (https://distill.pub/2017/momentum/), x²"
    assert lib.cards[3].question == "What is `List<T>`?"
    assert answers[3] == "A list of `T`, written `List<T>`; see https://docs.python.org/3/"


@pytest.mark.parametrize(
    "placeholder", ["TODO", "?", "tbd", "...", "TODO: explain", "**TBD**", "-"]
)
def test_placeholder_answers_are_left_out_with_a_warning(tmp_path, placeholder):
    rows = (
        "| 1 | What does Adam adapt? | The step size per parameter |\n"
        f"| 2 | Why warm up? | {placeholder} |\n"
    )
    lib = load_file(write(tmp_path, "optim.md", TABLE + rows))
    assert [c.number for c in lib.cards] == ["1"]
    (message,) = lib.messages
    assert message.kind == "placeholder-answer" and message.source == "optim.md:6"
    assert "the answer is a placeholder" in message.message and "left out" in message.message


def test_real_short_answers_are_not_placeholders(tmp_path):
    rows = "".join(
        f"| {i} | Question {i}? | {a} |\n"
        for i, a in enumerate(["0", "Na", "No", "42%", "ReLU"], 1)
    )
    lib = load_file(write(tmp_path, "short.md", TABLE + rows))
    assert len(lib.cards) == 5
    assert not [m for m in lib.messages if m.kind.startswith("placeholder")]


def trivia(count: int) -> str:
    """A Red trivia list where every answer is Canada, as in a geography list."""
    return "".join(f"Which country has city number {n}?:\n  - Canada\n" for n in range(count))


def lint(capsys, *paths: Path, every: bool = False) -> tuple[int, list[str], str]:
    code = run_lint(argparse.Namespace(paths=[str(p) for p in paths], seeds=None, all=every))
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def test_lint_summarises_a_kind_of_warning_with_its_count_and_first_examples(tmp_path, capsys):
    deck = write(tmp_path, "cities.yaml", trivia(200))
    code, lines, err = lint(capsys, deck)
    assert code == 0
    examples = [line for line in lines if "[identical-answers]" in line]
    assert [line.split(": ")[0] for line in examples] == [
        "cities.yaml:3",
        "cities.yaml:5",
        "cities.yaml:7",
    ]
    (note,) = [line for line in lines if ": note: " in line]
    assert note.startswith("cities.yaml: note: 199 identical-answers warnings in all, the first 3")
    assert "cards lint --all` lists every one" in note
    assert "'# quizbot-lint: ignore identical-answers' in cities.yaml silences them" in note
    assert "199 warnings" in err
    _, every, _ = lint(capsys, deck, every=True)
    assert sum("[identical-answers]" in line for line in every) == 199


def test_a_deck_can_silence_a_kind_of_warning(tmp_path, capsys):
    deck = write(tmp_path, "cities.yaml", "# quizbot-lint: ignore identical-answers\n" + trivia(50))
    lib = load_library([deck])
    assert len(lib.cards) == 50 and lib.messages == ()
    assert len(lib.silenced) == 49
    code, lines, err = lint(capsys, deck)
    assert code == 0 and lines == [
        "cities.yaml: note: 49 identical-answers warnings silenced by its quizbot-lint line"
    ]
    assert "0 warnings" in err


def test_markdown_and_question_lists_silence_in_their_own_comment_form(tmp_path):
    md = (
        "<!-- quizbot-lint: ignore numbering, title-question -->\n"
        + TABLE
        + (
            "| 1 | What is SGD? | Stochastic gradient descent |\n"
            "| 5 | Momentum | A velocity term |\n"
        )
    )
    txt = "# quizbot-lint: ignore no-cards\n"
    lib = load_library([write(tmp_path, "optim.md", md).parent, write(tmp_path, "empty.txt", txt)])
    assert lib.messages == ()
    assert sorted(m.kind for m in lib.silenced) == ["no-cards", "numbering", "title-question"]
    assert {c.topic for c in lib.cards if c.deck in ("optim", "empty")} == {"Optimisers"}


def test_a_silencing_line_with_an_unknown_kind_is_an_error(tmp_path):
    lib = load_file(
        write(tmp_path, "cities.yaml", "# quizbot-lint: ignore identical-answer\n" + trivia(2))
    )
    (error,) = lib.errors
    assert error.source == "cities.yaml:1" and "unknown kind 'identical-answer'" in error.message
    assert "identical-answers" in error.message  # the kinds are listed


def test_every_warning_has_a_kind_that_can_be_silenced(tmp_path):
    """Kinds are how warnings are counted and silenced: none may be without one."""
    from bot.cards.lint import KINDS

    shipped = load_library([Path(__file__).resolve().parents[2] / "seeds", tmp_path])
    for message in shipped.warnings:
        assert message.kind in KINDS, message
