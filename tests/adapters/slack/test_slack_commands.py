"""Parsing the words after `/quiz` (pure: no Slack involved)."""

from __future__ import annotations

import pytest

from adapters.slack import commands as cmd
from adapters.slack.commands import (
    DailyNow,
    DailyOff,
    DailySet,
    DailyStatus,
    Help,
    Invalid,
    Leaderboard,
    Practice,
    StartQuiz,
    Stats,
    StopQuiz,
    Topics,
)

TOPICS = [
    "Gradient Descent and Its Variants",
    "Vanishing Gradient Problem (VGP)",
    "Binary Cross-Entropy (BCE) / Log Loss",
    "Core Concepts of Backpropagation & Optimization",
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", StartQuiz()),
        ("5 gradient descent", StartQuiz(count=5, topic="gradient descent")),
        ("gradient descent 5", StartQuiz(count=5, topic="gradient descent")),
        ("12", StartQuiz(count=12)),
        ("3 45s loss", StartQuiz(count=3, seconds=45, topic="loss")),
        ("vgp", StartQuiz(topic="vgp")),
        ("5 typed cnn", StartQuiz(count=5, topic="cnn", fmt="typed")),
        ("typed", StartQuiz(fmt="typed")),
        ("3 Cloze loss functions", StartQuiz(count=3, topic="loss functions", fmt="cloze")),
        ("4 45s format=choice", StartQuiz(count=4, seconds=45, fmt="choice")),
        ("mixed 2", StartQuiz(count=2)),
        ("stop", StopQuiz()),
        ("STOP", StopQuiz()),
        ("practice", Practice()),
        ("practice vanishing gradient", Practice("vanishing gradient")),
        ("daily 09:00", DailySet("09:00")),
        ("daily 9:05 Europe/Berlin", DailySet("9:05 Europe/Berlin")),
        ("daily 18:30 utc mon-sun", DailySet("18:30 utc mon-sun")),
        ("daily 9:00 topic=“loss functions”", DailySet('9:00 topic="loss functions"')),
        ("daily 08:00 america/new_york mon,wed", DailySet("08:00 america/new_york mon,wed")),
        ("daily off", DailyOff()),
        ("daily status", DailyStatus()),
        ("daily now", DailyNow()),
        ("leaderboard", Leaderboard()),
        ("leaderboard month", Leaderboard("month")),
        ("leaderboard all channel", Leaderboard("all", "channel")),
        ("stats", Stats()),
        ("topics", Topics()),
        ("help", Help()),
    ],
)
def test_parse(text: str, expected: object) -> None:
    assert cmd.parse(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("50", "at most 20 questions; you asked for 50"),
        ("0", "at least 1 question"),
        ("5 2s", "5 to 600 seconds; you asked for 2"),
        ("daily", "needs a time"),
        ("daily 25:00", "Bad time '25:00'"),
        ("daily 9am", "Bad time '9am'"),
        ("daily 09:00 Mars/Olympus", "Unknown time zone 'Mars/Olympus'"),
        ("daily 09:00 sometimes", "Cannot read 'sometimes'"),
        ('daily 09:00 topic="loss', "Close the quotes"),
        ("daily off please", "takes no more words"),
        ("leaderboard yesterday", "'yesterday' is not a period"),
        ("stop now", "takes no more words"),
    ],
)
def test_bad_words_say_what_was_wrong(text: str, problem: str) -> None:
    result = cmd.parse(text)
    assert isinstance(result, Invalid)
    assert problem in result.problem


def test_a_number_inside_a_topic_stays_in_the_topic() -> None:
    assert cmd.parse("3 layer 2 networks") == StartQuiz(count=3, topic="layer 2 networks")


@pytest.mark.parametrize(
    ("wanted", "topic"),
    [
        ("gradient descent", "Gradient Descent and Its Variants"),
        ("VANISHING", "Vanishing Gradient Problem (VGP)"),
        ("vgp", "Vanishing Gradient Problem (VGP)"),
        ("cross-entropy", "Binary Cross-Entropy (BCE) / Log Loss"),
        ("backpropagation optimization", "Core Concepts of Backpropagation & Optimization"),
    ],
)
def test_topics_resolve_by_any_clear_part_of_their_name(wanted: str, topic: str) -> None:
    assert cmd.resolve_topic(wanted, TOPICS) == topic


def test_a_topic_matching_nothing_names_the_closest_topics() -> None:
    result = cmd.resolve_topic("vanishng gradients", TOPICS)
    assert isinstance(result, Invalid)
    assert "No topic matches 'vanishng gradients'" in result.problem
    assert "closest: Vanishing Gradient Problem (VGP)" in result.problem
    assert "`/quiz topics` lists them all." in result.problem


def test_an_ambiguous_topic_names_the_candidates() -> None:
    result = cmd.resolve_topic("loss", [*TOPICS, "General Loss Function Concepts"])
    assert isinstance(result, Invalid)
    assert "matches several topics" in result.problem
    assert "Binary Cross-Entropy (BCE) / Log Loss, General Loss Function Concepts" in result.problem


def test_a_unique_prefix_wins_over_other_mentions() -> None:
    assert cmd.resolve_topic("gradient", TOPICS) == "Gradient Descent and Its Variants"


def test_help_names_every_command() -> None:
    for word in ("stop", "practice", "daily", "leaderboard", "stats", "topics", "help"):
        assert f"/quiz {word}" in cmd.HELP


def test_a_format_that_does_not_exist_is_named_with_the_ones_that_do() -> None:
    problem = cmd.parse("5 format=essay")
    assert isinstance(problem, cmd.Invalid)
    assert problem.problem == (
        "'essay' is not a question format: use choice, cloze, typed, mixed, e.g. `/quiz 5 typed`."
    )
    assert "`/quiz 5 typed loss`" in cmd.HELP and "Hint button" in cmd.HELP
