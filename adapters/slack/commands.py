"""The words after `/quiz`, parsed into one command value. Pure: no Slack, no I/O.

`parse("5 gradient descent")` -> `StartQuiz(count=5, topic="gradient descent")`. Anything that
is not understood becomes `Invalid(problem)`, which the adapter shows privately together with
the help text, so the person sees what was wrong and how to write it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot import questions
from bot.engine import (  # the engine's own limits, checked early here
    QUIZ_DEFAULT_COUNT,
    QUIZ_DEFAULT_SECONDS,
    QUIZ_MAX_QUESTIONS,
    QUIZ_SECONDS_RANGE,
)
from bot.questions.formats import CHAT_FORMATS, MIXED
from bot.schedule.spec import parse_words
from bot.schedule.timing import SpecError

PERIODS = ("week", "month", "all")

HELP = """\
*/quiz* — deep-learning quiz. Usage:
• `/quiz [count] [format] [topic]` — a quick quiz here: 1-20 questions (default 5), \
e.g. `/quiz 5 gradient descent`; add `45s` for 45 s per question (default 30 s); \
a format word asks only that kind: `choice`, `cloze`, `typed` (type the answer) \
or `mixed` (the default), e.g. `/quiz 5 typed loss`
• Every question has a Hint button: two wrong options go, or the answer's first letters \
and length show; a right answer after a hint earns half the base points
• `/quiz stop` — stop the running quiz (its starter or an admin)
• `/quiz practice [topic]` — questions only you see, cards due for review first \
(`/quiz practice weak`: only your weakest topics)
• `/quiz practice remind 09:00 [Zone]` — a private message Mon-Fri when cards are due \
for you (zone: default your Slack profile's); `/quiz practice remind off` stops it
• `/quiz daily HH:MM [Zone] [weekdays]` — daily question here, \
e.g. `/quiz daily 09:00 Europe/Berlin mon-fri reveal=17:00 topic="loss"`; `pick=review` asks \
cards this channel is forgetting (admins)
• `/quiz daily off|status|now` — stop it, show it, post today's now (admins, except status)
• `/quiz leaderboard [week|month|all] [channel]` — top 10 and your rank
• `/quiz stats` — your answers, accuracy, streaks, weakest topics; \
`/quiz stats team`: the topics the team is forgetting, cards nobody has seen
• `/quiz topics` — what there is to ask about
• `/quiz reports` — reported questions (admins); `/quiz reports keep|hold|void CARD`, \
`/quiz reports accept CARD LETTER`, `/quiz reports hold-after N`
• `/quiz help` — this text"""


@dataclass(frozen=True, slots=True)
class StartQuiz:
    count: int = QUIZ_DEFAULT_COUNT
    seconds: int = QUIZ_DEFAULT_SECONDS
    topic: str | None = None
    fmt: str = MIXED  # a question format named among the words (`typed`, `format=typed`)


@dataclass(frozen=True, slots=True)
class StopQuiz:
    pass


@dataclass(frozen=True, slots=True)
class Practice:
    topic: str | None = None


@dataclass(frozen=True, slots=True)
class PracticeRemind:
    """`/quiz practice remind 09:00 [Zone]` / `off`: the player's private reminder."""

    words: str = ""


@dataclass(frozen=True, slots=True)
class DailySet:
    """The schedule words as typed, checked with bot.schedule's `parse_words`; the daily
    service parses them again over the channel's current schedule (unnamed settings stay)."""

    words: str


@dataclass(frozen=True, slots=True)
class DailyOff:
    pass


@dataclass(frozen=True, slots=True)
class DailyStatus:
    pass


@dataclass(frozen=True, slots=True)
class DailyNow:
    pass


@dataclass(frozen=True, slots=True)
class Leaderboard:
    period: str = "week"
    scope: str = "server"  # "server" (the whole workspace) or "channel"


@dataclass(frozen=True, slots=True)
class Stats:
    team: bool = False  # `/quiz stats team`: the workspace's active players


@dataclass(frozen=True, slots=True)
class Topics:
    pass


@dataclass(frozen=True, slots=True)
class Help:
    pass


@dataclass(frozen=True, slots=True)
class Reports:
    """`/quiz reports`: the list; with a decision, that decision on one card (admins)."""

    decision: str | None = None  # keep | hold | accept | void
    card: str = ""
    letter: str = ""  # accept: the option also right
    hold_after: int | None = None  # hold-after N: reports that hold a card


@dataclass(frozen=True, slots=True)
class Invalid:
    problem: str  # what was wrong and how to write it, in plain words


Command = (
    StartQuiz
    | StopQuiz
    | Practice
    | PracticeRemind
    | DailySet
    | DailyOff
    | DailyStatus
    | DailyNow
    | Leaderboard
    | Stats
    | Topics
    | Help
    | Reports
    | Invalid
)

DAILY_CONFIG_COMMANDS = (DailySet, DailyOff, DailyNow)  # admins only

_SECONDS = re.compile(r"^(\d+)\s*(?:s|sec|secs|seconds?)$", re.IGNORECASE)
# Slack clients turn typed quotes into curly ones; `topic="Loss functions"` needs straight ones.
_STRAIGHT_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})
_PERIOD_ALIASES = {
    "week": "week",
    "weekly": "week",
    "month": "month",
    "monthly": "month",
    "all": "all",
    "alltime": "all",
    "all-time": "all",
    "ever": "all",
}


def parse(text: str) -> Command:
    """Parse what follows `/quiz` (Slack gives it as the command's `text`)."""
    words = text.split()
    if not words:
        return StartQuiz()
    head = words[0].casefold()
    rest = words[1:]
    if head in ("help", "?", "-h", "--help"):
        return Help()
    if head == "stop":
        return StopQuiz() if not rest else Invalid("`/quiz stop` takes no more words.")
    if head == "practice":
        if rest and rest[0].casefold() in ("remind", "reminder"):
            return PracticeRemind(" ".join(rest[1:]))
        return Practice(" ".join(rest) or None)
    if head == "daily":
        return _parse_daily(rest)
    if head in ("leaderboard", "leaderboards", "board", "top"):
        return _parse_leaderboard(rest)
    if head in ("stats", "me"):
        if [w.casefold() for w in rest] == ["team"]:
            return Stats(team=True)
        return Stats() if not rest else Invalid("`/quiz stats` takes no more words (or `team`).")
    if head in ("reports", "report"):
        return _parse_reports(rest)
    if head == "topics":
        return Topics() if not rest else Invalid("`/quiz topics` takes no more words.")
    return _parse_quiz(words)


def _parse_quiz(words: list[str]) -> Command:
    count: int | None = None
    seconds: int | None = None
    fmt: str | None = None
    topic_words: list[str] = []
    for i, word in enumerate(words):
        at_edge = i == 0 or i == len(words) - 1
        if word.lstrip("-").isdecimal() and at_edge and count is None:
            count = _number(word)
            continue
        named = _format_word(word)
        if named is not None and fmt is None:
            if isinstance(named, Invalid):
                return named
            fmt = named
            continue
        match = _SECONDS.match(word)
        if match and seconds is None:
            seconds = _number(match.group(1))
            continue
        topic_words.append(word)
    if count is not None:
        if count > QUIZ_MAX_QUESTIONS:
            return Invalid(
                f"A quick quiz has at most {QUIZ_MAX_QUESTIONS} questions; you asked for {count}. "
                f"Try `/quiz {QUIZ_MAX_QUESTIONS}`."
            )
        if count < 1:
            return Invalid(f"A quick quiz needs at least 1 question; you asked for {count}.")
    if seconds is not None:
        low, high = QUIZ_SECONDS_RANGE
        if not low <= seconds <= high:
            return Invalid(
                f"Each question stays open {low} to {high} seconds; you asked for {seconds}."
            )
    return StartQuiz(
        count=count if count is not None else QUIZ_DEFAULT_COUNT,
        seconds=seconds if seconds is not None else QUIZ_DEFAULT_SECONDS,
        topic=" ".join(topic_words) or None,
        fmt=fmt or MIXED,
    )


def _format_word(word: str) -> str | Invalid | None:
    """The question format a word names (`typed`, `format=typed`), Invalid for a `format=`
    naming none, None for any other word (part of the topic)."""
    key = word.casefold()
    if key.startswith("format="):
        key = key.removeprefix("format=")
        if key not in CHAT_FORMATS:
            return Invalid(
                f"{word.split('=', 1)[1]!r} is not a question format: use "
                f"{', '.join(CHAT_FORMATS)}, e.g. `/quiz 5 typed`."
            )
        return key
    return key if key in CHAT_FORMATS else None


def _number(digits: str) -> int:
    """An int from decimal digits; absurdly long ones (int() refuses over 4300 digits) become
    a number just as out of range, so the person gets the range message, not an error."""
    if len(digits.lstrip("-")) > 9:
        return -(10**9) if digits.startswith("-") else 10**9
    return int(digits)


def _parse_daily(words: list[str]) -> Command:
    usage = "Write it as `/quiz daily 09:00 Europe/Berlin mon-fri` (zone and days optional)."
    if not words:
        return Invalid(f"`/quiz daily` needs a time, or off / status / now. {usage}")
    first = words[0].casefold()
    simple: dict[str, type[DailyOff | DailyStatus | DailyNow]] = {
        "off": DailyOff,
        "stop": DailyOff,
        "status": DailyStatus,
        "now": DailyNow,
    }
    if first in simple:
        if len(words) > 1:
            return Invalid(f"`/quiz daily {first}` takes no more words.")
        return simple[first]()
    text = " ".join(words).translate(_STRAIGHT_QUOTES)
    try:
        parse_words(text)
    except SpecError as problem:
        return Invalid(f"{problem} {usage}")
    return DailySet(text)


def _parse_leaderboard(words: list[str]) -> Command:
    period, scope = "week", "server"
    for word in words:
        key = word.casefold()
        if key in _PERIOD_ALIASES:
            period = _PERIOD_ALIASES[key]
        elif key in ("channel", "here"):
            scope = "channel"
        elif key in ("workspace", "server", "everyone"):
            scope = "server"
        else:
            return Invalid(
                f"{word!r} is not a period: use `/quiz leaderboard week`, `month` or `all` "
                "(add `channel` for this channel only)."
            )
    return Leaderboard(period, scope)


def _parse_reports(words: list[str]) -> Command:
    usage = (
        "Write `/quiz reports`, `/quiz reports keep|hold|void CARD`, "
        "`/quiz reports accept CARD LETTER` or `/quiz reports hold-after N`."
    )
    if not words:
        return Reports()
    first = words[0].casefold()
    if first in ("hold-after", "holdafter", "threshold"):
        if len(words) != 2 or not words[1].isdecimal():
            return Invalid(f"`/quiz reports hold-after` takes one number. {usage}")
        return Reports(hold_after=_number(words[1]))
    if first in ("keep", "hold", "void") and len(words) == 2:
        return Reports(first, words[1])
    if first == "accept" and len(words) == 3:
        return Reports(first, words[1], words[2])
    return Invalid(f"{' '.join(words)!r} is not a reports command. {usage}")


def resolve_topic(wanted: str, topics: list[str]) -> str | Invalid:
    """The one topic `wanted` names, by the rules every command shares (bot.questions.picker),
    else `Invalid` saying what matched and where the list is."""
    try:
        return questions.resolve_topic(wanted, topics)
    except questions.TopicError as problem:
        text = str(problem)
        return Invalid(f"{text[0].upper()}{text[1:]}. `/quiz topics` lists them all.")
