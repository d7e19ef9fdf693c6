"""Proof that the fake Slack speaks well enough for the real slack-bolt / slack_sdk.

Every test drives a real ``AsyncApp`` (or ``AsyncWebClient``) over 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import builtin_async_handlers
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from . import slack_fixtures
from .slack_server import FakeSlack, ManualClock, SlackUser

# Registered here as well as through the plugin, so this file runs whatever the conftest says.
slack_fake = slack_fixtures.slack_fake
slack_web_client = slack_fixtures.slack_web_client
serve_bolt = slack_fixtures.serve_bolt
connect_socket_mode = slack_fixtures.connect_socket_mode

ACK_BUDGET = 3.0  # Slack's deadline for acknowledging a command or a button click


@dataclass
class QuizAppSpy:
    """What the minimal quiz app's listeners saw, to tell 'acked' from 'handled'."""

    commands: list[dict[str, Any]] = field(default_factory=list)
    retry_headers: list[str | None] = field(default_factory=list)
    reveals: list[str] = field(default_factory=list)


def build_quiz_app(
    fake: FakeSlack, *, retry_rate_limits: bool = True
) -> tuple[AsyncApp, QuizAppSpy]:
    """Stand-in for the adapter: /quiz starts a round, the "reveal" button shows the answer."""
    client = slack_fixtures.make_web_client(fake, retry_rate_limits=retry_rate_limits)
    app = AsyncApp(client=client, signing_secret=fake.signing_secret, name="quiz-proof")
    spy = QuizAppSpy()

    @app.command("/quiz")
    async def start_round(ack, command, respond, say, request) -> None:
        await ack()
        spy.commands.append(command)
        spy.retry_headers.append(request.headers.get("x-slack-retry-num", [None])[0])
        await respond(text=f"Round starting: {command['text']}", response_type="ephemeral")
        await say(text="Card 1: what does dropout do?")

    @app.action("reveal")
    async def reveal_answer(ack, body, client) -> None:
        await ack()
        spy.reveals.append(body["actions"][0]["value"])
        await client.chat_update(
            channel=body["channel"]["id"],
            ts=body["container"]["message_ts"],
            text="Answer: it randomly zeroes activations during training.",
        )

    return app, spy


def no_retry_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    # slack_sdk sleeps Retry-After + random() seconds; pin the jitter so retries are instant.
    monkeypatch.setattr(builtin_async_handlers, "random", SimpleNamespace(random=lambda: 0.0))


# ---------------------------------------------------------------- Web API


async def test_web_api_round_trip_with_json_and_form_bodies(slack_fake, slack_web_client):
    client: AsyncWebClient = slack_web_client
    # Five posts to one channel; the limiter has its own tests.
    slack_fake.web_api.channel_burst = 10
    auth = await client.auth_test()
    assert auth["user_id"] == slack_fake.bot_user_id and auth["team_id"] == slack_fake.team_id

    first = await client.chat_postMessage(channel="C0QUIZ", text="Card 1")
    second = await client.chat_postMessage(channel="C0QUIZ", text="Card 2")
    assert first["ok"] and first["channel"] == "C0QUIZ"
    assert first["ts"] != second["ts"]
    assert first["message"]["text"] == "Card 1"

    updated = await client.chat_update(channel="C0QUIZ", ts=first["ts"], text="Card 1 (revealed)")
    assert updated["ok"]
    assert slack_fake.message("C0QUIZ", first["ts"])["text"] == "Card 1 (revealed)"

    # slack_sdk sends chat.* as JSON; a form body (older clients, curl) must work the same.
    form = await client.api_call(
        "chat.postMessage", data={"channel": "C0QUIZ", "text": "form card", "blocks": "[]"}
    )
    assert form["ok"] and form["message"]["blocks"] == []
    assert slack_fake.calls_to("chat.postMessage")[-1].args["text"] == "form card"

    ephemeral = await client.chat_postEphemeral(channel="C0QUIZ", user="U0ALICE", text="psst")
    assert ephemeral["ok"] and slack_fake.ephemerals[-1]["user"] == "U0ALICE"
    assert (await client.chat_delete(channel="C0QUIZ", ts=second["ts"]))["ok"]
    with pytest.raises(SlackApiError) as gone:
        await client.chat_update(channel="C0QUIZ", ts=second["ts"], text="x")
    assert gone.value.response["error"] == "message_not_found"

    slack_fake.add_user(SlackUser("U0CAROL", "carol", "Carol Q", "cq", is_admin=True))
    admin = (await client.users_info(user="U0CAROL"))["user"]
    assert admin["is_admin"] and not admin["is_owner"]
    assert admin["profile"]["display_name"] == "cq" and admin["real_name"] == "Carol Q"
    assert (await client.users_info(user="U0ADMIN"))["user"]["is_owner"]
    channel = (await client.conversations_info(channel="C0QUIZ"))["channel"]
    assert channel["name"] == "quiz"

    thread = await client.chat_postMessage(channel="C0QUIZ", text="reply", thread_ts=first["ts"])
    replies = await client.conversations_replies(channel="C0QUIZ", ts=first["ts"])
    assert [m["ts"] for m in replies["messages"]] == [first["ts"], thread["ts"]]
    # A modal opens once per trigger_id, and only a valid view, as on Slack.
    trigger = slack_fake.block_action_payload("open")["trigger_id"]
    bare = {"type": "modal", "blocks": []}
    with pytest.raises(SlackApiError) as refused:
        await client.views_open(trigger_id=trigger, view=bare)
    assert refused.value.response["error"] == "invalid_arguments"
    hello = {"type": "section", "text": {"type": "mrkdwn", "text": "hello"}}
    modal = {**bare, "title": {"type": "plain_text", "text": "Hi"}, "blocks": [hello]}
    view = await client.views_open(trigger_id=trigger, view=modal)
    assert view["view"]["id"].startswith("V")
    for used, error in ((trigger, "trigger_exchanged"), ("1.t", "invalid_trigger")):
        with pytest.raises(SlackApiError) as refused:
            await client.views_open(trigger_id=used, view=modal)
        assert refused.value.response["error"] == error

    call = await slack_fake.wait_for_call("chat.update", timeout=0.1)
    assert call.args["ts"] == first["ts"] and call.token == slack_fake.bot_token
    assert call.at <= time.monotonic()


async def test_wrong_tokens_are_refused_like_slack(slack_fake):
    wrong = AsyncWebClient(token="xoxb-wrong", base_url=slack_fake.api_url)
    with pytest.raises(SlackApiError) as refused:
        await wrong.chat_postMessage(channel="C0QUIZ", text="hi")
    assert refused.value.response["error"] == "invalid_auth"
    assert slack_fake.channel_messages("C0QUIZ") == []

    bot = AsyncWebClient(token=slack_fake.bot_token, base_url=slack_fake.api_url)
    with pytest.raises(SlackApiError) as bot_token_for_socket:
        await bot.apps_connections_open(app_token=slack_fake.bot_token)
    assert bot_token_for_socket.value.response["error"] == "not_allowed_token_type"
    opened = await bot.apps_connections_open(app_token=slack_fake.app_token)
    assert opened["url"].startswith(slack_fake.ws_url)


async def test_wait_for_call_is_bounded(slack_fake):
    started = time.monotonic()
    with pytest.raises(TimeoutError, match=r"chat\.postMessage"):
        await slack_fake.wait_for_call("chat.postMessage", timeout=0.2)
    assert time.monotonic() - started < 1.0


# ---------------------------------------------------------------- HTTP mode


async def test_slash_command_is_acked_in_time_and_respond_reaches_response_url(
    slack_fake, serve_bolt
):
    app, spy = build_quiz_app(slack_fake)
    url = await serve_bolt(app)

    delivery = await slack_fake.send_slash_command(url, "/quiz", "deep-learning", user_id="U0BOB")

    assert delivery.status == 200
    assert delivery.elapsed < ACK_BUDGET
    reply = await slack_fake.wait_for_response(url=delivery.response_url, timeout=2)
    assert reply.body["text"] == "Round starting: deep-learning"
    assert reply.response_type == "ephemeral"
    said = await slack_fake.wait_for_call("chat.postMessage", timeout=2)
    assert said.args["channel"] == "C0QUIZ" and said.ok
    assert spy.commands[0]["user_id"] == "U0BOB"
    assert len(slack_fake.calls_to("auth.test")) == 1


async def test_block_action_is_acked_and_chat_update_reaches_the_fake(
    slack_fake, slack_web_client, serve_bolt
):
    app, spy = build_quiz_app(slack_fake)
    url = await serve_bolt(app)
    card = await slack_web_client.chat_postMessage(channel="C0QUIZ", text="Card 1: dropout?")

    delivery = await slack_fake.send_block_action(
        url, "reveal", "card-1", user_id="U0ALICE", channel_id="C0QUIZ", message_ts=card["ts"]
    )

    assert delivery.status == 200 and delivery.elapsed < ACK_BUDGET
    update = await slack_fake.wait_for_call("chat.update", timeout=2)
    assert update.ok and update.args["ts"] == card["ts"]
    assert slack_fake.message("C0QUIZ", card["ts"])["text"].startswith("Answer:")
    assert spy.reveals == ["card-1"]


async def test_bad_signature_and_stale_timestamp_are_refused(slack_fake, serve_bolt):
    app, spy = build_quiz_app(slack_fake)
    url = await serve_bolt(app)

    forged = await slack_fake.send_slash_command(url, "/quiz", bad_signature=True)
    wrong_secret = await slack_fake.send_slash_command(url, "/quiz", signing_secret="not-ours")
    six_minutes_old = int(time.time()) - 6 * 60
    stale = await slack_fake.send_slash_command(url, "/quiz", timestamp=six_minutes_old)
    stale_click = await slack_fake.send_block_action(url, "reveal", timestamp=six_minutes_old)

    assert [forged.status, wrong_secret.status, stale.status, stale_click.status] == [401] * 4
    assert spy.commands == [] and spy.reveals == []
    assert slack_fake.responses == [] and slack_fake.calls == []


async def test_wrong_bot_token_answers_200_with_reinstall_text_and_skips_the_listener(
    slack_fake, serve_bolt
):
    client = slack_fixtures.make_web_client(slack_fake, token="xoxb-revoked")
    app = AsyncApp(client=client, signing_secret=slack_fake.signing_secret, name="bad-token")
    ran: list[str] = []

    @app.command("/quiz")
    async def start_round(ack) -> None:
        ran.append("quiz")
        await ack()

    delivery = await slack_fake.send_slash_command(await serve_bolt(app), "/quiz")

    # Not a 401: bolt shows the user its "please reinstall" text after auth.test fails.
    assert delivery.status == 200 and "reinstall" in delivery.body
    assert ran == []
    assert slack_fake.calls_to("auth.test")[0].response["error"] == "invalid_auth"


async def test_retried_delivery_reaches_the_app_again(slack_fake, serve_bolt):
    app, spy = build_quiz_app(slack_fake)
    url = await serve_bolt(app)

    first = await slack_fake.send_slash_command(url, "/quiz", "start")
    retry = await slack_fake.send_slash_command(url, "/quiz", "start", retry_num=1)

    assert first.status == retry.status == 200
    await slack_fake.wait_for_call("chat.postMessage", count=2, timeout=2)
    # bolt does not dedupe: a retried delivery runs the listener again, so the adapter must.
    assert spy.retry_headers == [None, "1"]


# ---------------------------------------------------------------- Socket Mode


async def test_socket_mode_command_is_acked_and_say_reaches_the_fake(
    slack_fake, connect_socket_mode
):
    app, spy = build_quiz_app(slack_fake)
    await connect_socket_mode(app)
    opened = slack_fake.calls_to("apps.connections.open")
    assert len(opened) == 1 and opened[0].token == slack_fake.app_token

    delivery = await slack_fake.socket_send_slash_command("/quiz", "daily", user_id="U0ALICE")

    assert delivery.ack is not None and delivery.ack.envelope_id == delivery.envelope_id
    assert delivery.ack.latency < ACK_BUDGET
    said = await slack_fake.wait_for_call("chat.postMessage", timeout=2)
    assert said.ok and said.args["text"].startswith("Card 1")
    reply = await slack_fake.wait_for_response(timeout=2)
    assert reply.body["text"] == "Round starting: daily"
    assert spy.commands[0]["text"] == "daily"


async def test_socket_mode_button_click_updates_the_card_and_closes_cleanly(
    slack_fake, slack_web_client
):
    app, spy = build_quiz_app(slack_fake)
    card = await slack_web_client.chat_postMessage(channel="C0QUIZ", text="Card 2: ReLU?")
    async with slack_fixtures.socket_mode_connection(app, slack_fake):
        delivery = await slack_fake.socket_send_block_action(
            "reveal", "card-2", message_ts=card["ts"]
        )
        assert delivery.ack is not None
        await slack_fake.wait_for_call("chat.update", timeout=2)
    assert slack_fake.socket_connections == 1
    assert spy.reveals == ["card-2"]
    assert slack_fake.message("C0QUIZ", card["ts"])["text"].startswith("Answer:")


async def test_socket_reconnects_when_slack_asks_and_retries_carry_the_attempt(
    slack_fake, connect_socket_mode
):
    app, spy = build_quiz_app(slack_fake)
    await connect_socket_mode(app)

    await slack_fake.socket_disconnect("refresh_requested")
    await slack_fake.wait_for_connections(2, timeout=2)
    delivery = await slack_fake.socket_send_slash_command("/quiz", "again", retry_attempt=2)

    assert delivery.ack is not None
    assert len(slack_fake.calls_to("apps.connections.open")) == 2
    # Socket Mode retries reach listeners as the same header HTTP mode uses.
    assert spy.retry_headers == ["2"]


async def test_unhandled_envelope_gets_no_ack(slack_fake, connect_socket_mode):
    # bolt only acks what a listener acked (status 200): an unknown command times out.
    app, _ = build_quiz_app(slack_fake)
    await connect_socket_mode(app)
    delivery = await slack_fake.socket_send_slash_command("/unknown", wait_ack=False)
    with pytest.raises(TimeoutError):
        await slack_fake.wait_for_ack(delivery.envelope_id, timeout=0.3)


async def test_typed_answers_arrive_as_message_events_in_both_modes(
    slack_fake, serve_bolt, connect_socket_mode
):
    app = AsyncApp(
        client=slack_fixtures.make_web_client(slack_fake),
        signing_secret=slack_fake.signing_secret,
        name="answers",
    )
    answers: list[str] = []
    both_seen = asyncio.Event()

    @app.event("message")
    async def record_answer(event) -> None:
        answers.append(event["text"])
        if len(answers) == 2:
            both_seen.set()

    answer = {"type": "message", "channel": "C0QUIZ", "user": "U0BOB", "ts": "1.000001"}
    over_http = await slack_fake.send_event(await serve_bolt(app), {**answer, "text": "relu"})
    await connect_socket_mode(app)
    over_socket = await slack_fake.socket_send_event({**answer, "text": "gelu"})

    assert over_http.status == 200 and over_socket.ack is not None
    # Events are acked before their listener runs, so wait (bounded) for both answers.
    await asyncio.wait_for(both_seen.wait(), timeout=2)
    assert sorted(answers) == ["gelu", "relu"]


async def test_response_url_takes_five_posts_then_refuses(slack_fake):
    url = slack_fake.new_response_url()
    hook = AsyncWebhookClient(url)
    statuses = [(await hook.send(text=f"reply {n}")).status_code for n in range(6)]
    unknown = await AsyncWebhookClient(f"{slack_fake.base_url}/response/R999999").send(text="x")

    assert statuses == [200] * 5 + [404]
    assert unknown.status_code == 404
    assert [r.body["text"] for r in slack_fake.responses_to(url)] == [
        f"reply {n}" for n in range(5)
    ]


# ---------------------------------------------------------------- rate limits and faults


async def test_429_then_success_delivers_exactly_once_through_bolt(
    slack_fake, connect_socket_mode, monkeypatch
):
    no_retry_jitter(monkeypatch)
    app, _ = build_quiz_app(slack_fake)
    await connect_socket_mode(app)
    slack_fake.fail_next("chat.postMessage", "429", retry_after=0)

    await slack_fake.socket_send_slash_command("/quiz", "daily")
    await slack_fake.wait_for_call("chat.postMessage", lambda c: c.ok, timeout=2)

    assert [c.status for c in slack_fake.calls_to("chat.postMessage")] == [429, 200]
    assert len(slack_fake.channel_messages("C0QUIZ")) == 1
    assert (slack_fake.stats["C0QUIZ"].delivered, slack_fake.stats["C0QUIZ"].rejected) == (1, 1)


async def test_channel_bucket_allows_a_burst_then_429_with_retry_after():
    clock = ManualClock()
    async with FakeSlack(channel_rate=1.0, channel_burst=3, clock=clock) as fake:
        client = slack_fixtures.make_web_client(fake, retry_rate_limits=False)
        for n in range(3):
            await client.chat_postMessage(channel="C0QUIZ", text=f"card {n}")
        with pytest.raises(SlackApiError) as limited:
            await client.chat_postMessage(channel="C0QUIZ", text="card 3")
        assert limited.value.response.status_code == 429
        assert limited.value.response["error"] == "ratelimited"
        assert limited.value.response.headers["Retry-After"] == "1"

        # Another channel has its own bucket; time refills this one.
        assert (await client.chat_postMessage(channel="C0RANDOM", text="hi"))["ok"]
        clock.advance(1.0)
        assert (await client.chat_postMessage(channel="C0QUIZ", text="card 3"))["ok"]
        with pytest.raises(SlackApiError):
            await client.chat_postMessage(channel="C0QUIZ", text="card 4")

        assert (fake.stats["C0QUIZ"].delivered, fake.stats["C0QUIZ"].rejected) == (4, 2)
        assert (fake.stats.delivered, fake.stats.rejected) == (5, 2)
        assert len(fake.channel_messages("C0QUIZ")) == 4


async def test_workspace_wide_limit_spans_channels_and_methods():
    clock = ManualClock()
    async with FakeSlack(workspace_rate=2.0, workspace_burst=2, clock=clock) as fake:
        client = slack_fixtures.make_web_client(fake, retry_rate_limits=False)
        card = await client.chat_postMessage(channel="C0QUIZ", text="a")
        await client.chat_update(channel="C0QUIZ", ts=card["ts"], text="b")
        with pytest.raises(SlackApiError) as limited:
            await client.chat_postMessage(channel="C0RANDOM", text="c")
        assert limited.value.response.status_code == 429
        assert (await client.auth_test())["ok"]  # start-up calls are never limited
        clock.advance(0.5)
        assert (await client.chat_postMessage(channel="C0RANDOM", text="c"))["ok"]


async def test_seeded_faults_repeat_and_retries_deliver_each_card_once(monkeypatch):
    no_retry_jitter(monkeypatch)

    async def run(seed: int) -> tuple[list[str | None], int]:
        async with FakeSlack(channel_rate=100, channel_burst=100) as fake:
            fake.inject_faults(
                0.3, kinds=("429", "slow"), seed=seed, retry_after=0, slow_seconds=0.01
            )
            client = slack_fixtures.make_web_client(fake, max_rate_limit_retries=10)
            for n in range(12):
                await client.chat_postMessage(channel="C0QUIZ", text=f"card {n}")
            texts = [m["text"] for m in fake.channel_messages("C0QUIZ")]
            assert texts == [f"card {n}" for n in range(12)]  # each delivered exactly once
            assert fake.stats["C0QUIZ"].delivered == 12
            faults = [c.fault for c in fake.calls_to("chat.postMessage")]
            assert fake.stats["C0QUIZ"].rejected == faults.count("429")
            return faults, faults.count("429")

    first, rejected = await run(seed=7)
    again, _ = await run(seed=7)
    assert first == again
    assert rejected >= 1 and "slow" in first


async def test_server_errors_surface_to_the_client(slack_fake, slack_web_client):
    slack_fake.fail_next("chat.postMessage", "500")
    with pytest.raises(SlackApiError) as failed:
        await slack_web_client.chat_postMessage(channel="C0QUIZ", text="card")
    assert failed.value.response.status_code == 500
    assert slack_fake.stats["C0QUIZ"].rejected == 1 and slack_fake.channel_messages("C0QUIZ") == []
