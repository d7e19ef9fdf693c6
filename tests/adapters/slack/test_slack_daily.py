"""`/quiz daily` on the real daily service: only admins configure it, the post goes out at
09:00 local time and is revealed at 17:00, all on the fake clock."""

from __future__ import annotations

from datetime import timedelta

from slackkit import START, all_text, buttons, labels, question_post, running_quizbot

from bot.ports import Place
from bot.schedule.scheduler import DailyScheduler
from bot.schedule.service import DailyService

PLACE = Place("slack", "T0QUIZ", "C0QUIZ")


def daily_service(store, engine, clock) -> DailyService:
    return DailyService(
        DailyScheduler(store, engine, clock=clock)
    )  # no APScheduler: tests drive it


async def test_only_admins_configure_the_daily_question_and_it_posts_and_reveals(
    tmp_path,
) -> None:
    async with running_quizbot(tmp_path, daily=daily_service) as bot:
        fake, service = bot.fake, bot.services.daily
        refused = await bot.command("daily 09:00", user_id="U0ALICE")
        assert refused["response_type"] == "ephemeral"
        assert refused["text"].startswith("Only workspace admins and owners")
        assert (await bot.command("daily off", user_id="U0BOB"))["text"].startswith("Only")
        assert await service.db.schedule(PLACE) is None

        status = await bot.command("daily status", user_id="U0ALICE")  # anyone may look
        assert status["text"].startswith(
            "No daily question in this channel. An admin sets one with"
        )
        assert "`/quiz daily HH:MM`" in status["text"]
        assert "Discord" not in status["text"]

        # A workspace owner; START is Monday 08:00 UTC = 09:00 in Berlin.
        bot.clock.set(START - timedelta(hours=1))
        owner = await bot.command(
            "daily 09:00 Europe/Berlin mon-fri reveal=17:00", user_id="U0ADMIN"
        )
        assert owner["text"].startswith(
            "Daily question set: 09:00 Europe/Berlin, mon-fri, reveal at 17:00. Next post:"
        )
        assert fake.calls_to("chat.postMessage") == []

        bot.clock.set(START)
        result = await service.daily.run_due(PLACE)
        assert result.status == "posted"
        post = await question_post(fake)
        ts = post.response["ts"]
        assert "Daily question" in all_text(post.args)
        action = buttons(post.args)[1]["action_id"]
        locked = await bot.click(ts, action, "U0BOB")
        assert locked["text"] == "Locked in: B. Reveal at 17:00 CET"

        again = await bot.command("daily now", user_id="U0ADMIN")
        assert again["text"].startswith("Today's question was already posted at")
        assert len([c for c in fake.calls_to("chat.postMessage") if buttons(c.args)]) == 1

        bot.clock.set(START + timedelta(hours=8))  # 17:00 CET
        await bot.engine.tick()
        await fake.wait_for_call("chat.update")
        revealed = all_text(fake.message("C0QUIZ", ts))
        assert "revealed" in revealed and "✅" in revealed
        assert labels(fake.message("C0QUIZ", ts)) == ["Report question"]


async def test_named_admins_and_their_own_time_zone(tmp_path) -> None:
    async with running_quizbot(tmp_path, daily=daily_service) as bot:
        # Named in QUIZBOT_SLACK_ADMINS; no zone given: their own Slack zone (Europe/Berlin).
        named = await bot.command("daily 07:30", user_id="U0DAVE")
        assert named["text"].startswith("Daily question set: 07:30 Europe/Berlin, mon-fri")
        # Changing the time later keeps the channel's zone, whoever changes it.
        changed = await bot.command("daily 08:15 sat-sun", user_id="U0ADMIN")
        assert changed["text"].startswith("Daily question set: 08:15 Europe/Berlin, sat-sun")

        off = await bot.command("daily off", user_id="U0DAVE")
        assert off["text"].startswith("Daily question turned off for this channel.")
        assert "`/quiz daily HH:MM` turns it back on" in off["text"]

        bad_topic = await bot.command('daily 09:00 topic="quantum knitting"', user_id="U0DAVE")
        assert bad_topic["text"].startswith("Bad topic")
        bad_time = await bot.command("daily 25:00", user_id="U0ADMIN")
        assert bad_time["text"].startswith("Bad time '25:00'")


async def test_without_a_schedule_service_the_admin_is_told_plainly(quizbot) -> None:
    reply = await quizbot.command("daily 09:00", user_id="U0ADMIN")
    assert reply["text"] == "The daily question is not available on this bot yet."
