"""Generated cloze: a sentence of the card's answer with one bold key term blanked, and three
key terms of the same kind from related cards as the other options."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from bot.cards.model import Card
from bot.questions.grammar import fits_blank, glossed
from bot.questions.index import SimilarityIndex
from bot.questions.model import Question, assemble
from bot.questions.terms import ClozeChoice, Term, make_term, related_terms, same_kind
from bot.questions.text import (
    BOLD,
    SPACE,
    WORD,
    answer_lines,
    content_words,
    mask_code,
    plain,
    sentence_spans,
    without_symbols,
)

BLANK = "_____"
CLOZE_SENTENCE_MAX = 320
CLOZE_WORDS = 4  # words around the blank, at least
CLOZE_WORDS_ALONE = 8  # ... when the question must be left out (it names the term)
CLOZE_STRICTER = 0.75  # a key term from a card on the same point may be a synonym
POOL = 8  # ranked distractors kept per blank

# Reasons a card makes no cloze question (`quizbot questions --skipped`).
NOT_QA = "not a question-and-answer card"
NO_TERM = "its answer has no bold key term in a sentence long enough to blank"
GLOSSED = "every blank is explained by its own sentence, or needs the question that names its term"
TOO_FEW = "fewer than three terms of the blank's kind that fit its grammar"
PAIR_CACHE = 200_000  # remembered term-pair verdicts; cleared when full


class ClozeMaker:
    def __init__(self, cards: Sequence[Card], index: SimilarityIndex) -> None:
        self.cards = cards
        self.index = index
        self._terms: dict[int, tuple[tuple[str, Term], ...]] = {}
        self._clozes: dict[int, tuple[ClozeChoice, ...]] = {}
        self._related_pairs: dict[tuple[str, str], bool] = {}
        self._reasons: dict[int, str] = {}

    def skipped(self, index: int) -> str | None:
        """Why card `index` makes no cloze question, or None when it makes one."""
        card = self.cards[index]
        if card.kind != "qa" or not card.answer.strip():
            return NOT_QA
        self.index.build()
        if self._choices(index):
            return None
        return self._reasons.get(index, TOO_FEW)

    def make(self, index: int, rng: random.Random) -> Question | None:
        clozes = self._choices(index)
        if not clozes:
            return None
        cloze = clozes[rng.randrange(len(clozes))]
        head = list(cloze.distractors[:4])
        rng.shuffle(head)
        chosen: list[Term] = []
        for term in head + list(cloze.distractors[4:]):
            if any(self._related_terms(term, other) for other in chosen):
                continue
            chosen.append(term)
            if len(chosen) == 3:
                break
        if len(chosen) < 3:
            return None
        card = self.cards[index]
        return assemble(
            card.id, "cloze", cloze.prompt, cloze.term.text, [t.text for t in chosen], rng
        )

    def blanks(self, index: int) -> tuple[tuple[str, str], ...]:
        """(prompt, term) for each fair blank of card `index`: what a typed cloze asks."""
        self.index.build()
        return tuple((c.prompt, c.term.text) for c in self._choices(index))

    def _related_terms(self, a: Term, b: Term) -> bool:
        """`related_terms`, remembered per pair: a term's fields all follow from its text."""
        pair = (a.text, b.text)
        found = self._related_pairs.get(pair)
        if found is None:
            if len(self._related_pairs) >= PAIR_CACHE:
                self._related_pairs.clear()
            found = self._related_pairs[pair] = related_terms(a, b)
        return found

    def _card_terms(self, index: int) -> tuple[tuple[str, Term], ...]:
        """The bold key terms of a card's answer: (raw Markdown inside **, parsed term)."""
        cached = self._terms.get(index)
        if cached is None:
            found = []
            masked = mask_code(self.cards[index].answer)
            for match in BOLD.finditer(masked):
                raw = self.cards[index].answer[match.start(1) : match.end(1)]
                term = make_term(raw)
                if term is not None:
                    found.append((raw, term))
            cached = tuple(found)
            self._terms[index] = cached
        return cached

    def _choices(self, index: int) -> tuple[ClozeChoice, ...]:
        cached = self._clozes.get(index)
        if cached is not None:
            return cached
        card = self.cards[index]
        question_stems = frozenset(content_words(card.question))
        own_terms = {term.text.casefold() for _, term in self._card_terms(index)}
        related = [
            other
            for _, other in self.index.related(index)
            if not self.index.duplicates(index, other, CLOZE_STRICTER)
            and self.cards[other].kind == "qa"
        ]
        choices: list[ClozeChoice] = []
        seen: set[str] = set()
        blankable = self._blankable(index)
        self._reasons[index] = NO_TERM if not blankable else GLOSSED
        for sentence, raw, term in blankable:
            if term.text.casefold() in seen:
                continue
            blanked = sentence.replace(f"**{raw}**", BLANK, 1)
            sentence_stems = frozenset(content_words(blanked))
            if term.stems & sentence_stems or term.text.casefold() in blanked.casefold():
                continue  # the blank would be filled in by the rest of the sentence
            if glossed(blanked, term):
                continue
            # The question is context unless it gives the term away.
            gives_away = term.stems & question_stems or term.text.casefold() in (
                plain(card.question).casefold()
            )
            if gives_away and len(WORD.findall(plain(blanked))) < CLOZE_WORDS_ALONE:
                continue  # without the question there is too little to go on
            if gives_away and _needs_question(blanked):
                continue  # "No, it is ___": without the question "it" means nothing
            if glossed(plain(card.question), term) and not gives_away:
                continue
            blanked = SPACE.sub(" ", without_symbols(blanked)).strip()  # a stripped emoji
            prompt = blanked if gives_away else f"{card.question}\n\n{blanked}"
            prompt_stems = sentence_stems if gives_away else sentence_stems | question_stems
            self._reasons[index] = TOO_FEW
            distractors = self._distractors(index, term, prompt_stems, own_terms, related)
            distractors = tuple(d for d in distractors if fits_blank(blanked, term, d))
            if len(distractors) >= 3:
                seen.add(term.text.casefold())
                choices.append(ClozeChoice(term, prompt, prompt_stems, distractors))
        self._clozes[index] = tuple(choices)
        return self._clozes[index]

    def _blankable(self, index: int) -> list[tuple[str, str, Term]]:
        """(sentence, raw bold text, term) for each bold term standing in a usable sentence."""
        terms = dict(self._card_terms(index))
        found = []
        for line in answer_lines(self.cards[index].answer):
            for start, end in sentence_spans(line):
                sentence = line[start:end].strip()
                if len(sentence) > CLOZE_SENTENCE_MAX:
                    continue
                masked = mask_code(sentence)
                for match in BOLD.finditer(masked):
                    raw = sentence[match.start(1) : match.end(1)]
                    term = terms.get(raw)
                    rest = plain(masked[: match.start()] + masked[match.end() :])
                    if term is not None and len(WORD.findall(rest)) >= CLOZE_WORDS:
                        found.append((sentence, raw, term))
        return found

    def _distractors(
        self,
        index: int,
        term: Term,
        prompt_stems: frozenset[str],
        own_terms: set[str],
        related: list[int],
    ) -> tuple[Term, ...]:
        scored: list[tuple[float, int, Term]] = []
        seen: set[str] = set()
        deck = self.cards[index].deck
        related = [other for other in related if self.cards[other].deck == deck]
        for rank, other in enumerate(related):
            for _, candidate in self._card_terms(other):
                key = candidate.text.casefold()
                if (
                    key in seen
                    or key in own_terms
                    or not same_kind(term, candidate)
                    or related_terms(term, candidate)
                    or candidate.stems & prompt_stems
                ):
                    continue
                seen.add(key)
                length_gap = abs(len(candidate.text) - len(term.text)) / max(
                    len(candidate.text), len(term.text)
                )
                topic_gap = 0.0 if self.cards[other].topic == self.cards[index].topic else 0.5
                scored.append(
                    (rank / len(related) + length_gap + topic_gap, len(scored), candidate)
                )
        scored.sort(key=lambda item: (item[0], item[1]))
        return tuple(candidate for _, _, candidate in scored[: POOL * 2])


_NEEDS_ANTECEDENT = re.compile(
    r"^\W*(?:yes|no|it|its|it's|this|these|they|their|that|those|he|she)\b", re.IGNORECASE
)


def _needs_question(sentence: str) -> bool:
    """ "No, it is ___ …", "It grows ___": the sentence leans on the question it answers."""
    return bool(_NEEDS_ANTECEDENT.match(plain(sentence)))
