"""The Discord adapter on the strict fake: a deleted or hidden channel pauses the daily
question (its admin told once by DM), removal from a server pauses the server, a reset token
stops the process without burning the invalid-request budget, a reveal outlives its deleted
question, "X started a quiz" stays public after a deferral, and item 8's rendering."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from discordkit import START, Quizbot, running_quizbot

from adapters.discord.embeds import reveal_embed, stats_embed
from bot.messages import RevealMessage, StatsMessage
from bot.ports import Place, PostError
from bot.schedule.scheduler import DailyScheduler
from bot.schedule.service import DailyService
from tests.fakes.discord_server import FakeDiscord, Faults
from tests.fakes.discord_server.protocol import EMBED_LINKS, EPHEMERAL


async def with_daily(bot: Quizbot, fake: FakeDiscord) -> tuple[DailyService, Place]:
    service = DailyService(DailyScheduler(bot.store, bot.engine, clock=bot.clock))
    bot.services.daily = service
    bot.clock.set(START - timedelta(hours=1))
    handle = await fake.send_slash_command(
        "daily", {"time": "09:00", "timezone": "Europe/Berlin"}, subcommand="set",
        user=fake.admin,
    )  # fmt: skip
    assert (await handle.response()).content.startswith("Daily question set")
    bot.clock.set(START)
    return service, Place("discord", str(fake.guild.id), str(fake.channel.id))


def channel_posts(fake: FakeDiscord, channel_id: int | None = None) -> list:
    path = f"/channels/{channel_id or fake.channel.id}/messages"
    return [c for c in fake.calls_to("POST", "/channels/{id}/messages") if c.path == path]


def dms_to(fake: FakeDiscord, user_id: int) -> list[dict]:
    dm_ids = {c.id for c in fake.channels.values() if c.type == 1 and c.owner_id == user_id}
    return [m for m in fake.messages.values() if int(m["channel_id"]) in dm_ids]


async def test_a_deleted_channel_pauses_the_daily_question_and_dms_the_admin_once(
    fake_discord: FakeDiscord, tmp_path
) -> None:
    async with running_quizbot(fake_discord, tmp_path / "q.db") as bot:
        service, place = await with_daily(bot, fake_discord)
        channel = fake_discord.channel
        fake_discord.delete_channel(channel)
        assert (await service.daily.run_due(place)).status == "failed"
        for _ in range(3):
            assert (await service.daily.run_due(place)).status == "paused"
        posts = channel_posts(fake_discord, channel.id)
        assert [c.status for c in posts] == [404]  # once, never again
        [note] = dms_to(fake_discord, fake_discord.admin.id)
        assert "paused: the channel was deleted (Discord: Unknown Channel)" in note["content"]
        assert f"<#{channel.id}>" in note["content"]
        assert "`/daily set`" in note["content"] or "/daily set" in note["content"]
        schedule = await service.db.schedule(place)
        assert schedule is not None and schedule.paused


@pytest.mark.parametrize(
    ("take", "code", "reason"),
    [("view", 50001, "cannot see this channel"), ("embed", 50013, "lacks a permission")],
)
async def test_a_channel_closed_to_the_bot_pauses_with_the_reason(
    fake_discord: FakeDiscord, tmp_path, take, code, reason
) -> None:
    async with running_quizbot(fake_discord, tmp_path / "q.db") as bot:
        service, place = await with_daily(bot, fake_discord)
        if take == "view":
            fake_discord.hide(fake_discord.channel)
        else:
            fake_discord.deny(fake_discord.channel, EMBED_LINKS)
        await service.daily.run_due(place)
        [post] = channel_posts(fake_discord)
        assert post.status == 403 and post.response["code"] == code
        status = await fake_discord.send_slash_command(
            "daily", {}, subcommand="status", user=fake_discord.alice
        )
        text = (await status.response()).content
        assert "Paused since" in text and reason in text and "`/daily set`" in text


async def test_removal_from_the_server_pauses_its_schedules(
    fake_discord: FakeDiscord, tmp_path
) -> None:
    async with running_quizbot(fake_discord, tmp_path / "q.db") as bot:
        service, place = await with_daily(bot, fake_discord)
        await fake_discord.remove_bot_from(fake_discord.guild)
        for _ in range(300):  # bounded: the gateway event arrives within a few ms
            schedule = await service.db.schedule(place)
            if schedule is not None and schedule.paused:
                break
            await asyncio.sleep(0.01)
        assert schedule is not None and "removed from this server" in (schedule.paused_reason or "")
        assert (await service.daily.run_due(place)).status == "paused"
        assert fake_discord.calls_to("POST", "/channels/{id}/messages") == []


async def test_a_reset_token_stops_the_process_and_sends_no_more_requests(
    fake_discord: FakeDiscord, tmp_path
) -> None:
    async with running_quizbot(fake_discord, tmp_path / "q.db") as bot:
        fake_discord.revoke_token()  # REST first: the gateway's 4004 has its own test
        place = Place("discord", str(fake_discord.guild.id), str(fake_discord.channel.id))
        with pytest.raises(PostError) as refused:
            await bot.adapter.poster.post(place, "the daily question")
        assert refused.value.kind == "token_dead"
        reason = bot.services.shutdown.reason
        assert reason is not None and reason.startswith("discord: ")
        assert "DISCORD_TOKEN" in reason
        assert not bot.adapter.alive()
        invalid = fake_discord.stats.invalid_requests
        for _ in range(5):
            with pytest.raises(PostError):
                await bot.adapter.poster.post(place, "again")
        # Each one would be a 401, which Discord counts toward its IP ban.
        assert fake_discord.stats.invalid_requests == invalid


async def test_the_gateway_closing_with_4004_stops_the_process(
    fake_discord: FakeDiscord, tmp_path
) -> None:
    async with running_quizbot(fake_discord, tmp_path / "q.db") as bot:
        await fake_discord.revoke_bot_token()
        for _ in range(300):  # bounded: discord.py ends its connection at once on 4004
            if bot.services.shutdown.reason is not None:
                break
            await asyncio.sleep(0.01)
        reason = bot.services.shutdown.reason
        assert reason is not None and "4004" in reason and "DISCORD_TOKEN" in reason


async def test_a_reveal_survives_its_deleted_question_once(quizbot: Quizbot) -> None:
    fake = quizbot.fake
    handle = await fake.send_slash_command(
        "quiz", {"count": 1, "format": "choice"}, user=fake.alice
    )
    await handle.response()
    await fake.wait_for_call("POST", "/channels/{id}/messages")
    [question] = quizbot.question_posts()
    fake.delete_message(int(question["id"]))
    quizbot.clock.advance(seconds=31)
    await quizbot.engine.tick()
    edit = await fake.wait_for_call("PATCH", "/channels/{id}/messages/{mid}")
    assert edit.status == 404
    reveals = [
        m for m in fake.messages_in(fake.channel.id, interaction_responses=False)
        if any("the answer" in (e.get("title") or "") for e in m.get("embeds", []))
    ]  # fmt: skip
    assert len(reveals) == 1
    await quizbot.engine.recover()
    assert len(fake.calls_to("PATCH", "/channels/{id}/messages/{mid}")) == 1


async def test_started_a_quiz_stays_public_when_posting_is_slow(quizbot: Quizbot) -> None:
    fake = quizbot.fake
    # Posting the question takes 2 s (a rate limit, a daily fan-out): the command defers.
    fake.inject_faults(
        Faults(slow=1.0, delay=(2.0, 2.0), routes=("POST /channels/{channel_id}/messages",))
    )
    handle = await fake.send_slash_command(
        "quiz", {"count": 1, "format": "choice"}, user=fake.alice
    )
    deferral = await handle.response(timeout=5)
    assert deferral.type == 5 and deferral.ephemeral
    announcement = await handle.followup(timeout=10)
    assert "started a quiz" in announcement["content"]
    # Before: the follow-up edited the private "thinking…" message and stayed private.
    assert not int(announcement["flags"]) & EPHEMERAL
    assert handle.original is None  # the private loading message was removed


def test_the_right_options_bold_covers_the_letter_even_with_bold_inside() -> None:
    message = RevealMessage(
        round_id=1, prompt="Which rule?", options=("The **chain rule**", "Other", "x", "y"),
        correct_index=0, answer="Because.", counts=(1, 0, 0, 0), right=(), wrong_count=0,
        closes_at=START, revealed_at=START, mode="daily",
    )  # fmt: skip
    description = reveal_embed(message).description or ""
    assert "✅ **A. The chain rule · 1 answer**" in description


def test_a_display_name_in_a_title_is_shown_as_written_not_as_markdown() -> None:
    embed = stats_embed(StatsMessage("*Bob* ||x|| @everyone", 0, 0, 0, 0))
    assert embed.title == "Stats for \\*Bob\\* \\|\\|x\\|\\| @\u200beveryone"
