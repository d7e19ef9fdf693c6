"""Block Kit rendering stays inside Slack's limits and names nobody with a mention."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from slackkit import all_text

from adapters.slack import blocks as kit
from bot.messages import LeaderboardMessage, LeaderboardRow, QuestionMessage, RevealMessage

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _question(**kw) -> QuestionMessage:
    base = dict(
        round_id=42,
        format="choice",
        prompt="Why does **ReLU** help with vanishing gradients?",
        options=("x" * 200, "Its gradient is 1 for positive inputs", "It is smooth", "<@U1> hi"),
        topic="Vanishing Gradient Problem (VGP)",
        level="advanced",
        closes_at=NOW + timedelta(hours=8),
        mode="daily",
        zone="Europe/Berlin",
    )
    base.update(kw)
    return QuestionMessage(**base)


def _reveal(answer: str, right: tuple[tuple[str, int], ...] = ()) -> RevealMessage:
    return RevealMessage(
        round_id=42,
        prompt="Why?",
        options=("a", "b", "c", "d"),
        correct_index=1,
        answer=answer,
        counts=(1, 2, 0, 1),
        right=right,
        wrong_count=2,
        closes_at=NOW,
        revealed_at=NOW,
        mode="daily",
        zone="Europe/Berlin",
    )


def test_question_buttons_fit_and_carry_round_and_option() -> None:
    text, blocks = kit.question(_question(), NOW)
    [actions] = [b for b in blocks if b["type"] == "actions"]
    labels = [e["text"]["text"] for e in actions["elements"]]
    # One option is too long for a button: every button shows only its letter, the options
    # stand whole in the message, and no option is shown cut.
    assert labels == ["A", "B", "C", "D", "Hint (-7 points)"]
    assert [e["action_id"] for e in actions["elements"]] == [
        *(f"answer:42:{i}" for i in range(4)),
        "hint:42",
    ]
    assert kit.parse_answer_action("answer:42:3") == (42, 3)
    assert kit.parse_answer_action("answer:x:3") is None
    shown = all_text({"text": text, "blocks": blocks})
    assert "*ReLU*" in shown  # neutral **bold** becomes mrkdwn bold
    assert "x" * 200 in shown
    assert "*D.* &lt;@U1&gt; hi" in shown
    mrkdwn = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert not any("<@U1>" in t for t in mrkdwn)  # button labels are plain_text: never parsed
    assert "09:00 CET" not in shown and "17:00 CET" in shown  # reveal time, channel zone


def test_a_long_answer_is_split_under_the_section_and_block_limits() -> None:
    paragraph = "Gradients shrink as they flow back through saturating layers. " * 60
    answer = "\n\n".join([paragraph] * 40)  # ~150,000 characters
    _, blocks = kit.reveal(_reveal(answer))
    assert len(blocks) <= 50
    for block in blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
    assert "the rest of the answer" in all_text({"blocks": blocks})
    assert blocks[-1]["type"] == "context"  # who answered survives the cut


def test_reveal_marks_the_right_option_and_escapes_names() -> None:
    _, blocks = kit.reveal(_reveal("Because.", right=(("<!channel> & co", 12),)))
    text = all_text({"blocks": blocks})
    assert "✅ *B. b* — 2 (50%)" in text
    assert "▫️ A. a — 1 (25%)" in text
    assert "&lt;!channel&gt; &amp; co (+12)" in text
    assert "<!channel>" not in text
    assert "2 not quite" in text


def test_leaderboard_shows_the_caller_outside_the_top() -> None:
    rows = tuple(LeaderboardRow(i + 1, f"p{i}", 100 - i, 5, 4, f"U{i}") for i in range(10))
    me = LeaderboardRow(17, "me <x>", 3, 2, 1, "UME")
    _, blocks = kit.leaderboard(LeaderboardMessage("This week", "week", "server", rows, me))
    text = all_text({"blocks": blocks})
    assert "🥇 p0 — *100* pts" in text
    assert "You: 17. me &lt;x&gt; — *3* pts" in text


def test_a_cloze_blank_stays_a_blank_not_italics() -> None:
    message = _question(format="cloze", prompt="SGD uses the _____ of _one_ example.")
    text, blocks = kit.question(message, NOW)
    assert "SGD uses the `_____` of _one_ example." in all_text({"blocks": blocks})
    assert "the ＿＿＿ of one example" in text


def test_buttons_repeat_the_options_when_every_option_fits() -> None:
    _, blocks = kit.question(_question(options=("Sigmoid", "ReLU", "Tanh", "Softplus")), NOW)
    [actions] = [b for b in blocks if b["type"] == "actions"]
    assert [e["text"]["text"] for e in actions["elements"]] == [
        "A. Sigmoid",
        "B. ReLU",
        "C. Tanh",
        "D. Softplus",
        "Hint (-7 points)",
    ]


def test_reveal_explains_every_option_and_shows_the_correction() -> None:
    reveal = replace(
        _reveal("The card's answer."),
        explanations=("why a", "why b <is> right", "why c", ""),
        erratum="The card says 10%; it is 70%.",
    )
    _, blocks = kit.reveal(reveal)
    shown = all_text({"blocks": blocks})
    assert "✅ *B. b*" in shown and "↳ why b &lt;is&gt; right" in shown
    assert shown.index("↳ why a") < shown.index("B. b") < shown.index("↳ why c")
    assert shown.count("↳") == 3  # no line for an option without an explanation
    assert "*Correction to the card:* The card says 10%; it is 70%." in shown
    assert shown.index("Correction") < shown.index("The card's answer.")


def test_a_typed_reveal_shows_the_accepted_and_the_most_typed_answers() -> None:
    reveal = replace(
        _reveal("The card's answer."),
        options=(),
        correct_index=0,
        counts=(),
        format="typed",
        accepted=("backpropagation", "backprop"),
        typed_answers=(("backpropagation", 3), ("<!channel>", 1)),
    )
    text, blocks = kit.reveal(reveal)
    shown = all_text({"blocks": blocks})
    assert "✅ *backpropagation, backprop*" in shown
    assert "Most typed: backpropagation (3), &lt;!channel&gt; (1)" in shown  # never a mention
    marked = all_text({"blocks": kit.reveal(replace(reveal, typed_right=("backpropagation",)))[1]})
    assert "Most typed: backpropagation ✅ (3), &lt;!channel&gt; ❌ (1)" in marked
    many = replace(reveal, accepted=("a", "b", "c", "d", "e", "f", "g"))
    shown = all_text({"blocks": kit.reveal(many)[1]})
    assert "✅ *a, b, c, d, e* (+2 other accepted wordings)" in shown and "f, g" not in shown
    six = all_text({"blocks": kit.reveal(replace(reveal, accepted=tuple("abcdef")))[1]})
    assert "✅ *a, b, c, d, e* (+1 other accepted wording)" in six
    assert "the answer is backpropagation." in text
