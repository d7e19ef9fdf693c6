"""Render every message the Discord and Slack adapters can produce and check each against
what the platforms accept: the whole shipped deck (every card in every format it makes, as
a daily, quiz and practice question and as its reveal with a why-line per option and the
correction to the card) and generated worst cases (the longest answers and options, 12 long
hostile display names with `*_~`|>`, `@everyone`, `<!channel>` and `&`).

The checks are the fakes' own (tests/fakes/*/validation.py: Discord's OpenAPI schema and
message limits, Slack's Block Kit limits and block-text total), plus: no broadcast or
mention a display name could smuggle in.

    python -m tests.adapters.render_all     # prints how many messages and every problem

tests/adapters/test_render_all.py runs it and wants no problem.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from adapters.discord import embeds
from adapters.slack import blocks as kit
from adapters.slack import commands as slack_commands
from bot.cards import load_library
from bot.messages import (
    LeaderboardMessage,
    LeaderboardRow,
    Notice,
    OutgoingMessage,
    QuestionMessage,
    RevealMessage,
    StatsMessage,
    TopicMemory,
    TopicStat,
)
from bot.paths import SHIPPED_SEEDS
from bot.questions import QuestionMaker
from tests.fakes.discord_server import validation as discord_rules
from tests.fakes.slack_server import validation as slack_rules

NOW = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
ROUND = 9_223_372_036_854_775_807  # the largest id SQLite hands out: the longest custom_id
FORMATS = ("choice", "cloze")
MODES = (("daily", None), ("quiz", "20/20"), ("practice", None))

HOSTILE_PARTS = ("*bold*", "_it_", "~~s~~", "`code`", "||spoiler||", "> quote", "@everyone",
                 "<!channel>", "<@123456789012345678>", "&amp;", "@here", "<@U0ALICE>")  # fmt: skip


def hostile_names(count: int = 12, length: int = 80) -> list[str]:
    """Long display names made of everything that means something in Markdown or mrkdwn
    (Slack allows 80 characters; Discord 32, a longer one only makes the check harder)."""
    names = []
    for i in range(count):
        parts = HOSTILE_PARTS[i % len(HOSTILE_PARTS) :] + HOSTILE_PARTS
        names.append(f"{i}{' '.join(parts)}"[:length])
    return names


@dataclass(frozen=True)
class Problem:
    platform: str
    what: str
    problem: str

    def __str__(self) -> str:
        return f"{self.platform}: {self.what}: {self.problem}"


def messages() -> Iterator[tuple[str, OutgoingMessage]]:
    """(what it is, the neutral message) for everything the engine hands an adapter."""
    library = load_library([SHIPPED_SEEDS])
    maker = QuestionMaker(library.cards, library.items)
    names = hostile_names()
    right = tuple((n, 15 + i) for i, n in enumerate(names))
    for card in library.cards:
        if card.kind == "prompt":
            question = maker.prompt(card)
            yield f"prompt {card.id}", _question(question, "daily", None)
            continue
        for fmt in FORMATS:
            question = maker.make(card, fmt, seed="render-all")
            if question is None:
                continue
            for mode, position in MODES:
                yield f"{fmt} {card.id} {mode}", _question(question, mode, position)
            reveal = _reveal(question, card.answer, card.topic, card.level, right)
            yield f"{fmt} {card.id} reveal", reveal
            yield f"{fmt} {card.id} practice reveal", replace(reveal, mode="practice", right=())
    yield from worst_cases(library.cards, names)


def _question(question: Any, mode: str, position: str | None) -> QuestionMessage:
    return QuestionMessage(
        round_id=ROUND, format=question.format, prompt=question.prompt,
        options=question.options, topic="Categorical Cross-Entropy (CCE) & Sparse CCE",
        level="advanced", closes_at=NOW + timedelta(hours=8), mode=mode, position=position,
        zone="America/Argentina/ComodRivadavia",
    )  # fmt: skip


def _reveal(
    question: Any, answer: str, topic: str, level: str, right: tuple[tuple[str, int], ...]
) -> RevealMessage:
    options = question.options
    return RevealMessage(
        round_id=ROUND, prompt=question.prompt, options=options,
        correct_index=question.answer_index, answer=answer,
        counts=tuple(10_000 + i for i in range(len(options))), right=right,
        wrong_count=99_999, closes_at=NOW, revealed_at=NOW, mode="quiz", format=question.format,
        topic=topic, level=level, position="20/20", zone="Pacific/Chatham",
        explanations=question.explanations, erratum=question.erratum,
    )  # fmt: skip


def worst_cases(cards: Any, names: list[str]) -> Iterator[tuple[str, OutgoingMessage]]:
    longest = max((c for c in cards if c.answer), key=lambda c: len(c.answer))
    option = ("An option as long as the linter allows, with **bold** and `code` " * 3)[:110]
    huge_answer = "\n\n".join([longest.answer] * 8)
    reveal = RevealMessage(
        round_id=ROUND, prompt=longest.question * 4, options=(option,) * 4, correct_index=3,
        answer=huge_answer, counts=(1, 2, 3, 4), right=tuple((n, 20) for n in names),
        wrong_count=10, closes_at=NOW, revealed_at=NOW, mode="daily", format="choice",
        topic=names[0], level="advanced", zone="UTC",
        explanations=tuple("Why this one is wrong, at length. " * 20 for _ in range(4)),
        erratum="What the card gets wrong, at length. " * 40,
    )  # fmt: skip
    yield "worst reveal", reveal
    yield "worst practice reveal", replace(reveal, mode="practice", right=())
    yield "worst reveal, nobody answered", replace(reveal, counts=(0, 0, 0, 0), right=())
    yield (
        "worst question",
        QuestionMessage(
            round_id=ROUND, format="choice", prompt=longest.question * 8, options=(option,) * 4,
            topic=names[1], level="advanced", closes_at=NOW, mode="quiz", position="20/20",
        ),
    )  # fmt: skip
    rows = tuple(
        LeaderboardRow(rank=i + 1, name=n, points=10**9 - i, answered=10**6, correct=10**6 - i,
                       user_id=f"U{i}")
        for i, n in enumerate(names[:10])
    )  # fmt: skip
    caller = replace(rows[-1], rank=10_000, name=names[-1], user_id="U-me")
    for period in ("week", "month", "all", "quiz"):
        yield (
            f"leaderboard {period}",
            LeaderboardMessage(
                title=f"Quiz stopped by {names[2]}", period=period, scope="channel", rows=rows,
                caller=caller, period_label="week 2026-W10",
            ),
        )  # fmt: skip
    topics = tuple(
        TopicStat(topic=f"{c.topic} {names[i % len(names)]}", answered=10**6, correct=10**5)
        for i, c in enumerate(cards[:40])
    )
    stats = StatsMessage(
        name=names[3], answered=10**6, correct=10**5, current_streak=999, best_streak=9999,
        topics=topics, weakest=tuple(t.topic for t in topics[:10]), points=10**9,
        memory=tuple(
            TopicMemory(topic=t.topic, seen=10**6, recall=0.123456, due_now=10**5,
                        due_this_week=10**6)
            for t in topics
        ),
    )  # fmt: skip
    yield "stats", stats
    yield "stats, nobody answered yet", replace(stats, answered=0, topics=(), weakest=(), memory=())
    yield "help", Notice(slack_commands.HELP)
    yield (
        "daily status, paused",
        Notice(
            "Daily question: 09:00 America/Argentina/ComodRivadavia, mon-fri, reveal at 17:00.\n"
            "Paused since Mon 2 Mar, 09:00 -03: quizbot cannot find this channel: it was "
            "deleted, or it is private and quizbot is not in it (invite it with /invite "
            "@quizbot). When that is fixed, {command:daily set} turns it back on.\n"
            f"Today: {names[4]}"
        ),
    )
    yield "a notice with every hostile name", Notice("\n".join(names * 20))


# ---------------------------------------------------------------- the platforms' checks

_SLACK_TOKEN = re.compile(r"<!date\^\d+\^\{time\}\|[^<>]*>")
_SLACK_LEAK = re.compile(r"<[!@#]")
# A ping (@everyone, @here, <@id>, <@&role>) or a spoiler that a name or card brought in.
_DISCORD_LEAK = re.compile(r"@(everyone|here)|(?<!\\)<@[!&]?\d{17,20}>|(?<!\\)\|\|")
_CODE = re.compile(r"`[^`]*`")  # code spans show their text as it is


def discord_payloads(message: OutgoingMessage) -> list[dict[str, Any]]:
    """The JSON bodies discord.py would send for the message (a post, and for a practice
    question the private reply with its Skip button)."""
    parts = [embeds.render(message)]
    if isinstance(message, QuestionMessage) and message.mode == "practice":
        parts.append(embeds.practice_question_parts(message, "A topic " * 12))
    if isinstance(message, RevealMessage) and message.mode == "practice":
        parts.append({**parts[0], "view": embeds.reveal_view(message, "A topic " * 12)})
    bodies = []
    for part in parts:
        body: dict[str, Any] = {"allowed_mentions": {"parse": []}, "nonce": "quizbot-q1"}
        if "content" in part:
            body["content"] = part["content"]
        if "embed" in part:
            body["embeds"] = [part["embed"].to_dict()]
        if "view" in part:
            body["components"] = part["view"].to_components()
        bodies.append(body)
    return bodies


def discord_problems(what: str, message: OutgoingMessage) -> list[Problem]:
    found = []
    for body in discord_payloads(message):
        for problem in discord_rules.problems("POST", "/channels/1/messages", body):
            found.append(Problem("discord", what, problem))
        leak = _DISCORD_LEAK.search(_CODE.sub("", _discord_text(body)))
        if leak and not isinstance(message, Notice):  # a notice is the engine's own text
            found.append(Problem("discord", what, f"unescaped {leak.group(0)!r}"))
    return found


def _discord_text(body: dict[str, Any]) -> str:
    texts = [str(body.get("content") or "")]
    for embed in body.get("embeds", []):
        texts += [str(embed.get("title") or ""), str(embed.get("description") or "")]
        texts += [str(f.get("name")) + str(f.get("value")) for f in embed.get("fields", [])]
        # Footers show text as it is: no Markdown, no mentions.
    return "\n".join(texts).replace("@\u200b", "@-")


def slack_payloads(message: OutgoingMessage) -> list[dict[str, Any]]:
    text, blocks = kit.render(message, NOW)
    bodies = [{"text": text, "blocks": blocks}]
    if isinstance(message, RevealMessage) and message.mode == "practice":
        text, blocks = kit.practice_reveal(message, "Correct: D.", "A topic " * 12)
        bodies.append({"text": text, "blocks": blocks})
    return bodies


def slack_problems(what: str, message: OutgoingMessage) -> list[Problem]:
    found = []
    for body in slack_payloads(message):
        refused = slack_rules.check_message(body)
        if refused is not None:
            found.append(Problem("slack", what, f"{refused[0]}: {refused[1]}"))
        text = _SLACK_TOKEN.sub("", body["text"] + "\n" + repr(body["blocks"]))
        leak = _SLACK_LEAK.search(text)
        if leak:
            found.append(Problem("slack", what, f"unescaped {leak.group(0)!r}"))
    return found


def check_all() -> tuple[int, list[Problem]]:
    """(messages rendered, every problem found)."""
    count, problems = 0, []
    for what, message in messages():
        count += 1
        problems += discord_problems(what, message)
        problems += slack_problems(what, message)
    return count, problems


def main() -> int:
    count, problems = check_all()
    for problem in problems:
        print(problem)
    print(f"{count} messages rendered for Discord and Slack; {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
