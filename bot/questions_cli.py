"""`quizbot questions`: generated questions as JSON Lines, for checking and for tooling."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from bot.cards import Card, load_library
from bot.paths import seed_dirs
from bot.questions import MIXED, QuestionMaker
from bot.questions.audit import Audit, every_question
from bot.questions.formats import MIXABLE
from bot.questions.skips import skipped


def run_questions(args: argparse.Namespace) -> int:
    """Print `args.count` questions made with `args.seed`, one JSON object per line.

    Keys: card_id, format, prompt, options, answer_index, origin, explanations (one line per
    option, in option order; empty for generated questions), and erratum where the card is
    wrong; a typed question has `accepted` (canonical first) instead of options, answer_index
    and explanations. Same seed, same decks -> same lines.
    """
    library = load_library(seed_dirs(args.seeds))
    maker = QuestionMaker(library.cards, library.items)
    if getattr(args, "audit", False):
        if args.format == "typed":
            print(
                "quizbot questions: --audit measures how options give the answer away; a typed "
                "question has none. Use --format choice, cloze or mixed",
                file=sys.stderr,
            )
            return 2
        return _audit(library.cards, maker, args.format, args.seed)
    if getattr(args, "skipped", False):
        formats = MIXABLE if args.format == MIXED else (args.format,)
        for skip in skipped(maker, formats):
            sys.stdout.write(json.dumps(skip.to_dict(), ensure_ascii=False) + "\n")
        return 0
    try:
        questions = maker.generate(
            args.count,
            args.seed,
            fmt=args.format,
            topic=getattr(args, "topic", None),
            level=getattr(args, "level", None),
        )
    except ValueError as problem:
        print(f"quizbot questions: {problem}", file=sys.stderr)
        return 2
    for question in questions:
        sys.stdout.write(json.dumps(question.to_dict(), ensure_ascii=False) + "\n")
    if len(questions) < args.count:
        print(
            f"quizbot questions: only {len(questions)} of {args.count} {args.format} questions "
            "could be made from the loaded decks; add cards or lower --count",
            file=sys.stderr,
        )
    return 0


def _audit(cards: Sequence[Card], maker: QuestionMaker, fmt: str, seed: int) -> int:
    """Per deck and format: every taker's accuracy and the key's position shares (JSON Lines:
    deck, format, measure, value, questions, limit, ok). A report, so exit 0 either way."""
    formats = MIXABLE if fmt == MIXED else (fmt,)
    audit = Audit(cards)
    decks: dict[str, list[Card]] = {}
    for card in cards:
        decks.setdefault(card.deck, []).append(card)
    for deck, deck_cards in decks.items():
        questions = every_question(maker.make, deck_cards, formats, seed)
        for line in audit.run(questions):
            sys.stdout.write(json.dumps({"deck": deck, **line.to_dict()}) + "\n")
    return 0
