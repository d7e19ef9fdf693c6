"""Cards -> questions. One room per concern:

- `formats`: the table of question formats every command, schedule and adapter reads;
- `picker`: which cards may be asked (topic words, filters, rotation, recently asked);
- `maker`: a card's authored item where it has one, else a generated question;
- `choice`, `cloze`: the generators; `index`: card similarity; `answers`, `shortening`,
  `grammar`, `terms`, `text`: their helpers;
- `audit`: naive test-takers that measure how much a question's wording gives away;
  `skips`: which cards make no question, and why.

The names below load on first use: the command line reads the format table at start-up
and must not pay for the generators then.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_HOMES = {
    "BLANK": "bot.questions.cloze",
    "DAILY_FORMATS": "bot.questions.formats",
    "FORMATS": "bot.questions.formats",
    "MIXED": "bot.questions.formats",
    "PLAY_FORMATS": "bot.questions.formats",
    "QuestionMaker": "bot.questions.maker",
    "Format": "bot.questions.model",
    "Question": "bot.questions.model",
    "CardFilter": "bot.questions.picker",
    "Picker": "bot.questions.picker",
    "TopicError": "bot.questions.picker",
    "resolve_topic": "bot.questions.picker",
    "TERM_MAX": "bot.questions.terms",
    "OPTION_MAX": "bot.questions.shortening",
    "Shortened": "bot.questions.shortening",
    "shorten": "bot.questions.shortening",
    "shorten_answer": "bot.questions.shortening",
    "plain": "bot.questions.text",
}

if TYPE_CHECKING:
    from bot.questions.cloze import BLANK
    from bot.questions.formats import DAILY_FORMATS, FORMATS, MIXED, PLAY_FORMATS
    from bot.questions.maker import QuestionMaker
    from bot.questions.model import Format, Question
    from bot.questions.picker import CardFilter, Picker, TopicError, resolve_topic
    from bot.questions.shortening import OPTION_MAX, Shortened, shorten, shorten_answer
    from bot.questions.terms import TERM_MAX
    from bot.questions.text import plain


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'bot.questions' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


__all__ = [
    "BLANK",
    "DAILY_FORMATS",
    "FORMATS",
    "MIXED",
    "OPTION_MAX",
    "PLAY_FORMATS",
    "TERM_MAX",
    "CardFilter",
    "Format",
    "Picker",
    "Question",
    "QuestionMaker",
    "Shortened",
    "TopicError",
    "plain",
    "resolve_topic",
    "shorten",
    "shorten_answer",
]
