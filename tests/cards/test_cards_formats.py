"""Other deck formats (question lists, CSV/TSV as Anki exports, Red trivia YAML) and
broken files: every problem is a message with file:line, and the other decks still load."""

from __future__ import annotations

from pathlib import Path

from bot.cards import load_file, load_library


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_a_txt_question_list_gives_prompt_cards(tmp_path: Path) -> None:
    lib = load_file(
        write(tmp_path, "talk.txt", "# Warm-up\n\n- Why is $\\eta$ small?\n\n1. What is SGD?\n")
    )
    assert [(c.kind, c.topic, c.question, c.source) for c in lib.cards] == [
        ("prompt", "Warm-up", "Why is η small?", "talk.txt:3"),
        ("prompt", "Warm-up", "What is SGD?", "talk.txt:5"),
    ]
    assert lib.messages == ()


def test_markdown_without_a_table_is_a_warning_not_prompts(tmp_path: Path) -> None:
    """A README dropped into a deck folder used to become two prompts per paragraph."""
    readme = "# My decks\n\nThese are the decks of our team.\nAsk Ada about them.\n\n- one\n"
    lib = load_library([write(tmp_path, "README.md", readme).parent])
    assert [c for c in lib.cards if c.deck == "README"] == []
    (message,) = [m for m in lib.messages if m.file == "README.md"]
    assert message.severity == "warning" and message.kind == "no-cards"
    assert str(message).startswith("README.md:1: warning: no cards in this file: a Markdown")
    assert "a list of open questions for discussion goes in a .txt file" in str(message)


def test_anki_tsv_export_with_comment_lines_and_html(tmp_path: Path) -> None:
    text = (
        "#separator:tab\n#html:true\n#tags column:3\n"
        "What is <b>SGD</b>?\tStochastic<br>gradient descent\ttag1\n"
        "Define &eta;\tlearning rate\ttag2\n"
    )
    lib = load_file(write(tmp_path, "anki.txt.tsv", text))
    assert [(c.question, c.answer, c.source) for c in lib.cards] == [
        ("What is **SGD**?", "Stochastic\ngradient descent", "anki.txt.tsv:4"),
        ("Define η", "learning rate", "anki.txt.tsv:5"),
    ]
    assert lib.cards[0].deck == "anki.txt" and lib.cards[0].topic == "anki.txt"


def test_csv_with_header_and_topic_column(tmp_path: Path) -> None:
    text = 'Question,Answer,Topic\n"What is 1, 2?","a list",Basics\n"Multi\nline?",yes,Basics\n'
    lib = load_file(write(tmp_path, "basics.csv", text))
    assert [(c.question, c.topic, c.source) for c in lib.cards] == [
        ("What is 1, 2?", "Basics", "basics.csv:2"),
        ("Multi\nline?", "Basics", "basics.csv:3"),
    ]


def test_csv_without_header_and_a_missing_answer(tmp_path: Path) -> None:
    lib = load_file(write(tmp_path, "plain.csv", "Q1?,A1\nQ2?,\nQ3?,A3\n"))
    assert [c.question for c in lib.cards] == ["Q1?", "Q3?"]
    (msg,) = lib.messages
    assert str(msg).startswith("plain.csv:2: error: row has a question and no answer")


def test_red_trivia_yaml(tmp_path: Path) -> None:
    text = (
        "AUTHOR: someone\nCONFIG:\n  max_score: 10\n"
        "What is 2+2?:\n- 4\n- four\n"
        "Is SGD noisy?:\n- yes\n"
        "Empty one?: []\n"
    )
    lib = load_file(write(tmp_path, "red.yaml", text))
    assert [(c.question, c.answer, c.topic, c.source) for c in lib.cards] == [
        ("What is 2+2?", "4 / four", "red", "red.yaml:4"),
        ("Is SGD noisy?", "yes", "red", "red.yaml:7"),  # "yes" stays text, not True
    ]
    (msg,) = lib.messages
    assert msg.source == "red.yaml:9" and msg.severity == "error"


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    lib = load_file(write(tmp_path, "bad.yml", "Q?:\n- a\n  - : [\n"))
    (msg,) = lib.messages
    assert msg.severity == "error" and msg.source.startswith("bad.yml:")
    assert "not valid YAML" in msg.message


def test_broken_files_are_errors_and_the_other_decks_still_load(tmp_path: Path) -> None:
    write(tmp_path, "a-good.md", "| # | Question | Answer |\n|---|---|---|\n| 1 | Q? | A |\n")
    write(tmp_path, "binary.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    write(tmp_path, "latin1.txt", "ok line\ncaf\xe9?\n".encode("latin-1"))
    write(tmp_path, "no-answer.md", "| # | Question | Answer |\n|---|---|---|\n| 1 | Q2? |  |\n")
    write(tmp_path, "no-qcol.md", "| Name | Value | Unit |\n|---|---|---|\n| x | 1 | m |\n")
    write(tmp_path, "notes.pdf", "not a deck")
    write(tmp_path, ".hidden.md", "| # | Question | Answer |\n")
    lib = load_library([tmp_path, tmp_path / "missing"])
    assert [c.question for c in lib.cards] == ["Q?"]
    found = {(m.source, m.severity) for m in lib.messages}
    assert ("binary.md:1", "error") in found
    assert ("latin1.txt:2", "error") in found
    assert ("no-answer.md:3", "error") in found
    assert ("no-qcol.md:1", "error") in found
    assert ("no-qcol.md:3", "error") in found  # its row is accounted for, not dropped
    assert ("notes.pdf:1", "warning") in found
    assert ("missing:1", "error") in found
    assert not any(".hidden" in m.source for m in lib.messages)


def test_unknown_file_named_explicitly_is_an_error(tmp_path: Path) -> None:
    lib = load_file(write(tmp_path, "deck.docx", "x"))
    (msg,) = lib.messages
    assert msg.severity == "error" and "unknown file type" in msg.message


def test_duplicate_questions_keep_the_first_and_warn_naming_both(tmp_path: Path) -> None:
    write(
        tmp_path,
        "a.md",
        "| # | Question | Answer |\n|---|---|---|\n| 1 | What is **SGD**? | one |\n",
    )
    write(tmp_path, "b.csv", "what is SGD?,two\n")
    lib = load_library([tmp_path])
    assert [(c.answer, c.source) for c in lib.cards] == [("one", "a.md:3")]
    msg, shrunk = lib.messages
    assert msg.source == "b.csv:1" and msg.severity == "warning"
    assert "a.md:3" in msg.message and "duplicate question" in msg.message
    # Deck b's topic has nothing left: named, since `cards stats` shows it smaller than b.csv.
    assert shrunk.kind == "topic-shrunk" and shrunk.source == "b.csv:1"
    assert "topic 'b' of deck 'b' keeps 0 of its 1 cards: 1 asks what deck 'a'" in str(shrunk)


def test_utf8_bom_and_crlf_are_fine(tmp_path: Path) -> None:
    text = "\ufeff| # | Question | Answer |\r\n|---|---|---|\r\n| 1 | Q? | A |\r\n"
    lib = load_file(write(tmp_path, "win.md", text))
    assert [(c.question, c.answer) for c in lib.cards] == [("Q?", "A")]
    assert lib.messages == ()


def test_extra_cells_from_an_unescaped_pipe_are_kept_with_a_warning(tmp_path: Path) -> None:
    lib = load_file(
        write(tmp_path, "x.md", "| # | Question | Answer |\n|---|---|---|\n| 1 | Q? | a | b |\n")
    )
    assert lib.cards[0].answer == "a | b"
    assert "\\|" in lib.messages[0].message
