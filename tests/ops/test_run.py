"""`quizbot run` as a real process against the fake Discord: start, serve, stop on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from tests.fakes.discord_server import FakeDiscord
from tests.fakes.slack_server import FakeSlack


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
            assert await health(tmp_path / "q.db") == 0
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(proc.communicate(), 30)
    log = err.decode()
    assert proc.returncode == 0, log
    assert "stopped; database closed" in log
    assert fake.token not in log  # DEBUG logs included
    assert await health(tmp_path / "q.db") == 1  # a stopped bot is not healthy


async def health(db) -> int:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "--db",
        str(db),
        "health",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    await asyncio.wait_for(proc.communicate(), 30)
    return proc.returncode


async def test_health_without_a_database_is_unhealthy(tmp_path):
    assert await health(tmp_path / "missing.db") == 1
    assert not (tmp_path / "missing.db").exists()


async def test_run_serves_slack_in_socket_mode_and_stops_on_sigterm(tmp_path):
    async with FakeSlack() as fake:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
        env.update(
            SLACK_BOT_TOKEN=fake.bot_token,
            SLACK_APP_TOKEN=fake.app_token,
            SLACK_API_URL=fake.api_url,
            QUIZBOT_DB=str(tmp_path / "q.db"),
            QUIZBOT_LOG_LEVEL="DEBUG",
        )
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await fake.wait_for_socket(timeout=30)
            sent = await fake.socket_send_slash_command("/quiz", "topics", timeout=10)
            assert sent.ack is not None
            reply = await fake.wait_for_response(
                url=sent.envelope["payload"]["response_url"], timeout=10
            )
            assert "Perceptron" in str(reply)
            assert await health(tmp_path / "q.db") == 0
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(proc.communicate(), 30)
    log = err.decode()
    assert proc.returncode == 0, log
    assert "stopped; database closed" in log
    for secret in (fake.bot_token, fake.app_token):
        assert secret not in log


async def test_a_reset_discord_token_stops_the_process_with_one_line_and_exit_1(tmp_path):
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
            await fake.revoke_bot_token()  # the gateway closes with 4004
            _, err = await asyncio.wait_for(proc.communicate(), 30)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    log = err.decode()
    assert proc.returncode == 1, log
    stops = [line for line in log.splitlines() if "quizbot stops:" in line]
    assert len(stops) == 1, log  # one clear line, the reason in it
    assert "discord:" in stops[0] and "4004" in stops[0] and "DISCORD_TOKEN" in stops[0]
    assert "stopped; database closed" in log
    assert fake.token.removeprefix("revoked-") not in log


async def test_an_uninstalled_slack_app_pauses_the_workspace_and_exits_1(tmp_path):
    async with FakeSlack() as fake:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
        env.update(
            SLACK_BOT_TOKEN=fake.bot_token,
            SLACK_APP_TOKEN=fake.app_token,
            SLACK_API_URL=fake.api_url,
            QUIZBOT_DB=str(tmp_path / "q.db"),
        )
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            await fake.wait_for_socket(timeout=30)
            set_it = await fake.socket_send_slash_command(
                "/quiz", "daily 09:00 Europe/Berlin", user_id="U0ADMIN", timeout=10
            )
            reply = await fake.wait_for_response(
                url=set_it.envelope["payload"]["response_url"], timeout=10
            )
            assert "Daily question set" in reply.body["text"]
            fake.revoke_tokens()
            await fake.socket_send_event({"type": "app_uninstalled"})
            _, err = await asyncio.wait_for(proc.communicate(), 30)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    log = err.decode()
    assert proc.returncode == 1, log
    [stop] = [line for line in log.splitlines() if "quizbot stops:" in line]
    assert "slack:" in stop and "uninstalled" in stop
    listed = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "--db", str(tmp_path / "q.db"), "schedule", "list",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(listed.communicate(), 30)
    assert " paused " in out.decode() and "uninstalled" in out.decode()


async def test_a_refused_slack_app_token_stops_the_start_with_one_line(tmp_path):
    """Retrying cannot fix a revoked or wrong app token: say so and exit, do not loop."""
    async with FakeSlack() as fake:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
        env.update(
            SLACK_BOT_TOKEN=fake.bot_token,
            SLACK_APP_TOKEN="xapp-1-A0QUIZ-revoked-token",  # the right shape, not the app's
            SLACK_API_URL=fake.api_url,
            QUIZBOT_DB=str(tmp_path / "q.db"),
            QUIZBOT_LOG_LEVEL="INFO",
        )
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _, err = await asyncio.wait_for(proc.communicate(), 30)
    log = err.decode()
    assert proc.returncode == 1, log
    assert "could not start: slack: Slack refused SLACK_APP_TOKEN (invalid_auth)" in log
    assert "Traceback" not in log and "xapp-1-A0QUIZ-revoked-token" not in log
