"""Item analysis end to end: rounds played through the real engine into a real SQLite file,
then `quizbot cards quality` and `worst_cards` reading it while the bot's store is open."""

import json
import sqlite3
from datetime import timedelta

import psycopg
import pytest
from enginekit import CHANNEL, START, Q, player

from bot.cli import MIN_ANSWERS as CLI_MIN_ANSWERS
from bot.cli import main
from bot.ports import Place
from bot.quality import MIN_ANSWERS, summary_line, worst_cards
from bot.store.quality import PlaceScope
from bot.store.sqlite import SqliteStorage

CLOSES = START + timedelta(hours=8)

# The hand-computed example of tests/test_quality.py, played as three daily rounds: each
# player's pick by card (the key is the option whose text ends in "key").
OPTIONS = {
    "A": ("a-key", "a-x", "a-y", "a-z"),
    "B": ("b-x", "b-key", "b-y", "b-z"),
    "C": ("c-x", "c-y", "c-key", "c-z"),
}
PICKS = {
    "A": ("a-key", "a-key", "a-x", "a-x"),
    "B": ("b-key", "b-key", "b-key", "b-x"),
    "C": ("c-key", "c-x", "c-x", "c-y"),
}


async def _play_the_example(engine, clock) -> None:
    for card, options in OPTIONS.items():
        key = next(i for i, text in enumerate(options) if text.endswith("key"))
        question = Q(card, "choice", f"What is {card}?", options, key)
        clock.set(START)
        round_id = await engine.open_round(CHANNEL, question, "daily", CLOSES)
        for n, pick in enumerate(PICKS[card], start=1):
            clock.advance(seconds=10 * n)  # 10, 30, 60, 100 s after the post
            result = await engine.answer(round_id, player(n), options.index(pick))
            assert result.status == "locked_in"
        clock.set(CLOSES)
        assert await engine.reveal(round_id) is not None


def _quality(path, capsys, *extra):
    code = main(["cards", "quality", "--db", str(path), *extra])
    captured = capsys.readouterr()
    return code, [json.loads(line) for line in captured.out.splitlines()], captured.err


async def test_cards_quality_reads_the_live_database(engine, clock, store, capsys):
    await _play_the_example(engine, clock)
    # The bot's store stays open, and another writer holds the write lock with a change it
    # has not committed: the command reads beside them and sees only committed answers.
    if isinstance(store.path, str):  # PostgreSQL: a second connection's open transaction
        other = psycopg.connect(store.path, autocommit=True)
        other.execute("BEGIN")
    else:
        other = sqlite3.connect(store.path, isolation_level=None, timeout=0)
        other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE answers SET correct = 0")
    try:
        code, lines, err = _quality(store.path, capsys, "--min-answers", "4")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert (code, err) == (0, "")
    by_card = {line["card_id"]: line for line in lines}
    assert set(by_card) == {"A", "B", "C"}
    a = by_card["A"]
    assert (a["answers"], a["correct_share"], a["flags"], a["checked"]) == (4, 0.5, [], True)
    assert a["discrimination"] == pytest.approx(0.70711, abs=1e-4)  # worked out by hand
    assert by_card["B"]["discrimination"] == pytest.approx(0.52223, abs=1e-4)
    assert a["median_seconds"] == {"daily": 45.0}  # 10, 30, 60, 100 s: (30 + 60) / 2
    assert a["prompt"] == "What is A?" and a["formats"] == ["choice"]
    picks = {p["option"]: p for p in a["option_picks"]}
    assert picks["a-key"] == {
        "format": "choice",
        "option": "a-key",
        "key": True,
        "picks": 2,
        "shown": 4,
        "share": 0.5,
        "strongest_picks": 2,
    }
    assert picks["a-x"]["picks"] == 2 and picks["a-z"]["picks"] == 0
    # Nothing flagged and every card checked: lowest discrimination first (B and C tie at
    # .52223, so more answers then the id decide).
    assert [line["card_id"] for line in lines] == ["B", "C", "A"]


async def test_cards_quality_says_when_cards_need_more_answers(engine, clock, store, capsys):
    await _play_the_example(engine, clock)
    code, lines, _ = _quality(store.path, capsys)
    assert code == 0
    assert {tuple(line["notes"]) for line in lines} == {
        (f"needs {MIN_ANSWERS} answers for flags, has 4",)
    }


async def test_cards_quality_changes_nothing(engine, clock, store, capsys):
    await _play_the_example(engine, clock)
    before = await store.fetchall("SELECT * FROM answers ORDER BY round_id, user_id")
    version = await store.schema_version()
    _quality(store.path, capsys)
    after = await store.fetchall("SELECT * FROM answers ORDER BY round_id, user_id")
    assert [tuple(r) for r in after] == [tuple(r) for r in before]
    assert await store.schema_version() == version


async def test_worst_cards_for_the_admin_view(engine, clock, store):
    await _play_the_example(engine, clock)
    here = PlaceScope(CHANNEL.platform, CHANNEL.server_id)
    worst = await worst_cards(SqliteStorage(store), here, 2, min_answers=4)
    assert [c.card_id for c in worst] == ["B", "C"]
    assert summary_line(worst[0]) == "card B 'What is B?' — 4 answers, 75% right: nothing to check"
    assert [c.card_id for c in await worst_cards(store, here, 10)] == ["B", "C", "A"]
    elsewhere = Place(CHANNEL.platform, "another-server", "chan")
    assert await worst_cards(store, PlaceScope(elsewhere.platform, elsewhere.server_id), 5) == []


def test_cli_default_matches_the_analysis():
    assert CLI_MIN_ANSWERS == MIN_ANSWERS


def test_no_database_yet_prints_nothing_and_creates_nothing(tmp_path, capsys):
    path = tmp_path / "none.db"
    code, lines, err = _quality(path, capsys)
    assert (code, lines) == (0, [])
    assert "no database at" in err and str(path) in err
    assert not path.exists()


def test_a_file_that_is_not_a_database_is_refused_untouched(tmp_path, capsys):
    path = tmp_path / "notes.db"
    path.write_text("not sqlite at all\n")
    code, lines, err = _quality(path, capsys)
    assert (code, lines) == (1, [])
    assert "not a SQLite database" in err
    assert path.read_text() == "not sqlite at all\n"


def test_an_old_schema_is_refused_with_what_to_do(tmp_path, capsys):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 6")
    code, _, err = _quality(path, capsys)
    assert code == 1
    assert "schema version 6" in err and "Start the bot once" in err


def test_min_answers_must_be_a_positive_whole_number(tmp_path, capsys):
    for bad, says in (("0", "'0' must be 1 or more"), ("x", "'x' is not a whole number")):
        with pytest.raises(SystemExit) as exit_:
            main(["cards", "quality", "--db", str(tmp_path / "q.db"), "--min-answers", bad])
        assert exit_.value.code == 2
        assert says in capsys.readouterr().err


async def test_only_revealed_rounds_count(engine, clock, store, capsys):
    await _play_the_example(engine, clock)
    # A round still open, answered, and a cancelled one: neither is scored, so neither counts.
    clock.set(START)
    question = Q("A", "choice", "What is A?", OPTIONS["A"], 0)
    still_open = await engine.open_round(CHANNEL, question, "daily", CLOSES + timedelta(days=1))
    assert (await engine.answer(still_open, player(9), 3)).status == "locked_in"
    await store.write(
        lambda c: c.execute("UPDATE answers SET correct = 0 WHERE round_id = ?", (still_open,))
    )
    cancelled = await engine.open_round(CHANNEL, question, "daily", CLOSES + timedelta(days=1))
    assert (await engine.answer(cancelled, player(9), 3)).status == "locked_in"
    await store.write(
        lambda c: c.execute("UPDATE rounds SET state = 'cancelled' WHERE id = ?", (cancelled,))
    )
    await store.write(
        lambda c: c.execute("UPDATE answers SET correct = 0 WHERE round_id = ?", (cancelled,))
    )
    code, lines, _ = _quality(store.path, capsys)
    assert code == 0
    assert {line["card_id"]: line["answers"] for line in lines} == {"A": 4, "B": 4, "C": 4}


async def test_typed_answers_through_the_engine(engine, clock, store, capsys):
    from bot.questions.model import Question

    question = Question(
        "T", "typed", "How do networks learn?", (), None, accepted=("backpropagation", "backprop")
    )
    clock.set(START)
    round_id = await engine.open_round(CHANNEL, question, "daily", CLOSES)
    for n, text in enumerate(
        ("Backpropogation", "backprop", "Gradient descent", "gradient  descent", "adam"), 1
    ):
        assert (await engine.answer_text(round_id, player(n), text)).status == "locked_in"
    clock.set(CLOSES)
    assert await engine.reveal(round_id) is not None
    code, [line], _ = _quality(store.path, capsys)
    assert (code, line["card_id"], line["answers"], line["correct_share"]) == (0, "T", 5, 0.4)
    assert [(p["option"], p["key"], p["picks"]) for p in line["option_picks"]] == [
        ("backprop", True, 1),  # each accepted answer it was read as, most picked first
        ("backpropagation", True, 1),
        ("gradient descent", False, 2),  # wrong ones folded: case and spacing
        ("adam", False, 1),
    ]


async def test_the_admin_view_lists_flagged_cards_under_the_reports(engine, clock):
    # Twenty players all right on one card: enough answers to judge it, and over 95% right.
    options = ("e-key", "e-x", "e-y", "e-z")
    clock.set(START)
    round_id = await engine.open_round(
        CHANNEL, Q("E", "choice", "What is E?", options, 0), "daily", CLOSES
    )
    for n in range(1, MIN_ANSWERS + 1):
        assert (await engine.answer(round_id, player(n), 0)).status == "locked_in"
    clock.set(CLOSES)
    assert await engine.reveal(round_id) is not None

    view = (await engine.reports.admin_view(CHANNEL, is_admin=True)).text
    assert "No open reports here." in view
    assert f"card E 'What is E?' — {MIN_ANSWERS} answers, 100% right: too easy" in view
    elsewhere = Place(CHANNEL.platform, "another-server", "chan")
    assert "What is E?" not in (await engine.reports.admin_view(elsewhere, is_admin=True)).text
