"""How the adapter meets Slack's delivery rules: signatures, retries, acks within 3 s,
Socket Mode, health."""

from __future__ import annotations

import asyncio
import json
import logging
import statistics
import time
import urllib.parse
from datetime import timedelta

import aiohttp
import pytest
from slackkit import all_text, buttons, question_post, running_quizbot, shipped_library

from adapters.slack import build
from adapters.slack.app import make_client
from bot.ports import Place
from tests.fakes.slack_server import SlackUser

ACK_BUDGET = 3.0


async def test_bad_or_stale_signature_gets_401_and_does_nothing(quizbot) -> None:
    fake = quizbot.fake
    forged = await fake.send_slash_command(quizbot.url, "/quiz", "3", bad_signature=True)
    stale = await fake.send_slash_command(
        quizbot.url, "/quiz", "3", timestamp=int(time.time()) - 10 * 60
    )
    wrong_secret = await fake.send_slash_command(
        quizbot.url, "/quiz", "3", signing_secret="someone-elses-secret"
    )
    assert [forged.status, stale.status, wrong_secret.status] == [401, 401, 401]
    good = await quizbot.command("help")
    assert "/quiz stop" in good["text"]
    assert fake.calls_to("chat.postMessage") == []
    assert [r.url for r in fake.responses] == [r.url for r in fake.responses[-1:]]


async def test_a_retried_command_is_acked_and_counted_once(quizbot) -> None:
    fake = quizbot.fake
    payload = fake.slash_command_payload("/quiz", "2", user_id="U0ALICE")
    body = urllib.parse.urlencode(payload)
    first = await fake.send_signed(quizbot.url, body)
    retry = await fake.send_signed(quizbot.url, body, retry_num=1, retry_reason="http_timeout")
    assert (first.status, retry.status) == (200, 200)
    await fake.wait_for_response(url=payload["response_url"])
    assert quizbot.adapter.dropped_repeats == 1
    quizzes = await quizbot.engine.store.fetchall("SELECT id FROM quizzes")
    assert len(quizzes) == 1
    await question_post(fake)
    await asyncio.sleep(0.05)  # a second quiz start would have answered "already running"
    assert len(fake.responses_to(payload["response_url"])) == 1


async def test_a_retried_click_is_counted_once(quizbot) -> None:
    fake = quizbot.fake
    await quizbot.command("1")
    post = await question_post(fake)
    action = buttons(post.args)[2]["action_id"]
    payload = fake.block_action_payload(
        action, action, user_id="U0BOB", message_ts=post.response["ts"]
    )
    body = urllib.parse.urlencode({"payload": json.dumps(payload)})
    await fake.send_signed(quizbot.url, body)
    await fake.send_signed(quizbot.url, body, retry_num=1)
    await fake.send_signed(quizbot.url, body, retry_num=2)
    reply = await fake.wait_for_response(url=payload["response_url"])
    assert reply.body["text"].startswith("Locked in: C.")
    assert quizbot.adapter.dropped_repeats == 2
    await asyncio.sleep(0.05)
    assert len(fake.responses_to(payload["response_url"])) == 1  # no "already answered"


async def test_healthz_and_heartbeat(quizbot) -> None:
    before = quizbot.adapter.last_heartbeat
    assert before > 0
    health_url = quizbot.url.replace("/slack/events", "/healthz")
    async with aiohttp.ClientSession() as session, session.get(health_url) as resp:
        assert resp.status == 200
        body = await resp.json()
    assert body["ok"] is True and body["mode"] == "http"
    await asyncio.sleep(0.01)
    await quizbot.command("help")
    assert quizbot.adapter.last_heartbeat > before


async def test_ack_times_for_a_burst_of_clicks(quizbot) -> None:
    """50 people click within a few seconds, 5 at a time; every click is acked well within
    Slack's 3 s, and every one gets its private answer."""
    fake, engine = quizbot.fake, quizbot.engine
    people = [f"U0P{i:03d}" for i in range(50)]
    for user in people:
        fake.add_user(SlackUser(user, user.lower(), f"Player {user}", f"p{user[3:]}"))
    place = Place("slack", "T0QUIZ", "C0QUIZ")
    [question] = shipped_library()[1].generate(1, seed=7, fmt="choice")
    await engine.open_round(place, question, "daily", quizbot.clock.now() + timedelta(hours=8))
    post = await question_post(fake)
    ts, actions = post.response["ts"], [b["action_id"] for b in buttons(post.args)]

    gate = asyncio.Semaphore(5)

    async def click(i: int, user: str) -> float:
        async with gate:
            delivery = await fake.send_block_action(
                quizbot.url, actions[i % 4], actions[i % 4], user_id=user, message_ts=ts
            )
            assert delivery.status == 200
            reply = await fake.wait_for_response(url=delivery.response_url)
            assert reply.body["text"].startswith("Locked in:"), reply.body["text"]
            return delivery.elapsed

    elapsed = sorted(await asyncio.gather(*(click(i, u) for i, u in enumerate(people))))
    median = statistics.median(elapsed)
    p95 = elapsed[int(0.95 * len(elapsed)) - 1]
    print(
        f"\nSlack HTTP ack times, 50 clicks, 5 concurrent: median {median * 1000:.1f} ms, "
        f"p95 {p95 * 1000:.1f} ms, max {elapsed[-1] * 1000:.1f} ms"
    )
    assert elapsed[-1] < ACK_BUDGET / 3
    answers = await engine.store.fetchone("SELECT count(*) FROM answers")
    assert answers[0] == 50


async def test_socket_mode_command_and_click(tmp_path) -> None:
    async with running_quizbot(tmp_path, socket_mode=True) as bot:
        fake = bot.fake
        assert bot.adapter.socket_mode
        command = await fake.socket_send_slash_command("/quiz", "1 choice", user_id="U0ALICE")
        assert command.ack is not None and command.ack.latency < ACK_BUDGET
        started = await fake.wait_for_response(url=command.envelope["payload"]["response_url"])
        assert "Quiz started" in started.body["text"]
        post = await question_post(fake)
        ts, actions = post.response["ts"], [b["action_id"] for b in buttons(post.args)]

        latencies = []
        for i, user in enumerate(("U0ALICE", "U0BOB", "U0CAROL", "U0DAVE")):
            click = await fake.socket_send_block_action(
                actions[i], actions[i], user_id=user, message_ts=ts
            )
            assert click.ack is not None
            latencies.append(click.ack.latency)
            reply = await fake.wait_for_response(url=click.envelope["payload"]["response_url"])
            assert reply.body["text"].startswith("Locked in:")
        assert max(latencies) < ACK_BUDGET / 3

        # Slack's retry of an envelope (retry_attempt) is acked and dropped.
        again = await fake.socket_send("interactive", click.envelope["payload"], retry_attempt=1)
        assert again.ack is not None
        assert bot.adapter.dropped_repeats == 1

        bot.clock.advance(seconds=31)
        await bot.engine.tick()
        await fake.wait_for_call("chat.update")
        assert "✅" in all_text(fake.message("C0QUIZ", ts))


async def test_no_token_or_secret_reaches_the_log(tmp_path, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    async with running_quizbot(tmp_path, socket_mode=True) as bot:
        await bot.fake.socket_send_slash_command("/quiz", "1 choice", user_id="U0ALICE")
        post = await question_post(bot.fake)
        action = buttons(post.args)[0]["action_id"]
        click = await bot.fake.socket_send_block_action(
            action, action, user_id="U0BOB", message_ts=post.response["ts"]
        )
        await bot.fake.wait_for_response(url=click.envelope["payload"]["response_url"])
        secrets = (bot.fake.bot_token, bot.fake.app_token, bot.fake.signing_secret)
    logged = caplog.text
    assert "Sending a request" in logged  # the client's debug log did run
    assert not [s for s in secrets if s in logged]


async def test_socket_mode_heartbeat_follows_the_connection(tmp_path) -> None:
    options = {"heartbeat_interval": 0.02}
    async with running_quizbot(tmp_path, socket_mode=True, adapter_options=options) as bot:
        bot.adapter.last_heartbeat = 0.0
        for _ in range(100):  # bounded: at most ~1 s
            if bot.adapter.last_heartbeat:
                break
            await asyncio.sleep(0.01)
        assert bot.adapter.last_heartbeat > 0


def test_the_production_client_retries_429s_and_server_errors() -> None:
    client = make_client("xoxb-test", "http://127.0.0.1:9/api/")
    kinds = {type(getattr(h, "inner", h)).__name__ for h in client.retry_handlers}
    assert {"AsyncRateLimitErrorRetryHandler", "AsyncServerErrorRetryHandler"} <= kinds
    # Every handler but the 429 one is kept off chat.postMessage (a 5xx may have posted).
    wrapped = {type(h).__name__ for h in client.retry_handlers if hasattr(h, "inner")}
    assert wrapped == {"OnlyRateLimitsForPosts"}
    assert client.base_url == "http://127.0.0.1:9/api/"


async def test_a_port_in_use_fails_start_cleanly(quizbot) -> None:
    taken = quizbot.adapter.port
    second = build(quizbot.services, host="127.0.0.1", port=taken, client=quizbot.adapter.client)
    with pytest.raises(OSError):
        await second.start()
    assert second._session is None and second._runner is None
    quizbot.services.posters.register("slack", quizbot.adapter.poster)
