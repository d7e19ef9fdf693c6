"""The engine's neutral messages as Slack Block Kit. Pure functions: message in, payload out.

Every function returns `(text, blocks)`: `text` is the plain fallback Slack shows in
notifications and to screen readers, `blocks` the layout, within Slack's limits (see
adapters.slack.markup). People are named by display name as plain text (escaped, never a
`<@U…>` mention), so a reveal notifies nobody.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from adapters.slack.markup import (
    BUTTON_TEXT_LIMIT,
    MAX_BLOCKS,
    SECTION_TEXT_LIMIT,
    escape,
    to_slack,
)
from bot.engine import TYPED_MAX, HintReply
from bot.engine.periods import local_time_text
from bot.engine.reports import NOTE_MAX, reasons_text
from bot.messages import (
    LeaderboardMessage,
    LeaderboardRow,
    Notice,
    OutgoingMessage,
    PracticeReminder,
    QuestionMessage,
    RevealMessage,
    StatsMessage,
    TeamMemoryMessage,
    memory_line,
    most_typed,
    option_letter,
    spell_commands,
)
from bot.questions import plain
from bot.render import fit, split

FALLBACK_LIMIT = 300  # notification text: a preview, not the whole card
# Slack refuses messages with about 12,000 characters of block text (msg_blocks_too_long, not
# documented): stay well under it.
BLOCKS_TEXT_BUDGET = 11_000
MIN_KEPT = 200  # a section cut to fit the total keeps at least this much
ANSWER_PREFIX = "answer"
PRACTICE_NEXT = "practice:next"
TYPED_PREFIX = "typed"  # a typed question's "Answer" button: typed:<round>
TYPED_CALLBACK = "typed-answer"  # the modal it opens
TYPED_INPUT = "answer"  # the modal's one text box (block_id and action_id)
HINT_PREFIX = "hint"  # a question's "Hint" button: hint:<round>
REPORT_PREFIX = "report"  # "Report question" under a reveal: report:<round>
REPORT_CALLBACK = "report-question"  # the modal it opens
REPORT_REASON = "reason"  # its two text boxes (block_id and action_id)
REPORT_NOTE = "note"
REASON_MAX = 40  # characters of a report's reason: a number or a few words

Blocks = list[dict[str, Any]]


_BLANK = re.compile(r"_{3,}")


def mrkdwn(md: str) -> str:
    """Neutral Markdown as mrkdwn; a cloze blank `_____` becomes a code span, so Slack does not
    read its underscores as italics."""
    return to_slack(_BLANK.sub("`_____`", md))


def plain_text(md: str) -> str:
    """Neutral Markdown as plain text (fallbacks, button labels), the blank kept visible."""
    return plain(_BLANK.sub("＿＿＿", md))


def answer_action_id(round_id: int, option: int) -> str:
    return f"{ANSWER_PREFIX}:{round_id}:{option}"


def parse_answer_action(action_id: str) -> tuple[int, int] | None:
    """`answer:<round_id>:<option>` -> (round_id, option); None for anything else."""
    parts = action_id.split(":")
    if len(parts) != 3 or parts[0] != ANSWER_PREFIX:
        return None
    if not (parts[1].isdecimal() and parts[2].isdecimal()):
        return None
    if len(parts[1]) > 18 or len(parts[2]) > 2:  # beyond SQLite's integers: no such round
        return None
    return int(parts[1]), int(parts[2])


def typed_action_id(round_id: int) -> str:
    return f"{TYPED_PREFIX}:{round_id}"


def parse_typed_action(action_id: str) -> int | None:
    prefix, _, round_id = action_id.partition(":")
    if prefix != TYPED_PREFIX or not round_id.isdigit():
        return None
    return int(round_id)


def hint_action_id(round_id: int) -> str:
    return f"{HINT_PREFIX}:{round_id}"


def parse_hint_action(action_id: str) -> int | None:
    prefix, _, round_id = action_id.partition(":")
    if prefix != HINT_PREFIX or not round_id.isdigit() or len(round_id) > 18:
        return None
    return int(round_id)


def _hint_button(message: QuestionMessage) -> list[dict[str, Any]]:
    """The "Hint (-5 points)" button, its cost shown before anyone asks."""
    if message.hint_label is None:
        return []
    action_id = hint_action_id(message.round_id)
    return [button(message.hint_label, action_id, action_id)]


def hint_reply(reply: HintReply) -> tuple[str, Blocks]:
    """A private hint: its text, and the ways left to answer: a choice hint's options still in
    play as buttons (the two removed ones are gone), a typed hint's Answer button."""
    text = reply.text
    # Plain text: the spelled hint's underscores ("b______") must not turn into italics.
    lines = [text, *(f"{option_letter(i)}. {plain_text(option)}" for i, option in reply.left)]
    blocks: Blocks = [
        {"type": "section", "text": {"type": "plain_text", "text": "\n".join(lines)[:3000]}}
    ]
    elements = [
        button(option_letter(i), answer_action_id(reply.round_id, i), answer_action_id(
            reply.round_id, i))
        for i, _option in reply.left
    ]  # fmt: skip
    if reply.format == "typed":
        action_id = typed_action_id(reply.round_id)
        elements.append(button("Answer", action_id, action_id, style="primary"))
    if elements:
        blocks.append(
            {"type": "actions", "block_id": f"hint:{reply.round_id}", "elements": elements}
        )
    return text, blocks


def typed_modal(round_id: int, channel_id: str) -> dict[str, Any]:
    """The box a typed answer is written in. The round and the channel (where the private
    acknowledgement goes) travel in private_metadata: Slack hands it back on submission."""
    return {
        "type": "modal",
        "callback_id": TYPED_CALLBACK,
        "private_metadata": json.dumps({"round": round_id, "channel": channel_id}),
        "title": {"type": "plain_text", "text": "Your answer"},
        "submit": {"type": "plain_text", "text": "Lock in"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": TYPED_INPUT,
                "label": {"type": "plain_text", "text": "Answer"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": TYPED_INPUT,
                    "max_length": TYPED_MAX,
                    "placeholder": {"type": "plain_text", "text": "Type your answer"},
                },
            }
        ],
    }


def typed_submission(view: dict[str, Any]) -> tuple[int, str, str] | None:
    """(round, channel, typed text) from a submitted typed-answer modal; None if mangled."""
    try:
        meta = json.loads(view.get("private_metadata") or "")
        value = view["state"]["values"][TYPED_INPUT][TYPED_INPUT].get("value") or ""
        return int(meta["round"]), str(meta["channel"]), str(value)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def report_action_id(round_id: int) -> str:
    return f"{REPORT_PREFIX}:{round_id}"


def parse_report_action(action_id: str) -> int | None:
    prefix, _, round_id = action_id.partition(":")
    if prefix != REPORT_PREFIX or not round_id.isdigit():
        return None
    return int(round_id)


def report_modal(round_id: int, channel_id: str) -> dict[str, Any]:
    """The box a report is written in: the reason (1-5 or its words) and an optional note.
    The round and the channel (where the thank-you goes) travel in private_metadata."""
    hint = reasons_text(" · ")
    return {
        "type": "modal",
        "callback_id": REPORT_CALLBACK,
        "private_metadata": json.dumps({"round": round_id, "channel": channel_id}),
        "title": {"type": "plain_text", "text": "Report this question"},
        "submit": {"type": "plain_text", "text": "Report"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": REPORT_REASON,
                "label": {"type": "plain_text", "text": f"Reason ({hint})"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": REPORT_REASON,
                    "max_length": REASON_MAX,
                    "placeholder": {"type": "plain_text", "text": "1, 2, 3, 4 or 5"},
                },
            },
            {
                "type": "input",
                "block_id": REPORT_NOTE,
                "optional": True,
                "label": {"type": "plain_text", "text": "What is wrong? (optional)"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": REPORT_NOTE,
                    "multiline": True,
                    "max_length": NOTE_MAX,
                },
            },
        ],
    }


def report_submission(view: dict[str, Any]) -> tuple[int, str, str, str] | None:
    """(round, channel, reason, note) from a submitted report modal; None if mangled."""
    try:
        meta = json.loads(view.get("private_metadata") or "")
        values = view["state"]["values"]
        reason = values[REPORT_REASON][REPORT_REASON].get("value") or ""
        note = (values.get(REPORT_NOTE) or {}).get(REPORT_NOTE, {}).get("value") or ""
        return int(meta["round"]), str(meta["channel"]), str(reason), str(note)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def report_actions(round_id: int) -> dict[str, Any]:
    return {
        "type": "actions",
        "block_id": "report",
        "elements": [
            button("Report question", report_action_id(round_id), str(round_id)),
        ],
    }


def slack_time(when: datetime, zone: str, now: datetime | None = None) -> str:
    """A time every reader sees in their own zone (Slack's date token), with the channel's
    local time as the fallback text for clients that cannot format it."""
    fallback = escape(local_time_text(when, zone, now))
    return f"<!date^{int(when.timestamp())}^{{time}}|{fallback}>"


def section(text: str) -> dict[str, Any]:
    return {
        "type": "section",
        "text": {"type": "mrkdwn", "text": fit(text, SECTION_TEXT_LIMIT)},
    }


def sections(text: str) -> Blocks:
    """Long mrkdwn over as many sections as it needs, cut at paragraph or sentence ends."""
    return [section(chunk.strip() or "\u200b") for chunk in split(text, SECTION_TEXT_LIMIT)]


def context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": fit(text, 3000)}]}


def button(label: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": fit(label, BUTTON_TEXT_LIMIT), "emoji": True},
        "action_id": action_id,
        "value": value,
    }
    if style:
        element["style"] = style
    return element


WHY_INDENT = "\u2003"  # an em space: Slack trims leading ASCII spaces


def _label(letter: str, option: str) -> str:
    """ "B. option", the option cut (never the letter) to fit a button."""
    prefix = f"{letter}. "
    return prefix + fit(" ".join(plain_text(option).split()), BUTTON_TEXT_LIMIT - len(prefix))


def _title(mode: str, position: str | None, fmt: str) -> str:
    if fmt == "prompt":
        return "Discussion question"
    if mode == "daily":
        return "Daily question"
    if mode == "practice":
        return "Practice question"
    return f"Quiz question {position}" if position else "Quiz question"


def _about(topic: str | None, level: str | None) -> str:
    bits = [escape(topic) if topic else "", "advanced" if level == "advanced" else ""]
    return " · ".join(b for b in bits if b)


def _preview(title: str, prompt: str) -> str:
    return fit(f"{title}: {plain_text(prompt)}", FALLBACK_LIMIT)


def _cap(blocks: Blocks, keep_last: int = 0) -> Blocks:
    """At most MAX_BLOCKS (dropping from the middle, keeping the first blocks and the last
    few), then at most BLOCKS_TEXT_BUDGET characters of text in all (see _fit_total)."""
    if len(blocks) > MAX_BLOCKS:
        head = blocks[: MAX_BLOCKS - keep_last - 1]
        tail = blocks[len(blocks) - keep_last :] if keep_last else []
        blocks = [*head, context("… (too long for one Slack message: shortened)"), *tail]
    return _fit_total(blocks)


def _texts(blocks: Blocks) -> list[dict[str, Any]]:
    """Every text object of the blocks, in order."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
                found.append(node)
                return
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return found


def text_length(blocks: Blocks) -> int:
    return sum(len(t["text"]) for t in _texts(blocks))


def _fit_total(blocks: Blocks) -> Blocks:
    """Slack refuses a message whose blocks hold about 12,000 characters of text in all
    (msg_blocks_too_long), whatever each block's own limit: cut the longest section texts
    (a reveal's answer, its explanations) until the whole fits, the shortest last."""
    over = text_length(blocks) - BLOCKS_TEXT_BUDGET
    if over <= 0:
        return blocks
    sections = sorted(
        (b["text"] for b in blocks if b.get("type") == "section" and "text" in b),
        key=lambda t: len(t["text"]),
        reverse=True,
    )
    for text in sections:
        if over <= 0:
            break
        keep = max(len(text["text"]) - over, MIN_KEPT)
        if keep < len(text["text"]):
            before = len(text["text"])
            text["text"] = fit(text["text"], keep)
            over -= before - len(text["text"])
    return blocks


# ---------------------------------------------------------------- questions


def question(message: QuestionMessage, now: datetime | None = None) -> tuple[str, Blocks]:
    title = _title(message.mode, message.position, message.format)
    about = _about(message.topic, message.level)
    blocks: Blocks = [context(f"*{title}*" + (f" · {about}" if about else ""))]
    blocks += sections(mrkdwn(message.prompt))
    when = slack_time(message.closes_at, message.zone, now)
    if message.format == "typed":
        blocks.append(
            {
                "type": "actions",
                "block_id": f"round:{message.round_id}",
                "elements": [
                    button(
                        "Answer",
                        typed_action_id(message.round_id),
                        typed_action_id(message.round_id),
                        style="primary",
                    ),
                    *_hint_button(message),
                ],
            }
        )
        if message.mode == "practice":
            note = "Only you see this question. Press Answer and type it."
        else:
            note = f"Press Answer and type it: nobody sees your answer before the reveal at {when}."
        blocks.append(context(note))
        return _preview(title, message.prompt), _cap(blocks, keep_last=2)
    if message.format == "prompt" or not message.options:
        blocks.append(context("Not scored: discuss it in the thread below."))
        return _preview(title, message.prompt), _cap(blocks)
    lines = [f"*{option_letter(i)}.* {mrkdwn(option)}" for i, option in enumerate(message.options)]
    blocks.append(section("\n".join(lines)))
    # The options are in full above; a button repeats one only when every option fits whole,
    # so no option is ever shown cut two different ways.
    whole = all(len(_label(option_letter(i), o)) <= BUTTON_TEXT_LIMIT and not _label(
        option_letter(i), o).endswith("…") for i, o in enumerate(message.options))  # fmt: skip
    blocks.append(
        {
            "type": "actions",
            "block_id": f"round:{message.round_id}",
            "elements": [
                button(
                    _label(option_letter(i), option) if whole else option_letter(i),
                    answer_action_id(message.round_id, i),
                    answer_action_id(message.round_id, i),
                )
                for i, option in enumerate(message.options)
            ]
            + _hint_button(message),
        }
    )
    if message.mode == "practice":
        note = "Only you see this question. Your answer is checked at once."
    else:
        note = f"Answer privately: nobody sees your choice before the reveal at {when}."
    blocks.append(context(note))
    return _preview(title, message.prompt), _cap(blocks, keep_last=2)


def discussion_note() -> str:
    return "Discuss here: reply in this thread. Not scored, all views welcome."


# ---------------------------------------------------------------- reveals


def _option_lines(message: RevealMessage) -> str:
    total = message.answered
    lines = []
    for i, option in enumerate(message.options):
        count = message.counts[i] if i < len(message.counts) else 0
        share = f" — {count} ({round(100 * count / total)}%)" if total else ""
        text = f"{option_letter(i)}. {mrkdwn(option)}"
        if i == message.correct_index:
            lines.append(f"✅ *{text}*{share}")
        else:
            lines.append(f"▫️ {text}{share}")
        why = message.explanations[i] if i < len(message.explanations) else ""
        if why:
            lines.append(f"{WHY_INDENT}↳ {escape(why)}")
    if message.accepted:
        shown, more = message.accepted_listed()
        lines.append(f"✅ *{escape(shown)}*{more}")
    if message.typed_answers:
        said = ", ".join(
            f"{escape(text)}{mark} ({n})" for text, n, mark in most_typed(message, "✅", "❌")
        )
        lines.append(f"Most typed: {said}")
    return "\n".join(lines)


def _who(message: RevealMessage) -> str:
    if message.answered == 0:
        return "Nobody answered this one."
    if not message.right:
        names = "Nobody got it right"
    else:
        names = "*Right:* " + ", ".join(f"{escape(n)} (+{p})" for n, p in message.right)
    wrong = f"; {message.wrong_count} not quite" if message.wrong_count else ""
    return f"{names}{wrong}."


def reveal(message: RevealMessage, *, with_names: bool = True) -> tuple[str, Blocks]:
    """The revealed question: options with the right one marked and how many chose each,
    the card's full answer, who was right. `with_names=False` for a private practice reveal."""
    title = _title(message.mode, message.position, message.format)
    about = _about(message.topic, message.level)
    head: Blocks = [context(f"*{title}* · revealed" + (f" · {about}" if about else ""))]
    head += sections(mrkdwn(message.prompt))
    head += sections(_option_lines(message))
    if message.correction:
        head.append(section(f"*Regraded:* {escape(message.correction)}"))
    if message.erratum:
        head.append(section(f"*Correction to the card:* {escape(message.erratum)}"))
    tail: Blocks = []
    if with_names:
        tail.append(section(_who(message)))
    when = slack_time(message.revealed_at, message.zone, message.revealed_at)
    tail.append(context(f"{message.answered} answered · revealed {when}"))
    tail.append(report_actions(message.round_id))
    answer = sections("*Answer*\n" + mrkdwn(message.answer or "(no explanation on this card)"))
    room = MAX_BLOCKS - len(head) - len(tail)
    if len(answer) > room:
        cut = context("… the rest of the answer is in the deck.")
        answer = [*answer[: max(room - 1, 0)], cut]
    right = message.correct_index
    letter = option_letter(right) if right is not None else "?"
    if message.accepted:
        letter = message.accepted[0]
    text = fit(f"{title}, revealed: the answer is {letter}. {plain_text(message.prompt)}", 300)
    return text, _cap([*head, {"type": "divider"}, *answer, *tail])


def practice_reveal(message: RevealMessage, verdict: str, topic: str | None) -> tuple[str, Blocks]:
    """The private reveal of a practice question, with a button for the next one."""
    _, blocks = reveal(message, with_names=False)
    blocks = blocks[: MAX_BLOCKS - 2]
    blocks.insert(0, section(f"*{escape(verdict)}*"))
    blocks.append(
        {
            "type": "actions",
            "block_id": "practice",
            "elements": [
                button("Next question", PRACTICE_NEXT, practice_value(topic), style="primary")
            ],
        }
    )
    return verdict, blocks[:MAX_BLOCKS]


def practice_reminder(
    message: PracticeReminder, command_names: dict[str, str]
) -> tuple[str, Blocks]:
    """The private reminder: how many cards are due, and a button that starts practice."""
    text = spell_commands(message.text, command_names)
    return text, [
        section(to_slack(text)),
        {
            "type": "actions",
            "block_id": "practice",
            "elements": [
                button("Practise now", PRACTICE_NEXT, practice_value(None), style="primary")
            ],
        },
    ]


ALL_TOPICS = "all-topics"
_TOPIC = "topic:"


def practice_value(topic: str | None) -> str:
    """The "Next question" button's value: the practice run's topic, so it survives a restart.
    Never empty: Slack refuses a button whose value is an empty string."""
    return f"{_TOPIC}{topic}" if topic else ALL_TOPICS


def practice_topic(value: str) -> str | None:
    """The topic a "Next question" value carries (buttons of older versions held the bare
    topic name, or "" for every topic)."""
    if value.startswith(_TOPIC):
        return value[len(_TOPIC) :] or None
    return None if value in ("", ALL_TOPICS) else value


# ---------------------------------------------------------------- standings and stats


def _row(row: LeaderboardRow) -> str:
    medal = {1: "🥇", 2: "🥈", 3: "🥉"}.get(row.rank, f"{row.rank}.")
    return f"{medal} {escape(row.name)} — *{row.points}* pts ({row.correct}/{row.answered} right)"


def leaderboard(message: LeaderboardMessage) -> tuple[str, Blocks]:
    title = escape(message.title)
    label = f" · {escape(message.period_label)}" if message.period_label else ""
    blocks: Blocks = [section(f"*🏆 {title}*{label}")]
    if message.rows:
        blocks.append(section("\n".join(_row(r) for r in message.rows)))
        if message.more_tied_text:
            blocks.append(context(escape(message.more_tied_text)))
    else:
        blocks.append(section("No answers yet: the board fills as rounds are revealed."))
    if message.caller is not None:
        if message.caller_outside_top:
            blocks.append(context(f"You: {_row(message.caller)}"))
    elif message.period != "quiz":
        blocks.append(context("You have no points here yet."))
    # The fallback text is mrkdwn too: names are escaped there as well (no <!channel>).
    names = ", ".join(f"{escape(r.name)} {r.points}" for r in message.rows)
    text = fit(f"{title}: {names}", FALLBACK_LIMIT)
    return text, blocks


WEAK_SHOWN = 3  # topics named under "Practise these"


def team(message: TeamMemoryMessage) -> tuple[str, Blocks]:
    """`/quiz stats team`: what the workspace's active players are forgetting."""
    lines = [escape(line) for line in message.lines()]
    blocks: Blocks = [section(f"*{lines[0]}*")]
    if len(lines) > 1:
        blocks += sections("\n".join(lines[1:]))
    return fit(lines[0], FALLBACK_LIMIT), _cap(blocks)


def stats(message: StatsMessage) -> tuple[str, Blocks]:
    name = escape(message.name)
    if not message.answered:
        text = f"{name}: no answers yet. Try `/quiz practice`."
        return text, [section(f"*{name}*: no answers yet. Try `/quiz practice`.")]
    fields = [
        f"*Answered*\n{message.answered}",
        f"*Accuracy*\n{message.accuracy:.0%} ({message.correct} right)",
        f"*Streak*\n{message.current_streak} (best {message.best_streak})",
    ]
    if message.points is not None:
        fields.append(f"*Points here*\n{message.points}")
    blocks: Blocks = [
        section(f"*📊 Stats for {name}*"),
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in fields]},
    ]
    if message.topics:
        lines = [
            f"• {escape(t.topic)}: {t.accuracy:.0%} of {t.answered}" for t in message.topics[:10]
        ]
        blocks.append(section("*By topic*\n" + "\n".join(lines)))
    if message.weakest:
        blocks.append(context("Weakest: " + ", ".join(escape(t) for t in message.weakest)))
    if message.memory:
        lines = [f"• {escape(t.topic)}: {memory_line(t)}" for t in message.memory[:10]]
        weakest = ", ".join(escape(t.topic) for t in message.memory[:WEAK_SHOWN])
        blocks.append(section("*Memory by topic, weakest first*\n" + "\n".join(lines)))
        blocks.append(context(f"Practise these: {weakest} (`/quiz practice weak`)"))
        blocks.append(
            {
                "type": "actions",
                "block_id": "practice",
                "elements": [
                    button("Practise these", PRACTICE_NEXT, practice_value("weak"), style="primary")
                ],
            }
        )
    text = f"{name}: {message.answered} answered, {message.accuracy:.0%} right"
    return text, blocks


def notice(message: Notice | str) -> tuple[str, Blocks]:
    text = message.text if isinstance(message, Notice) else str(message)
    # The fallback is mrkdwn too: escaped, so no text can broadcast (<!channel>).
    return fit(escape(text), FALLBACK_LIMIT), _cap(sections(to_slack(text)))


def render(message: OutgoingMessage, now: datetime | None = None) -> tuple[str, Blocks]:
    """Any engine message -> (fallback text, blocks)."""
    if isinstance(message, QuestionMessage):
        return question(message, now)
    if isinstance(message, RevealMessage):
        return reveal(message)
    if isinstance(message, LeaderboardMessage):
        return leaderboard(message)
    if isinstance(message, StatsMessage):
        return stats(message)
    if isinstance(message, PracticeReminder):
        return practice_reminder(message, {})
    return notice(message)
