import argparse
import io
from importlib.metadata import version

import pytest

from bot.cli import build_parser, main, merge_global_options


def test_every_contract_command_parses():
    parser = build_parser()
    for argv in (
        ["play", "--count", "3", "--format", "cloze", "--seed", "7"],
        ["cards", "export"],
        ["cards", "lint", "a.md", "b.csv"],
        ["cards", "stats"],
        ["cards", "show", "abc"],
        ["cards", "quality", "--min-answers", "5"],
        ["questions", "--count", "2", "--seed", "1"],
        [
            "schedule",
            "preview",
            "--time",
            "09:00",
            "--tz",
            "UTC",
            "--from",
            "2026-01-01",
            "--days",
            "3",
        ],
        ["schedule", "list"],
        ["leaderboard", "--period", "week"],
        ["db", "backup", "/tmp/x.db"],
        ["run"],
        ["play", "--practice", "--user", "ada", "--topic", "weak"],
        ["stats", "--user", "ada", "--json"],
        ["export", "reviews", "--format", "csv"],
        ["export", "answers"],
    ):
        parser.parse_args(argv)


def test_count_must_be_positive(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["play", "--count", "0"])
    assert "'0' must be 1 or more" in capsys.readouterr().err


def _parsers(parser=None):
    """Every parser of the command line, top level and each (sub)command."""
    parser = parser or build_parser()
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _parsers(sub)


def test_version_prints_the_installed_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"quizbot {version('quizbot')}\n"


def test_every_option_says_what_it_does_and_its_default():
    for parser in _parsers():
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction) or action.dest == "help":
                continue
            where = f"{parser.prog} {action.option_strings or action.dest}"
            assert action.help, f"{where} has no help line"
            has_default = action.default not in (None, False, argparse.SUPPRESS)
            if action.option_strings and not action.required and has_default:
                assert "default" in action.help, f"{where} does not give its default"
            takes_value = action.nargs != 0  # not a flag such as --audit or --version
            if (
                action.option_strings
                and not action.required
                and action.default is None
                and takes_value
            ):
                # Nothing given means something too: say what (every topic, your login...).
                assert "default" in action.help, f"{where} does not say what it does unset"


def test_help_speaks_to_users_not_developers():
    for parser in _parsers():
        text = parser.format_help()
        assert "lives" not in text and "Parsing" not in text and "module" not in text, text


@pytest.mark.parametrize(
    ("argv", "db", "seeds"),
    [
        (["cards", "stats", "--seeds", "red"], None, ["red"]),
        (["--seeds", "a", "play", "--seeds", "b", "--db", "x.db"], "x.db", ["a", "b"]),
        (["--db", "first.db", "leaderboard", "--db", "second.db"], "second.db", None),
        (["db", "backup", "copy.db", "--db", "live.db"], "live.db", None),
        (["schedule", "list", "--db", "s.db"], "s.db", None),
    ],
)
def test_global_options_work_after_the_command_too(argv, db, seeds):
    args = merge_global_options(build_parser().parse_args(argv))
    assert (args.db, args.seeds) == (db, seeds)
    assert not hasattr(args, "db_after") and not hasattr(args, "seeds_after")


def test_a_deck_folder_that_does_not_exist_is_an_error(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("QUIZBOT_SEEDS", raising=False)
    missing = tmp_path / "nonexistent" / "folder"
    for argv in (
        ["--seeds", str(missing), "cards", "stats"],
        ["cards", "export", "--seeds", str(missing)],
        ["play", "--seeds", str(missing)],
        ["questions", "--seeds", str(missing)],
    ):
        assert main(argv) == 2
        out, err = capsys.readouterr()
        assert out == ""
        assert err.strip().count("\n") == 0, err
        assert f"--seeds {missing}: no such folder" in err
    monkeypatch.setenv("QUIZBOT_SEEDS", f"{tmp_path}:{missing}")
    assert main(["cards", "stats"]) == 2
    assert f"QUIZBOT_SEEDS {missing}: no such folder" in capsys.readouterr().err


@pytest.mark.parametrize("where", ["option", "environment"])
def test_a_database_path_that_is_a_device_is_refused_up_front(tmp_path, capsys, monkeypatch, where):
    """QUIZBOT_DB=/dev/null used to end in "disk I/O error. See the SQLite message above."
    with nothing above."""
    argv = ["play", "--count", "1", "--seed", "1"]
    if where == "option":
        argv += ["--db", "/dev/null"]
    else:
        monkeypatch.setenv("QUIZBOT_DB", "/dev/null")
    monkeypatch.setattr("sys.stdin", io.StringIO("A\n"))
    assert main(argv) == 2
    err = capsys.readouterr().err
    name = "--db" if where == "option" else "QUIZBOT_DB"
    assert f"{name} /dev/null: not a regular file" in err
    assert err.strip().count("\n") == 0, err


def test_an_os_error_is_one_line_naming_the_file(tmp_path, capsys):
    """Whatever OSError a command meets that it did not expect, the person reads what failed
    on which file, not a traceback."""
    deck = tmp_path / ("n" * 300 + ".md")  # too long a name for the file system
    assert main(["cards", "lint", str(deck)]) != 0
    err = capsys.readouterr().err
    assert "Traceback" not in err and "file name too long" in err
    assert err.count("\n") == 1
