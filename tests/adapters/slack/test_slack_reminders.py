"""Practice reminders, "Practise these" and the team view on the strict fake Slack:
`/quiz practice remind` opts in (the zone defaults to the person's Slack profile), the
reminder is chat.postMessage to the user id (the app's DM, chat:write only) with a button that
starts practice, `/quiz stats` has "Practise these", `/quiz stats team` the team's memory."""

from __future__ import annotations

from datetime import timedelta

from fsrs import Rating
from slackkit import START, all_text, buttons, running_quizbot

from adapters.slack import blocks as kit
from bot.engine import memory
from bot.schedule.reminders import PracticeReminders
from bot.store.memory import save_reviews
from bot.store.records import Review


async def make_due(bot, user_id: str, cards: int = 6) -> None:
    ids = sorted(bot.engine.cards)[:cards]
    for n, card_id in enumerate(ids):
        card, _ = memory.review(None, Rating.Again, bot.clock.now() - timedelta(days=1))
        rv = Review(user_id, card_id, card, Rating.Again, card.last_review, None)
        await bot.engine.store.write(lambda c, rv=rv, n=n: save_reviews(c, "slack", 800 + n, [rv]))


async def press(bot, ts: str, button: dict, user_id: str) -> dict:
    """A click on `button` as Slack sends it: its action id and its own value."""
    delivery = await bot.fake.send_block_action(
        bot.url, button["action_id"], button["value"], user_id=user_id, message_ts=ts
    )
    assert delivery.status == 200, delivery.body
    return (await bot.fake.wait_for_response(url=delivery.response_url)).body


async def test_remind_in_the_profile_zone_and_the_dm_button_starts_practice(tmp_path) -> None:
    async with running_quizbot(tmp_path) as bot:
        reminders = PracticeReminders(bot.engine.store, bot.engine, bot.clock)
        bot.services.reminders = reminders
        bot.clock.set(START - timedelta(hours=1))  # Monday 08:00 in Berlin
        # Dave's Slack profile says Europe/Berlin: the reminder takes his zone.
        on = await bot.command("practice remind 09:00", user_id="U0DAVE")
        assert on["response_type"] == "ephemeral"
        assert "Monday to Friday at 09:00 (Europe/Berlin)" in on["text"]
        assert "`/quiz practice remind off`" in on["text"]
        bad = await bot.command("practice remind 9 o'clock", user_id="U0DAVE")
        assert "/quiz practice remind" in bad["text"] and "09:00" in bad["text"]
        await make_due(bot, "U0DAVE")
        bot.clock.set(START)
        assert await reminders.tick() == [("slack", "U0DAVE", "sent")]
        assert await reminders.tick() == []
        [dm] = [c for c in bot.fake.calls_to("chat.postMessage") if c.args["channel"] == "U0DAVE"]
        assert dm.response["ok"], dm.response
        assert all_text(dm.args).startswith("6 cards due, about 2 min.")
        [button] = buttons(dm.args)
        assert button["action_id"] == kit.PRACTICE_NEXT and button["text"]["text"] == "Practise now"
        practice = await press(bot, dm.response["ts"], button, "U0DAVE")
        # A choice question's answer buttons, or a typed question's "Answer" button.
        answerable = (kit.ANSWER_PREFIX, kit.TYPED_PREFIX)
        assert any(b["action_id"].startswith(answerable) for b in buttons(practice)), practice

        off = await bot.command("practice remind off", user_id="U0DAVE")
        assert off["text"].startswith("Practice reminder off")


async def test_stats_practise_these_and_the_team_view(tmp_path) -> None:
    async with running_quizbot(tmp_path) as bot:
        asked = await bot.command("practice", user_id="U0ALICE")
        answer = next(b for b in buttons(asked) if b["action_id"].startswith(kit.ANSWER_PREFIX))
        await press(bot, "1.0", answer, "U0ALICE")  # one practice answer: stats and memory
        stats = await bot.command("stats", user_id="U0ALICE")
        [button] = [b for b in buttons(stats) if b["text"]["text"] == "Practise these"]
        assert kit.practice_topic(button["value"]) == "weak"
        practice = await press(bot, "1.0", button, "U0ALICE")
        # A choice question's answer buttons, or a typed question's "Answer" button.
        answerable = (kit.ANSWER_PREFIX, kit.TYPED_PREFIX)
        assert any(b["action_id"].startswith(answerable) for b in buttons(practice)), practice
        team = await bot.command("stats team", user_id="U0ALICE")
        assert team["response_type"] == "ephemeral"
        # Nobody has answered a daily question or quiz here yet: nobody is active.
        assert "Nobody has answered here in the last 30 days yet." in all_text(team)
        wrong = await bot.command("stats everyone", user_id="U0ALICE")
        assert "(or `team`)" in wrong["text"]
