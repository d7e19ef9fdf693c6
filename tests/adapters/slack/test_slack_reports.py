"""Reports and regrades on the fake Slack: "Report question" under every reveal opens a modal
(views.open, view_submission), the thank-you is private; `/quiz reports` is for admins; a
regrade edits the reveal with chat.update."""

from __future__ import annotations

import json
from datetime import timedelta

from slackkit import CHANNEL, CONFIG_ADMIN, Quizbot, all_text, buttons

from bot.ports import Place
from bot.questions.model import Question

PLACE = Place("slack", "T0QUIZ", CHANNEL)
OPTIONS = ("Backpropagation", "Gradient descent", "Dropout", "Batch norm")


async def revealed_question(quizbot: Quizbot) -> tuple[str, int, dict]:
    """A daily question alice answers wrongly (C) and bob rightly (B), then its reveal."""
    question = Question("card00", "choice", "Which one updates the weights?", OPTIONS, 1)
    closes = quizbot.clock.now() + timedelta(minutes=5)
    round_id = await quizbot.engine.open_round(PLACE, question, "daily", closes)
    post = await quizbot.fake.wait_for_call("chat.postMessage")
    ts = post.response["ts"]
    for user, option in (("U0ALICE", 2), ("U0BOB", 1)):
        await quizbot.click(ts, f"answer:{round_id}:{option}", user)
    quizbot.clock.advance(minutes=6)
    await quizbot.engine.tick()
    update = await quizbot.fake.wait_for_call("chat.update")
    return ts, round_id, update.args


async def report(quizbot: Quizbot, ts: str, round_id: int, user: str, values: dict[str, str]):
    fake = quizbot.fake
    opened_before = len(fake.calls_to("views.open"))
    delivery = await fake.send_block_action(
        quizbot.url, f"report:{round_id}", str(round_id), user_id=user, message_ts=ts
    )
    assert delivery.status == 200, delivery.body
    call = await fake.wait_for_call("views.open", count=opened_before + 1)
    assert call.ok, call.response
    view = call.response["view"]
    before = len(fake.calls_to("chat.postEphemeral"))
    sent = await fake.send_view_submission(quizbot.url, view["id"], values, user_id=user)
    assert sent.status == 200, sent.body
    reply = await fake.wait_for_call("chat.postEphemeral", count=before + 1)
    assert reply.args["user"] == user and reply.args["channel"] == CHANNEL
    return view, reply.args


async def points(quizbot: Quizbot, user: str) -> int | None:
    row = await quizbot.engine.store.fetchone(
        "SELECT points FROM scores WHERE channel_id='*' AND period_kind='all' AND user_id=?",
        (user,),
    )
    return row[0] if row else None


async def test_the_reveal_offers_a_report_and_the_modal_stores_it(quizbot: Quizbot) -> None:
    ts, round_id, reveal = await revealed_question(quizbot)
    assert [b["action_id"] for b in buttons(reveal)] == [f"report:{round_id}"]
    view, reply = await report(
        quizbot, ts, round_id, "U0ALICE", {"reason": "2", "note": "Dropout fits too"}
    )
    reason, note = view["blocks"]
    assert reason["element"]["max_length"] == 40
    assert note["element"]["max_length"] == 500 and note["optional"]
    assert json.loads(view["private_metadata"]) == {"round": round_id, "channel": CHANNEL}
    assert reply["text"].startswith("Thank you, your report is in (two answers are right)")
    rows = await quizbot.engine.store.fetchall(
        "SELECT server_id, user_id, reason, note FROM card_reports"
    )
    assert [tuple(r) for r in rows] == [("T0QUIZ", "U0ALICE", "two_right", "Dropout fits too")]
    _, bad = await report(quizbot, ts, round_id, "U0BOB", {"reason": "why", "note": ""})
    assert "not one of the reasons" in bad["text"]


async def test_only_admins_list_and_regrade_and_the_reveal_is_updated(quizbot: Quizbot) -> None:
    ts, round_id, _ = await revealed_question(quizbot)
    await report(quizbot, ts, round_id, "U0ALICE", {"reason": "two answers are right"})
    refused = await quizbot.command("reports accept card00 C", user_id="U0ALICE")
    assert refused["response_type"] == "ephemeral"
    assert refused["text"].startswith("Only server admins")
    listing = await quizbot.command("reports", user_id="U0BOB")
    assert listing["text"].startswith("Only server admins")
    assert await points(quizbot, "U0ALICE") == 0
    decided = await quizbot.engine.store.fetchone("SELECT count(*) FROM card_decisions")
    assert decided[0] == 0

    listing = await quizbot.command("reports", user_id=CONFIG_ADMIN)
    assert "card00" in all_text(listing) and "Dropout" in all_text(listing)
    assert "`/quiz reports accept CARD LETTER`" in all_text(listing)
    assert "{command:" not in all_text(listing)
    done = await quizbot.command("reports accept card00 C", user_id=CONFIG_ADMIN)
    assert "Regraded card00" in done["text"] and "1 post edited" in done["text"]
    gained = await points(quizbot, "U0ALICE")
    assert gained is not None and gained > 0
    update = await quizbot.fake.wait_for_call("chat.update", count=2)
    assert update.args["ts"] == ts
    assert "Regraded:" in all_text(update.args) and "Dropout" in all_text(update.args)

    bad = await quizbot.command("reports accept card00", user_id=CONFIG_ADMIN)
    assert "is not a reports command" in bad["text"]
