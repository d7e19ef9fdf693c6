"""The engine's neutral messages as Discord embeds and button rows.

Options are listed in full in the embed and the buttons carry only their letter: a label is
capped at 80 characters and a row of four long labels is unreadable on a phone. Every text
that comes from a card goes through `to_discord` (no stray spoilers or pings) and is fitted
to the embed limits, so a long answer is continued in fields rather than rejected by Discord.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import discord

from adapters.discord.buttons import (
    answer_button,
    hint_button,
    next_button,
    report_button,
    typed_button,
)
from adapters.discord.markup import (
    EMBED_DESCRIPTION_LIMIT,
    EMBED_FIELD_VALUE_LIMIT,
    EMBED_FOOTER_LIMIT,
    EMBED_MAX_FIELDS,
    EMBED_TITLE_LIMIT,
    EMBED_TOTAL_LIMIT,
    MESSAGE_LIMIT,
    to_discord,
)
from bot.messages import (
    PRACTISE_WEAK,
    LeaderboardMessage,
    Notice,
    OutgoingMessage,
    QuestionMessage,
    RevealMessage,
    StatsMessage,
    TeamMemoryMessage,
    memory_line,
    most_typed,
    option_letter,
    spell_commands,
)
from bot.render import fit, split

REVEAL_PROMPT_LIMIT = 1500  # our choice: the answer below the prompt matters more
WHO_FIELD = "Who was right"
ERRATUM_FIELD = "Correction to the card"
REGRADE_FIELD = "Regraded"
WHY_INDENT = "\u2003"  # an em space: Discord strips leading ASCII spaces

QUESTION_COLOUR = discord.Colour.blurple()
REVEAL_COLOUR = discord.Colour.green()
BOARD_COLOUR = discord.Colour.gold()
STATS_COLOUR = discord.Colour.teal()

CORRECT_MARK = "✅"
WRONG_MARK = "❌"
MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}


def plain(name: str) -> str:
    """A person's name shown as text: no Markdown effects, no mention syntax."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(name))


# How engine text's command mentions (bot.messages.command) read on Discord.
COMMAND_NAMES = {
    "topics": "/topics",
    "daily set": "/daily set",
    "daily now": "/daily now",
    "daily status": "/daily status",
    "practice": "/practice",
    "practice remind": "/practice remind:",
    "practice remind off": "/practice remind:off",
    "reports keep": "/reports decide:keep card:CARD",
    "reports hold": "/reports decide:hold card:CARD",
    "reports accept": "/reports decide:accept card:CARD option:LETTER",
    "reports void": "/reports decide:void card:CARD",
    "reports hold-after": "/reports hold_after:N",
}


def notice_text(notice: Notice | str) -> str:
    text = notice.text if isinstance(notice, Notice) else str(notice)
    return fit(spell_commands(text, COMMAND_NAMES), MESSAGE_LIMIT)


def _timestamp(when: datetime, style: str) -> str:
    # Discord shows <t:...> in each reader's own time zone.
    return f"<t:{int(when.timestamp())}:{style}>"


def _heading(mode: str, position: str | None) -> str:
    if mode == "quiz":
        return f"Quiz question {position}" if position else "Quiz question"
    if mode == "practice":
        return "Practice question"
    return "Daily question"


def _footer(topic: str | None, level: str | None, extra: str = "") -> str:
    parts = [p for p in (topic, level, extra) if p]
    return fit(" · ".join(parts), EMBED_FOOTER_LIMIT)


def _options_block(options: tuple[str, ...]) -> str:
    return "\n".join(f"**{option_letter(i)}.** {to_discord(o)}" for i, o in enumerate(options))


def _description(head: str, tail: str) -> str:
    """`head` + `tail` within the description limit; the prompt (head) is cut first."""
    room = EMBED_DESCRIPTION_LIMIT - len(tail) - 2
    return f"{fit(head, max(room, 1))}\n\n{tail}" if tail else fit(head, EMBED_DESCRIPTION_LIMIT)


# ------------------------------------------------------------------ questions


def question_embed(message: QuestionMessage) -> discord.Embed:
    body = _options_block(message.options)
    if message.format == "prompt":
        closes = "Share your thoughts in the thread below."
    elif message.mode == "practice":
        closes = "Only you see this question. " + (
            "Press Answer and type it." if message.format == "typed" else "Pick an answer."
        )
    else:
        at = message.closes_at
        how = "Press Answer and type it privately" if message.format == "typed" else ""
        closes = (
            f"{how or 'Answer privately with a button'}. Reveal at {_timestamp(at, 't')} "
            f"({_timestamp(at, 'R')})."
        )
    embed = discord.Embed(
        title=fit(_heading(message.mode, message.position), EMBED_TITLE_LIMIT),
        description=_description(to_discord(message.prompt), f"{body}\n\n{closes}".strip()),
        colour=QUESTION_COLOUR,
    )
    embed.set_footer(text=_footer(message.topic, message.level, f"round {message.round_id}"))
    return embed


def _add_answer_buttons(view: discord.ui.View, message: QuestionMessage) -> None:
    """One button per option, or for a typed question the one "Answer" button; then the
    "Hint" button with its cost."""
    if message.format == "typed":
        view.add_item(typed_button(message.round_id))
    else:
        for i in range(len(message.options)):
            view.add_item(answer_button(message.round_id, i))
    if message.hint_label is not None:
        view.add_item(hint_button(message.round_id, message.hint_label))


def question_view(message: QuestionMessage) -> discord.ui.View | None:
    if not message.options and message.format != "typed":
        return None
    view = discord.ui.View(timeout=None)
    _add_answer_buttons(view, message)
    return detached(view)


def practice_question_parts(message: QuestionMessage, topic: str | None) -> dict[str, Any]:
    """A private practice question: its answer buttons plus "Skip" (to the next one)."""
    view = discord.ui.View(timeout=None)
    _add_answer_buttons(view, message)
    view.add_item(next_button(topic, label="Skip"))
    return {"embed": question_embed(message), "view": detached(view)}


def detached(view: discord.ui.View) -> discord.ui.View:
    """A view sent only for its components: stopped first, so discord.py neither keeps it in
    memory nor starts its 15-minute timeout task for ephemeral messages. Clicks still arrive,
    through the dynamic items registered at start-up (adapters.discord.clicks)."""
    view.stop()
    return view


def question_parts(message: QuestionMessage) -> dict[str, Any]:
    parts: dict[str, Any] = {"embed": question_embed(message)}
    view = question_view(message)
    if view is not None:
        parts["view"] = view
    return parts


# ------------------------------------------------------------------ reveals


def _who_was_right(message: RevealMessage) -> str:
    if not message.answered:
        return "Nobody answered."
    if not message.right:
        return f"Nobody this time ({message.answered} answered)."
    names = ", ".join(f"{plain(name)} (+{points})" for name, points in message.right)
    summary = f"{len(message.right)} of {message.answered} right"
    return fit(f"{names}\n{summary}", EMBED_FIELD_VALUE_LIMIT)


def reveal_embed(message: RevealMessage) -> discord.Embed:
    counts = list(message.counts) + [0] * (len(message.options) - len(message.counts))
    marks = [
        CORRECT_MARK if i == message.correct_index else "▫️" for i in range(len(message.options))
    ]
    lines = []
    for i, option in enumerate(message.options):
        n = counts[i]
        chosen = f"{n} {'answer' if n == 1 else 'answers'}"
        if i == message.correct_index:
            # Bold once around the whole line, the option's own bold dropped: `**` inside
            # `**` closes the outer bold early and unbolds the rest of the line.
            option_text = to_discord(option).replace("**", "")
            lines.append(f"{marks[i]} **{option_letter(i)}. {option_text} · {chosen}**")
        else:
            lines.append(f"{marks[i]} {option_letter(i)}. {to_discord(option)} · {chosen}")
        why = message.explanations[i] if i < len(message.explanations) else ""
        if why:
            lines.append(f"{WHY_INDENT}↳ {discord.utils.escape_markdown(why)}")
    lines += _typed_lines(message)
    options = "\n".join(lines)
    # The reveal must show the card's answer in full where it can: the prompt, already read
    # with the question, is what gets cut when a card is too long for one embed.
    room = min(EMBED_DESCRIPTION_LIMIT - len(options) - 2, REVEAL_PROMPT_LIMIT)
    embed = discord.Embed(
        title=fit(f"{_heading(message.mode, message.position)}: the answer", EMBED_TITLE_LIMIT),
        description=f"{fit(to_discord(message.prompt), max(room, 1))}\n\n{options}",
        colour=REVEAL_COLOUR,
    )
    footer = _footer(message.topic, message.level, f"round {message.round_id}")
    who = _who_was_right(message) if message.mode != "practice" else ""
    budget = EMBED_TOTAL_LIMIT - len(embed) - len(footer) - len(who) - len(WHO_FIELD)
    if message.correction:
        regrade = fit(discord.utils.escape_markdown(message.correction), EMBED_FIELD_VALUE_LIMIT)
        embed.add_field(name=REGRADE_FIELD, value=regrade, inline=False)
        budget -= len(REGRADE_FIELD) + len(regrade)
    if message.erratum:
        correction = fit(discord.utils.escape_markdown(message.erratum), EMBED_FIELD_VALUE_LIMIT)
        embed.add_field(name=ERRATUM_FIELD, value=correction, inline=False)
        budget -= len(ERRATUM_FIELD) + len(correction)
    answer = to_discord(message.answer).strip() if message.answer else ""
    for n, chunk in enumerate(split(answer, EMBED_FIELD_VALUE_LIMIT)[: EMBED_MAX_FIELDS - 2]):
        name = "Answer" if n == 0 else "Answer (continued)"
        room = budget - len(name)
        if room < 20:
            break
        value = chunk.strip() if len(chunk.strip()) <= room else fit(chunk.strip(), room)
        embed.add_field(name=name, value=value or "…", inline=False)
        budget -= len(name) + len(value)
    if who:
        embed.add_field(name=WHO_FIELD, value=who, inline=False)
    embed.set_footer(text=footer)
    embed.timestamp = message.revealed_at
    return embed


def _typed_lines(message: RevealMessage) -> list[str]:
    """A typed question's accepted answers and what people typed most."""
    esc = discord.utils.escape_markdown
    lines = []
    if message.accepted:
        shown, more = message.accepted_listed()
        lines.append(f"{CORRECT_MARK} **{esc(shown)}**{more}")
    if message.typed_answers:
        said = ", ".join(
            f"{esc(text)}{mark} ({n})"
            for text, n, mark in most_typed(message, CORRECT_MARK, WRONG_MARK)
        )
        lines.append(f"Most typed: {said}")
    return lines


def reveal_view(message: RevealMessage, next_topic: str | None = None) -> discord.ui.View:
    """The question's buttons, disabled, the right one green; practice adds "Next"."""
    view = discord.ui.View(timeout=None)
    if message.format == "typed":
        view.add_item(typed_button(message.round_id, disabled=True))
    for i in range(len(message.options)):
        view.add_item(
            answer_button(message.round_id, i, disabled=True, correct=i == message.correct_index)
        )
    if message.mode == "practice":
        view.add_item(next_button(next_topic))
    view.add_item(report_button(message.round_id))
    return detached(view)


def reveal_parts(message: RevealMessage) -> dict[str, Any]:
    parts: dict[str, Any] = {"embed": reveal_embed(message)}
    if message.options or message.format == "typed":
        parts["view"] = reveal_view(message)
    return parts


# ------------------------------------------------------------------ standings


def _board_line(row: Any, you: bool = False) -> str:
    rank = MEDALS.get(row.rank, f"`{row.rank:>2}.`")
    name = plain(row.name) + (" (you)" if you else "")
    return f"{rank} **{name}**: {row.points} pts · {row.correct}/{row.answered} right"


def leaderboard_embed(message: LeaderboardMessage) -> discord.Embed:
    caller_id = message.caller.user_id if message.caller else None
    lines = [_board_line(r, r.user_id == caller_id) for r in message.rows]
    if not lines:
        lines = ["No answers yet. Be the first: answer today's question or start a `/quiz`."]
    if message.more_tied_text:
        lines.append(message.more_tied_text)
    if message.caller_outside_top and message.caller is not None:
        lines += ["…", _board_line(message.caller, True)]
    embed = discord.Embed(
        title=fit(plain(message.title or "Leaderboard"), EMBED_TITLE_LIMIT),
        description=fit("\n".join(lines), EMBED_DESCRIPTION_LIMIT),
        colour=BOARD_COLOUR,
    )
    if message.period_label:
        embed.set_footer(text=fit(message.period_label, EMBED_FOOTER_LIMIT))
    return embed


WEAK_SHOWN = 3  # topics named under "Practise these"


def team_embed(message: TeamMemoryMessage) -> discord.Embed:
    """`/stats team`: what the server's active players are forgetting."""
    lines = message.lines()
    body = "\n".join(plain(line) for line in lines[1:])
    return discord.Embed(
        title=fit(lines[0], EMBED_TITLE_LIMIT),
        description=fit(body, EMBED_DESCRIPTION_LIMIT) if body else None,
        colour=STATS_COLOUR,
    ).set_footer(text="Practise your own weakest topics with /practice weak")


def stats_embed(message: StatsMessage) -> discord.Embed:
    embed = discord.Embed(
        title=fit(f"Stats for {plain(message.name)}", EMBED_TITLE_LIMIT), colour=STATS_COLOUR
    )
    accuracy = f"{message.accuracy:.0%}" if message.answered else "–"
    embed.add_field(name="Answered", value=str(message.answered))
    embed.add_field(name="Accuracy", value=f"{accuracy} ({message.correct} right)")
    embed.add_field(
        name="Streak", value=f"{message.current_streak} days (best {message.best_streak})"
    )
    if message.points is not None:
        embed.add_field(name="Points on this server", value=str(message.points))
    if message.topics:
        rows = [
            f"{to_discord(t.topic)}: {t.correct}/{t.answered} ({t.accuracy:.0%})"
            for t in message.topics
        ]
        embed.add_field(
            name="By topic", value=fit("\n".join(rows), EMBED_FIELD_VALUE_LIMIT), inline=False
        )
    if message.weakest:
        embed.add_field(
            name="Worth practising",
            value=fit("\n".join(to_discord(t) for t in message.weakest), EMBED_FIELD_VALUE_LIMIT),
            inline=False,
        )
    if message.memory:
        rows = [f"{to_discord(t.topic)}: {memory_line(t)}" for t in message.memory]
        weakest = ", ".join(to_discord(t.topic) for t in message.memory[:WEAK_SHOWN])
        rows.append(f"Practise these: {weakest} (`{PRACTISE_WEAK}`)")
        embed.add_field(
            name="Memory by topic, weakest first",
            value=fit("\n".join(rows), EMBED_FIELD_VALUE_LIMIT),
            inline=False,
        )
    if not message.answered:
        embed.description = "No answers yet: try `/practice` or today's question."
    return embed


def topics_embed(topics: list[tuple[str, int]]) -> discord.Embed:
    lines = [f"**{to_discord(name)}**: {count} cards" for name, count in topics]
    return discord.Embed(
        title="Topics",
        description=fit("\n".join(lines) or "No decks are loaded.", EMBED_DESCRIPTION_LIMIT),
        colour=QUESTION_COLOUR,
    ).set_footer(text="Use one with /quiz topic:… or /practice topic:…")


def render(message: OutgoingMessage) -> dict[str, Any]:
    """send()/edit() keyword arguments for any message the engine hands the Poster."""
    if isinstance(message, QuestionMessage):
        return question_parts(message)
    if isinstance(message, RevealMessage):
        return reveal_parts(message)
    if isinstance(message, LeaderboardMessage):
        return {"embed": leaderboard_embed(message)}
    if isinstance(message, StatsMessage):
        return {"embed": stats_embed(message)}
    if isinstance(message, Notice | str):
        return {"content": notice_text(message)}
    raise TypeError(f"the Discord adapter cannot show a {type(message).__name__}")
