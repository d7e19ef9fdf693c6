"""Cards -> questions. One room per concern:

- `formats`: the table of question formats every command, schedule and adapter reads;
- `picker`: which cards may be asked (topic words, filters, rotation, recently asked);
- `maker`: a card's authored item where it has one, else a generated question;
- `choice`, `cloze`: the generators; `index`: card similarity; `answers`: answer kinds and
  accepted spellings; `shortening`: answer -> option; `terms`, `text`: text helpers;
- `audit`: naive test-takers that measure how much a question's wording gives away.
"""

from bot.questions.cloze import BLANK
from bot.questions.formats import DAILY_FORMATS, FORMATS, MIXED, PLAY_FORMATS
from bot.questions.maker import QuestionMaker
from bot.questions.model import Format, Question
from bot.questions.picker import CardFilter, Picker, TopicError, resolve_topic
from bot.questions.shortening import OPTION_MAX, Shortened, shorten, shorten_answer
from bot.questions.terms import TERM_MAX
from bot.questions.text import plain

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
