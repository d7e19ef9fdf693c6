"""Embeds stay within Discord's limits whatever the card holds, and never ping anyone."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from adapters.discord.embeds import leaderboard_embed, question_embed, reveal_embed
from bot.messages import LeaderboardMessage, LeaderboardRow, QuestionMessage, RevealMessage

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def long_reveal(answer_chars: int) -> RevealMessage:
    sentence = "Gradient descent moves **against** the gradient, one small step at a time. "
    return RevealMessage(
        round_id=7,
        prompt="Why does the loss go down? " * 200,
        options=("A step", "B step", "C step", "D step"),
        correct_index=2,
        answer=(sentence * (answer_chars // len(sentence) + 1))[:answer_chars],
        counts=(1, 0, 5, 2),
        right=tuple((f"Player {n} @everyone", 10) for n in range(60)),
        wrong_count=3,
        closes_at=NOW,
        revealed_at=NOW,
        mode="daily",
    )


def test_a_very_long_answer_is_continued_in_fields_within_the_embed_limits() -> None:
    embed = reveal_embed(long_reveal(9000))

    assert len(embed) <= 6000
    assert len(embed.description) <= 4096
    assert len(embed.fields) <= 25
    assert all(len(f.value) <= 1024 and len(f.name) <= 256 for f in embed.fields)
    names = [f.name for f in embed.fields]
    assert names[0] == "Answer" and "Answer (continued)" in names
    assert names[-1] == "Who was right"
    assert "✅ **C. C step · 5 answers**" in embed.description


def test_a_short_answer_is_shown_whole() -> None:
    embed = reveal_embed(long_reveal(300))

    answer = next(f.value for f in embed.fields if f.name == "Answer")
    assert len(answer) == 300 or answer.endswith("time.")
    assert "…" not in answer


def test_names_are_shown_without_mentions_or_markdown() -> None:
    embed = reveal_embed(long_reveal(100))
    right = next(f.value for f in embed.fields if f.name == "Who was right")
    assert "@everyone" not in right  # escaped to @\u200beveryone

    board = leaderboard_embed(
        LeaderboardMessage(
            title="This week on this server",
            period="week",
            scope="server",
            rows=(LeaderboardRow(1, "**bold**_guy_", 30, 3, 3, "1"),),
            caller=LeaderboardRow(14, "Me", 2, 1, 1, "2"),
        )
    )
    assert "\\*\\*bold\\*\\*" in board.description
    assert board.description.splitlines()[-1].startswith("`14.` **Me (you)**")


def test_a_long_prompt_keeps_every_option_visible() -> None:
    message = QuestionMessage(
        round_id=3,
        format="choice",
        prompt="Explain backpropagation. " * 400,
        options=("one", "two", "three", "four"),
        topic="Backpropagation",
        level="core",
        closes_at=NOW + timedelta(hours=8),
        mode="daily",
    )
    embed = question_embed(message)

    assert len(embed.description) <= 4096
    assert all(f"**{letter}.**" in embed.description for letter in "ABCD")
    assert f"<t:{int((NOW + timedelta(hours=8)).timestamp())}:R>" in embed.description


def test_reveal_explains_every_option_and_shows_the_correction() -> None:
    reveal = replace(
        long_reveal(300),
        prompt="Which step?",
        explanations=("why *a*", "why b", "why c is right", ""),
        erratum="The card says B; C is right.",
    )
    embed = reveal_embed(reveal)
    text = embed.description or ""
    assert "✅ **C. C step · 5 answers**\n\u2003↳ why c is right" in text
    assert "↳ why \\*a\\*" in text  # explanations are plain text: markup escaped
    assert text.count("↳") == 3
    names = [f.name for f in embed.fields]
    assert names[0] == "Correction to the card" and names[1] == "Answer"
    assert embed.fields[0].value == "The card says B; C is right."


def test_a_typed_reveal_shows_the_accepted_and_the_most_typed_answers() -> None:
    reveal = replace(
        long_reveal(300),
        prompt="How do networks learn?",
        options=(),
        correct_index=0,
        counts=(),
        format="typed",
        accepted=("backpropagation", "backprop"),
        typed_answers=(("backpropagation", 3), ("*sgd*", 1)),
    )
    text = reveal_embed(reveal).description or ""
    assert "✅ **backpropagation, backprop**" in text
    assert "Most typed: backpropagation (3), \\*sgd\\* (1)" in text  # typed text is escaped
    marked = replace(reveal, typed_right=("backpropagation",))
    assert "Most typed: backpropagation ✅ (3), \\*sgd\\* ❌ (1)" in (
        reveal_embed(marked).description or ""
    )


def test_a_long_accepted_list_shows_five_and_says_how_many_more_count() -> None:
    accepted = ("N", "N times", "N updates", "once per example", "one per example")
    reveal = replace(
        long_reveal(300),
        options=(),
        correct_index=0,
        counts=(),
        format="typed",
        accepted=(*accepted, *(f"form {n}" for n in range(12))),
    )
    text = reveal_embed(reveal).description or ""
    assert f"✅ **{', '.join(accepted)}** (+12 other accepted wordings)" in text
    assert "form 0" not in text
