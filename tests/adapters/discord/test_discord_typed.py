"""A typed question on the fake Discord: one "Answer" button, a modal with one text box,
the answer locked in privately; late and second submissions refused privately."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from discordkit import Quizbot, components, custom_ids, running_quizbot

from bot.ports import Place
from bot.questions.model import Question
from bot.schedule.scheduler import DailyScheduler
from bot.schedule.service import DailyService
from bot.scoring import hint_label
from tests.fakes.discord_server import CALLBACK_MESSAGE, CALLBACK_MODAL

SECONDARY = 2  # Discord's grey button style


def typed_question() -> Question:
    return Question("card00", "typed", "How do networks learn their weights?", (), None,
                    accepted=("backpropagation", "backprop"))  # fmt: skip


async def post_typed(quizbot: Quizbot) -> dict:
    place = Place("discord", str(quizbot.fake.guild.id), str(quizbot.channel_id))
    closes = quizbot.clock.now() + timedelta(minutes=5)
    await quizbot.engine.open_round(place, typed_question(), "daily", closes)
    posts = quizbot.fake.messages_in(quizbot.channel_id, interaction_responses=False)
    return posts[-1]


async def type_answer(quizbot: Quizbot, question: dict, text: str, user=None):
    fake = quizbot.fake
    click = await fake.click_button(int(question["id"]), custom_ids(question)[0], user=user)
    opened = await click.response()
    assert opened.type == CALLBACK_MODAL
    sent = await fake.submit_modal(click, {"answer": text}, user=user)
    return opened, await sent.response()


async def test_the_answer_button_opens_a_modal_and_the_answer_is_locked_in_privately(
    quizbot: Quizbot,
) -> None:
    question = await post_typed(quizbot)
    buttons = components(question)
    round_id = question["embeds"][0]["footer"]["text"].rsplit(" ", 1)[1]
    assert [(b["label"], b["custom_id"]) for b in buttons] == [
        ("Answer", f"typed:{round_id}"),
        ("Hint (-5 points)", f"hint:{round_id}"),
    ]
    assert "Press Answer and type it" in question["embeds"][0]["description"]

    opened, reply = await type_answer(quizbot, question, "  Backpropogation ")
    modal = opened.data
    assert modal["title"] == "Your answer"
    box = [c for row in modal["components"] for c in row.get("components", [row])]
    assert [(b["custom_id"], b["max_length"]) for b in box] == [("answer", 200)]
    assert reply.type == CALLBACK_MESSAGE and reply.ephemeral
    assert reply.content.startswith("Locked in: 'Backpropogation', read as 'backpropagation'.")
    rows = await quizbot.store.fetchall("SELECT typed, read_as FROM answers")
    assert [tuple(r) for r in rows] == [("Backpropogation", "backpropagation")]


async def test_a_second_submission_keeps_the_first(quizbot: Quizbot) -> None:
    question = await post_typed(quizbot)
    _, first = await type_answer(quizbot, question, "sgd", user=quizbot.fake.alice)
    _, again = await type_answer(quizbot, question, "backpropagation", user=quizbot.fake.alice)
    assert first.content.startswith("Locked in: 'sgd'")
    assert again.ephemeral and again.content.startswith("You already answered 'sgd'.")
    rows = await quizbot.store.fetchall("SELECT typed FROM answers")
    assert [tuple(r) for r in rows] == [("sgd",)]


async def test_the_reveal_disables_the_button_and_a_late_answer_is_refused_privately(
    quizbot: Quizbot,
) -> None:
    fake = quizbot.fake
    question = await post_typed(quizbot)
    await type_answer(quizbot, question, "backprop", user=fake.alice)
    click = await fake.click_button(int(question["id"]), custom_ids(question)[0], user=fake.bob)
    assert (await click.response()).type == CALLBACK_MODAL  # opened before the reveal

    quizbot.clock.advance(minutes=6)
    await quizbot.engine.tick()
    patch = await fake.wait_for_call(
        "PATCH", f"/channels/{quizbot.channel_id}/messages/{question['id']}"
    )
    button, report = components(patch.json)
    assert report["label"] == "Report question"
    assert button["disabled"] and button["style"] == SECONDARY
    assert "backpropagation" in patch.json["embeds"][0]["description"] + str(
        patch.json["embeds"][0].get("fields")
    )

    late = await (await fake.submit_modal(click, {"answer": "backprop"}, user=fake.bob)).response()
    assert late.ephemeral and "closed" in late.content.lower()
    rows = await quizbot.store.fetchall("SELECT user_id FROM answers")
    assert [r[0] for r in rows] == [str(fake.alice.id)]


async def test_a_daily_typed_question_set_by_daily_set_posts_and_reveals(
    fake_discord, tmp_path
) -> None:
    async with running_quizbot(fake_discord, tmp_path / "q.db") as bot:
        daily = DailyScheduler(bot.store, bot.engine, clock=bot.clock)
        bot.services.daily = DailyService(daily)
        bot.clock.set(datetime(2026, 3, 2, 7, 0, tzinfo=UTC))
        handle = await fake_discord.send_slash_command(
            "daily",
            {"time": "09:00", "timezone": "Europe/Berlin", "reveal": "17:00", "format": "typed"},
            subcommand="set",
            user=fake_discord.admin,
        )
        reply = await handle.response()
        assert "format typed" in reply.content, reply.content

        place = Place("discord", str(fake_discord.guild.id), str(bot.channel_id))
        bot.clock.set(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))  # Monday 09:00 in Berlin
        assert (await daily.run_due(place)).status == "posted"
        question = fake_discord.messages_in(bot.channel_id, interaction_responses=False)[-1]
        [level] = await bot.store.fetchall(
            "SELECT level FROM rounds WHERE mode='daily' ORDER BY id DESC LIMIT 1"
        )
        # The hint's cost depends on the card drawn: 5 points for a core card, 7 for advanced.
        assert [b["label"] for b in components(question)] == ["Answer", hint_label(level[0])]
        assert question["embeds"][0]["title"] == "Daily question"
        _, locked = await type_answer(bot, question, "an answer nobody expects", fake_discord.bob)
        assert locked.ephemeral
        assert locked.content == "Locked in: 'an answer nobody expects'. Reveal at 17:00 CET"

        bot.clock.set(datetime(2026, 3, 2, 16, 0, tzinfo=UTC))  # 17:00 in Berlin
        await bot.engine.tick()
        patch = await fake_discord.wait_for_call(
            "PATCH", f"/channels/{bot.channel_id}/messages/{question['id']}"
        )
        assert [b.get("disabled", False) for b in components(patch.json)] == [True, False]
        revealed = patch.json["embeds"][0]
        assert revealed["title"] == "Daily question: the answer"
        assert "Most typed: answer nobody expects ❌ (1)" in revealed["description"]


async def test_a_box_opened_before_a_restart_is_answered_after_it(fake_discord, tmp_path) -> None:
    """The modal's custom_id carries the round; the restarted bot has no memory of the box."""
    db = tmp_path / "q.db"
    async with running_quizbot(fake_discord, db) as before:
        question = await post_typed(before)
        click = await fake_discord.click_button(
            int(question["id"]), custom_ids(question)[0], user=fake_discord.alice
        )
        assert (await click.response()).type == CALLBACK_MODAL
        clock = before.clock
    async with running_quizbot(fake_discord, db, clock=clock) as after:
        sent = await fake_discord.submit_modal(
            click, {"answer": "backprop"}, user=fake_discord.alice
        )
        reply = await sent.response()
        assert reply.type == CALLBACK_MESSAGE and reply.ephemeral
        assert reply.content.startswith("Locked in: 'backprop'."), reply.content
        rows = await after.store.fetchall("SELECT user_id, typed, read_as FROM answers")
        assert [tuple(r) for r in rows] == [(str(fake_discord.alice.id), "backprop", "backprop")]


async def test_a_box_is_answered_once_while_the_bot_still_keeps_it(quizbot: Quizbot) -> None:
    """Before a restart discord.py still holds the opened box: one reply, not two."""
    question = await post_typed(quizbot)
    _, reply = await type_answer(quizbot, question, "backprop", user=quizbot.fake.bob)
    assert reply.content.startswith("Locked in: 'backprop'.")
    callbacks = [
        c for c in quizbot.fake.calls if c.method == "POST" and c.path.endswith("/callback")
    ]
    assert len(callbacks) == 2  # the modal opening, then the one acknowledgement
