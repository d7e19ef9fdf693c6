import pytest

from bot.cli import build_parser


def test_every_contract_command_parses():
    parser = build_parser()
    for argv in (
        ["play", "--count", "3", "--format", "cloze", "--seed", "7"],
        ["cards", "export"],
        ["cards", "lint", "a.md", "b.csv"],
        ["cards", "stats"],
        ["cards", "show", "abc"],
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
    ):
        parser.parse_args(argv)


def test_count_must_be_positive(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["play", "--count", "0"])
    assert "'0' must be 1 or more" in capsys.readouterr().err
