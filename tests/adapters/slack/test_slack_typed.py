"""A typed question on the fake Slack: one "Answer" button, views.open with the click's
trigger_id, a view_submission acked at once and answered privately (chat.postEphemeral);
late and second submissions refused privately."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from slack_sdk.errors import SlackApiError
from slackkit import CHANNEL, START, Quizbot, all_text, buttons, labels, running_quizbot

from bot.ports import Place
from bot.questions.model import Question
from bot.schedule.scheduler import DailyScheduler
from bot.schedule.service import DailyService
from bot.scoring import hint_label

PLACE = Place("slack", "T0QUIZ", CHANNEL)


def daily_service(store, engine, clock) -> DailyService:
    return DailyService(DailyScheduler(store, engine, clock=clock))  # tests drive it


def typed_question() -> Question:
    return Question("card00", "typed", "How do networks learn their weights?", (), None,
                    accepted=("backpropagation", "backprop"))  # fmt: skip


async def post_typed(quizbot: Quizbot) -> dict:
    closes = quizbot.clock.now() + timedelta(minutes=5)
    await quizbot.engine.open_round(PLACE, typed_question(), "daily", closes)
    post = await quizbot.fake.wait_for_call("chat.postMessage")
    return post.args


async def open_modal(quizbot: Quizbot, question: dict, user_id: str) -> dict:
    fake = quizbot.fake
    ts = fake.calls_to("chat.postMessage")[0].response["ts"]
    button, _hint = buttons(question)
    opened_before = len(fake.calls_to("views.open"))
    delivery = await fake.send_block_action(
        quizbot.url, button["action_id"], button["value"], user_id=user_id, message_ts=ts
    )
    assert delivery.status == 200, delivery.body
    call = await fake.wait_for_call("views.open", count=opened_before + 1)
    assert call.args["trigger_id"] == delivery.payload["trigger_id"]
    assert call.ok, call.response
    return call.response["view"]


async def submit(quizbot: Quizbot, view: dict, text: str, user_id: str) -> dict:
    fake = quizbot.fake
    before = len(fake.calls_to("chat.postEphemeral"))
    delivery = await fake.send_view_submission(quizbot.url, view["id"], {"answer": text},
                                               user_id=user_id)  # fmt: skip
    assert delivery.status == 200, delivery.body  # acked (empty body: the modal closes)
    reply = await fake.wait_for_call("chat.postEphemeral", count=before + 1)
    assert reply.ok, reply.response
    assert reply.args["user"] == user_id and reply.args["channel"] == CHANNEL
    return reply.args


async def test_the_answer_button_opens_a_modal_and_the_answer_is_locked_in_privately(
    quizbot: Quizbot,
) -> None:
    question = await post_typed(quizbot)
    button, hint = buttons(question)
    assert button["text"]["text"] == "Answer"
    assert (hint["text"]["text"], hint["action_id"]) == ("Hint (-5 points)", "hint:1")
    view = await open_modal(quizbot, question, "U0ALICE")
    assert view["type"] == "modal" and view["title"]["text"] == "Your answer"
    [box] = view["blocks"]
    assert box["element"]["type"] == "plain_text_input"
    assert box["element"]["max_length"] == 200
    assert json.loads(view["private_metadata"])["channel"] == CHANNEL

    reply = await submit(quizbot, view, "  Backpropogation ", "U0ALICE")
    assert reply["text"].startswith("Locked in: 'Backpropogation', read as 'backpropagation'.")
    rows = await quizbot.engine.store.fetchall("SELECT typed, read_as FROM answers")
    assert [tuple(r) for r in rows] == [("Backpropogation", "backpropagation")]


async def test_a_trigger_opens_one_modal_only(quizbot: Quizbot) -> None:
    question = await post_typed(quizbot)
    await open_modal(quizbot, question, "U0ALICE")
    first = quizbot.fake.calls_to("views.open")[0].args
    for trigger, error in ((first["trigger_id"], "trigger_exchanged"),
                           ("1.T0QUIZ.made.up", "invalid_trigger")):  # fmt: skip
        with pytest.raises(SlackApiError) as refused:
            await quizbot.adapter.client.views_open(trigger_id=trigger, view=first["view"])
        assert refused.value.response["error"] == error


async def test_a_second_submission_keeps_the_first(quizbot: Quizbot) -> None:
    question = await post_typed(quizbot)
    first = await submit(quizbot, await open_modal(quizbot, question, "U0BOB"), "sgd", "U0BOB")
    view = await open_modal(quizbot, question, "U0BOB")
    again = await submit(quizbot, view, "backpropagation", "U0BOB")
    assert first["text"].startswith("Locked in: 'sgd'")
    assert again["text"].startswith("You already answered 'sgd'.")
    rows = await quizbot.engine.store.fetchall("SELECT typed FROM answers")
    assert [tuple(r) for r in rows] == [("sgd",)]


async def test_after_the_reveal_a_late_submission_is_refused_privately(quizbot: Quizbot) -> None:
    fake = quizbot.fake
    question = await post_typed(quizbot)
    view = await open_modal(quizbot, question, "U0ALICE")  # opened before the reveal
    await submit(quizbot, await open_modal(quizbot, question, "U0BOB"), "backprop", "U0BOB")

    quizbot.clock.advance(minutes=6)
    await quizbot.engine.tick()
    update = await fake.wait_for_call("chat.update")
    assert labels(update.args) == ["Report question"]  # the Answer button is gone
    assert "backpropagation" in json.dumps(update.args["blocks"])

    late = await submit(quizbot, view, "backprop", "U0ALICE")
    assert "closed" in late["text"].lower()
    rows = await quizbot.engine.store.fetchall("SELECT user_id FROM answers")
    assert [r[0] for r in rows] == ["U0BOB"]


async def test_a_daily_typed_question_posts_and_reveals(tmp_path) -> None:
    async with running_quizbot(tmp_path, daily=daily_service) as bot:
        fake, service = bot.fake, bot.services.daily
        bot.clock.set(START - timedelta(hours=1))
        set_to = await bot.command(
            "daily 09:00 Europe/Berlin mon-fri reveal=17:00 format=typed", user_id="U0ADMIN"
        )
        assert "format typed" in set_to["text"], set_to["text"]
        bot.clock.set(START)
        assert (await service.daily.run_due(PLACE)).status == "posted"
        post = await fake.wait_for_call("chat.postMessage", lambda c: bool(buttons(c.args)))
        # The hint costs half the card's points: which card the day draws sets the level.
        answer, hint = [b["text"]["text"] for b in buttons(post.args)]
        assert answer == "Answer" and hint in {hint_label("core"), hint_label("advanced")}
        view = await open_modal(bot, post.args, "U0BOB")
        reply = await submit(bot, view, "an answer nobody expects", "U0BOB")
        assert reply["text"].startswith("Locked in: 'an answer nobody expects'.")
        assert "17:00 CET" in reply["text"]

        bot.clock.set(START + timedelta(hours=8))  # 17:00 CET
        await bot.engine.tick()
        await fake.wait_for_call("chat.update")
        revealed = fake.message(CHANNEL, post.response["ts"])
        assert labels(revealed) == ["Report question"]
        assert "Most typed: answer nobody expects ❌ (1)" in all_text(revealed)  # normalised


async def test_quiz_with_the_typed_word_asks_typed_questions(quizbot: Quizbot) -> None:
    started = await quizbot.command("1 typed")
    assert "Quiz started: 1 question," in started["text"], started["text"]
    post = await quizbot.fake.wait_for_call("chat.postMessage", lambda c: bool(buttons(c.args)))
    assert buttons(post.args)[0]["text"]["text"] == "Answer"
    row = await quizbot.engine.store.fetchone("SELECT format FROM rounds")
    assert row["format"] == "typed"
