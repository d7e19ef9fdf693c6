"""The card library: decks in Markdown, question lists, CSV/TSV and Red trivia YAML."""

from bot.cards.library import Library, load_file, load_library
from bot.cards.model import Card, LintMessage, card_id

__all__ = ["Card", "Library", "LintMessage", "card_id", "load_file", "load_library"]
