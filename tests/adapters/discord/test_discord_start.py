"""Start-up: login against DISCORD_API_BASE/GATEWAY_URL, intents, command sync, clean stop."""

from __future__ import annotations

import asyncio
import logging

from discordkit import Quizbot, running_quizbot

from tests.fakes.discord_server import PRIVILEGED_INTENTS, FakeDiscord

COMMANDS = {
    "quiz", "quiz-stop", "practice", "daily", "leaderboard", "stats", "topics", "reports"
}  # fmt: skip
MANAGE_GUILD = 1 << 5


async def test_start_syncs_every_command_to_the_configured_server(quizbot: Quizbot) -> None:
    fake = quizbot.fake
    synced = {c["name"]: c for c in fake.commands[fake.guild.id]}

    assert set(synced) == COMMANDS
    assert fake.commands.get(None) in (None, [])  # nothing global when DISCORD_GUILD_ID is set
    daily = synced["daily"]
    assert int(daily["default_member_permissions"]) == MANAGE_GUILD
    assert int(synced["reports"]["default_member_permissions"]) == MANAGE_GUILD
    assert {o["name"] for o in daily["options"]} == {"set", "off", "status", "now"}
    quiz = {o["name"]: o for o in synced["quiz"]["options"]}
    assert quiz["topic"]["autocomplete"] is True
    assert quiz["count"]["min_value"] == 1 and quiz["count"]["max_value"] == 20
    formats = {"choice", "cloze", "typed", "mixed"}
    assert {c["value"] for c in quiz["format"]["choices"]} == formats
    daily_set = next(o for o in daily["options"] if o["name"] == "set")
    daily_format = next(o for o in daily_set["options"] if o["name"] == "format")
    assert {c["value"] for c in daily_format["choices"]} == formats


async def test_only_the_guilds_intent_is_asked_for(quizbot: Quizbot) -> None:
    intents = quizbot.fake.identify["intents"]

    assert intents == 1  # GUILDS
    assert intents & PRIVILEGED_INTENTS == 0


async def test_the_token_never_reaches_the_log(fake_discord: FakeDiscord, tmp_path, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    async with running_quizbot(fake_discord, tmp_path / "quiz.db") as bot:
        handle = await fake_discord.send_slash_command("topics", {})
        await handle.response()
        assert bot.adapter.client.is_ready()

    assert fake_discord.token not in caplog.text
    assert "ready as" in caplog.text


async def test_stop_closes_the_client_and_leaves_no_discord_task(
    fake_discord: FakeDiscord, tmp_path
) -> None:
    async with running_quizbot(fake_discord, tmp_path / "quiz.db") as bot:
        handle = await fake_discord.send_slash_command("practice", {}, user=fake_discord.alice)
        await handle.response()
        client = bot.adapter.client
    await asyncio.sleep(0)

    assert client.is_closed()
    others = asyncio.all_tasks() - {asyncio.current_task()}
    leftovers = [t for t in others if not t.done() and _from_discord_py_or_us(t)]
    assert leftovers == []


def _from_discord_py_or_us(task: asyncio.Task) -> bool:
    code = getattr(task.get_coro(), "cr_code", None)
    where = code.co_filename if code else ""
    return "site-packages/discord/" in where or "adapters/discord/" in where
