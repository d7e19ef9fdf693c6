"""`quizbot run` as a real process against the fake Discord: start, serve, stop on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from tests.fakes.discord_server import FakeDiscord


def run_env(fake: FakeDiscord, db) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
    env.update(
        DISCORD_TOKEN=fake.token,
        DISCORD_API_BASE=fake.base_url,
        DISCORD_GATEWAY_URL=fake.gateway_url,
        DISCORD_GUILD_ID=str(fake.guild.id),
        QUIZBOT_DB=str(db),
        QUIZBOT_LOG_LEVEL="DEBUG",
    )
    return env


async def test_run_without_a_platform_says_what_to_set(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "--db",
        str(tmp_path / "q.db"),
        "run",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 2
    assert b"DISCORD_TOKEN" in err and b"SLACK_BOT_TOKEN" in err


async def test_run_serves_discord_and_stops_cleanly_on_sigterm(tmp_path):
    async with FakeDiscord() as fake:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            env=run_env(fake, tmp_path / "q.db"),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await fake.wait_for_call("PUT", "/applications/{id}/guilds/{id}/commands", timeout=30)
            handle = await fake.send_slash_command("topics", {}, user=fake.bob)
            reply = await handle.response(timeout=10)
            assert "Perceptron" in str(reply.data)
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(proc.communicate(), 30)
    log = err.decode()
    assert proc.returncode == 0, log
    assert "stopped; database closed" in log
    assert fake.token not in log  # DEBUG logs included
