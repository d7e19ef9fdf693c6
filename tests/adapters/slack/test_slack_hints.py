"""Hints on the fake Slack: a "Hint" button priced up front, the hint told privately through
the click's response URL with buttons for only the options still in play; an answer clicked
there (an ephemeral message, as Slack sends such clicks) counts as hinted; refusals private."""

from __future__ import annotations

from datetime import timedelta

from slackkit import Quizbot, all_text, buttons

from bot.ports import Place
from bot.questions.hints import removed_options
from bot.questions.model import Question

CHANNEL = "C0QUIZ"
PLACE = Place("slack", "T0QUIZ", CHANNEL)
OPTIONS = ("Sigmoid", "ReLU", "Tanh", "Softplus")


async def post(quizbot: Quizbot, question: Question) -> tuple[int, str, dict]:
    closes = quizbot.clock.now() + timedelta(minutes=5)
    round_id = await quizbot.engine.open_round(PLACE, question, "daily", closes)
    call = await quizbot.fake.wait_for_call("chat.postMessage")
    return round_id, call.response["ts"], call.args


async def click_private(quizbot: Quizbot, action_id: str, user_id: str) -> dict:
    """A click on a button of an ephemeral reply: Slack sends it without the message."""
    delivery = await quizbot.fake.send_block_action(
        quizbot.url, action_id, action_id, user_id=user_id, ephemeral=True
    )
    assert delivery.status == 200, delivery.body
    assert delivery.payload["container"]["is_ephemeral"] and "message" not in delivery.payload
    return (await quizbot.fake.wait_for_response(url=delivery.response_url)).body


async def test_a_hint_is_private_and_leaves_only_two_options(quizbot: Quizbot) -> None:
    question = Question("card00", "choice", "Which is zero for negatives?", OPTIONS, 1)
    round_id, ts, posted = await post(quizbot, question)
    hint = buttons(posted)[-1]
    assert (hint["text"]["text"], hint["action_id"]) == ("Hint (-5 points)", f"hint:{round_id}")

    reply = await quizbot.click(ts, f"hint:{round_id}", "U0ALICE")
    assert reply["response_type"] == "ephemeral" and reply["replace_original"] is False
    removed = removed_options(round_id, 4, 1)
    gone = " or ".join("ABCD"[i] for i in removed)
    assert f"It is not {gone}." in reply["text"]
    left = [i for i in range(4) if i not in removed]
    assert [b["action_id"] for b in buttons(reply)] == [f"answer:{round_id}:{i}" for i in left]
    for i in left:
        assert f"{'ABCD'[i]}. {OPTIONS[i]}" in all_text(reply)

    locked = await click_private(quizbot, f"answer:{round_id}:1", "U0ALICE")
    assert locked["text"].startswith("Locked in: B.")
    plain = await quizbot.click(ts, f"answer:{round_id}:1", "U0BOB")
    assert plain["text"].startswith("Locked in: B.")
    late = await quizbot.click(ts, f"hint:{round_id}", "U0BOB")
    assert late["response_type"] == "ephemeral" and "already answered" in late["text"]
    again = await quizbot.click(ts, f"hint:{round_id}", "U0ALICE")
    assert "already answered" in again["text"]

    quizbot.clock.advance(minutes=6)
    await quizbot.engine.tick()
    rows = await quizbot.engine.store.fetchall("SELECT user_id, hints, points FROM answers")
    got = {r["user_id"]: (r["hints"], r["points"]) for r in rows}
    assert got["U0ALICE"][0] == 1 and got["U0BOB"][0] == 0
    assert got["U0BOB"][1] - got["U0ALICE"][1] == 5

    closed = await quizbot.click(ts, f"hint:{round_id}", "U0CAROL")
    assert closed["response_type"] == "ephemeral" and closed["text"].startswith("This round")


async def test_a_typed_hint_spells_the_start_and_offers_the_answer_box(quizbot: Quizbot) -> None:
    typed = Question("card00", "typed", "How do networks learn their weights?", (), None,
                     accepted=("backpropagation", "backprop"))  # fmt: skip
    round_id, ts, _ = await post(quizbot, typed)
    reply = await quizbot.click(ts, f"hint:{round_id}", "U0ALICE")
    assert reply["text"].endswith(": b______________ (15 letters)")
    # Plain text, so Slack shows the underscores rather than reading them as italics.
    assert reply["blocks"][0]["text"]["type"] == "plain_text"
    assert [b["action_id"] for b in buttons(reply)] == [f"typed:{round_id}"]
    delivery = await quizbot.fake.send_block_action(
        quizbot.url, f"typed:{round_id}", f"typed:{round_id}", user_id="U0ALICE", ephemeral=True
    )
    assert delivery.status == 200
    opened = await quizbot.fake.wait_for_call("views.open")
    assert opened.ok, opened.response
