"""The fakes refuse what the platforms refuse (tests/fakes/README.md lists each place they
used to be more lenient). Raw HTTP here, so each rule is seen without a client's retries."""

from __future__ import annotations

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError

from tests.fakes.discord_server import FakeDiscord, InteractionHandle
from tests.fakes.discord_server.protocol import (
    EPHEMERAL,
    INTERACTION_TOKEN_LIFETIME,
    NONCE_MEMORY,
    SEND_MESSAGES,
)
from tests.fakes.slack_fixtures import make_web_client
from tests.fakes.slack_server import FakeSlack, ManualClock, SlackChannel


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def discord_call(
    fake: FakeDiscord, method: str, path: str, body=None, *, token: str | None = None
) -> tuple[int, object]:
    headers = {"Authorization": f"Bot {token or fake.token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, fake.base_url + path, json=body, headers=headers) as answer,
    ):
        text = await answer.text()
        try:
            return answer.status, await answer.json(content_type=None)
        except ValueError:
            return answer.status, text


async def test_discord_refuses_bodies_its_openapi_schema_or_limits_refuse() -> None:
    async with FakeDiscord() as fake:
        path = f"/channels/{fake.channel.id}/messages"
        status, body = await discord_call(fake, "POST", path, {"embeds": [{"title": "t" * 257}]})
        assert status == 400 and body["code"] == 50035 and "title" in body["message"]
        fields = [{"name": "n", "value": "v" * 1024}] * 6
        status, body = await discord_call(fake, "POST", path, {"embeds": [{"fields": fields}]})
        assert status == 400 and "6000" in body["message"]  # 6,144 characters in all
        row = {"type": 1, "components": [
            {"type": 2, "style": 1, "label": "A", "custom_id": "same"},
            {"type": 2, "style": 1, "label": "B", "custom_id": "same"},
        ]}  # fmt: skip
        status, body = await discord_call(fake, "POST", path, {"components": [row]})
        assert status == 400 and "already used" in body["message"]
        status, _ = await discord_call(fake, "POST", path, {"content": "fine", "nonce": "n" * 26})
        assert status == 400


async def test_discord_models_deleted_hidden_and_forbidden_channels() -> None:
    async with FakeDiscord() as fake:
        general, other = fake.guild.channels[0], fake.guild.channels[1]
        status, message = await discord_call(
            fake, "POST", f"/channels/{general.id}/messages", {"content": "q"}
        )
        assert status == 200
        fake.deny(general, SEND_MESSAGES)
        status, body = await discord_call(
            fake, "POST", f"/channels/{general.id}/messages", {"content": "q"}
        )
        assert (status, body["code"]) == (403, 50013)
        fake.hide(general)
        status, body = await discord_call(
            fake, "PATCH", f"/channels/{general.id}/messages/{message['id']}", {"content": "r"}
        )
        assert (status, body["code"]) == (403, 50001)
        fake.delete_channel(other)
        status, body = await discord_call(
            fake, "POST", f"/channels/{other.id}/messages", {"content": "q"}
        )
        assert (status, body["code"]) == (404, 10003)


async def test_discord_forgets_nonces_after_a_few_minutes() -> None:
    async with FakeDiscord() as fake:
        fake.clock = clock = Clock()
        path = f"/channels/{fake.channel.id}/messages"
        post = {"content": "q", "nonce": "quizbot-q1", "enforce_nonce": True}
        _, first = await discord_call(fake, "POST", path, post)
        _, again = await discord_call(fake, "POST", path, post)
        assert again["id"] == first["id"]
        clock.now += NONCE_MEMORY + 1
        _, later = await discord_call(fake, "POST", path, post)
        assert later["id"] != first["id"]  # a second message: the nonce was forgotten


def interaction(fake: FakeDiscord) -> InteractionHandle:
    payload = {
        "id": str(fake._snowflake()), "type": 2, "token": "itoken-test",
        "channel_id": str(fake.channel.id),
    }  # fmt: skip
    handle = InteractionHandle(fake, payload, 0.0)
    fake.register(handle)
    return handle


async def test_discord_follow_ups_keep_the_deferrals_privacy_and_tokens_expire() -> None:
    async with FakeDiscord(interaction_deadline=None) as fake:
        fake.clock = clock = Clock()
        handle = interaction(fake)
        status, _ = await discord_call(
            fake, "POST", f"/interactions/{handle.id}/{handle.token}/callback?with_response=1",
            {"type": 5, "data": {"flags": EPHEMERAL}},
        )  # fmt: skip
        assert status == 200
        hook = f"/webhooks/{fake.application_id}/{handle.token}?wait=true"
        _, first = await discord_call(fake, "POST", hook, {"content": "public?", "flags": 0})
        assert first["id"] == str(handle.original_message_id)  # the loading message, edited
        assert first["flags"] & EPHEMERAL  # the deferral's privacy stays
        _, second = await discord_call(fake, "POST", hook, {"content": "public", "flags": 0})
        assert second["id"] != first["id"] and not second["flags"] & EPHEMERAL
        clock.now += INTERACTION_TOKEN_LIFETIME + 1
        status, body = await discord_call(fake, "POST", hook, {"content": "late"})
        assert (status, body["code"]) == (401, 50027)


async def test_discord_bans_after_the_invalid_request_budget() -> None:
    async with FakeDiscord() as fake:
        fake.invalid_limit = 3
        for _ in range(3):
            status, _ = await discord_call(fake, "GET", "/users/@me", token="wrong")
            assert status == 401
        status, body = await discord_call(fake, "GET", "/users/@me")  # even a good request
        assert status == 429 and body == "error code: 1015"
        assert fake.stats.invalid_requests == 3


async def test_slack_checks_arguments_against_its_openapi_description() -> None:
    async with FakeSlack() as fake:
        client = make_web_client(fake)
        with pytest.raises(SlackApiError) as refused:
            await client.api_call("chat.postMessage", json={"channel": "C0QUIZ", "txt": "x"})
        assert refused.value.response["error"] == "invalid_arguments"
        with pytest.raises(SlackApiError) as refused:
            await client.api_call("chat.update", json={"channel": "C0QUIZ", "text": "x"})
        assert "needs ts" in refused.value.response["detail"]


async def test_slack_checks_blocks_against_block_kit() -> None:
    async with FakeSlack() as fake:
        client = make_web_client(fake)
        button = {"type": "button", "text": {"type": "plain_text", "text": "x" * 76},
                  "action_id": "a", "value": ""}  # fmt: skip
        with pytest.raises(SlackApiError) as refused:
            await client.chat_postMessage(
                channel="C0QUIZ", text="t", blocks=[{"type": "actions", "elements": [button]}]
            )
        detail = refused.value.response["detail"]
        assert refused.value.response["error"] == "invalid_blocks"
        assert "more than 75" in detail and "value must be 1-2000" in detail
        long = [{"type": "section", "text": {"type": "mrkdwn", "text": "y" * 3000}}] * 4
        with pytest.raises(SlackApiError) as refused:
            await client.chat_postMessage(channel="C0QUIZ", text="t", blocks=long)
        assert refused.value.response["error"] == "msg_blocks_too_long"


async def test_slack_models_channels_the_bot_cannot_post_in() -> None:
    async with FakeSlack() as fake:
        client = make_web_client(fake)
        fake.add_channel(SlackChannel("C0SECRET", "secret", is_private=True, is_member=False))
        posted = await client.chat_postMessage(channel="C0QUIZ", text="q")
        fake.archive("C0QUIZ")
        for channel, error in (
            ("C0NOWHERE", "channel_not_found"), ("C0SECRET", "channel_not_found"),
            ("C0QUIZ", "is_archived"),
        ):  # fmt: skip
            with pytest.raises(SlackApiError) as refused:
                await client.chat_postMessage(channel=channel, text="q")
            assert refused.value.response["error"] == error, channel
        with pytest.raises(SlackApiError) as refused:
            await client.chat_update(channel="C0QUIZ", ts=posted["ts"], text="r")
        assert refused.value.response["error"] == "is_inactive"
        fake.revoke_tokens()
        with pytest.raises(SlackApiError) as refused:
            await client.chat_postMessage(channel="C0RANDOM", text="q")
        assert refused.value.response["error"] == "token_revoked"


async def test_slack_chat_update_is_tier_3_and_a_500_may_come_after_the_post() -> None:
    clock = ManualClock()
    async with FakeSlack(clock=clock) as fake:
        client = make_web_client(fake, retry_rate_limits=False)
        posted = await client.chat_postMessage(channel="C0QUIZ", text="q")
        for _ in range(5):  # the burst
            await client.chat_update(channel="C0QUIZ", ts=posted["ts"], text="r")
        with pytest.raises(SlackApiError) as limited:
            await client.chat_update(channel="C0QUIZ", ts=posted["ts"], text="r")
        assert limited.value.response.status_code == 429
        clock.advance(60 / 50)
        await client.chat_update(channel="C0QUIZ", ts=posted["ts"], text="r")

        clock.advance(10)
        fake.fail_next("chat.postMessage", "500", after_processing=True)
        with pytest.raises(SlackApiError) as failed:
            await client.chat_postMessage(channel="C0QUIZ", text="stored anyway")
        assert failed.value.response.status_code == 500
        assert [m["text"] for m in fake.channel_messages("C0QUIZ")][-1] == "stored anyway"


async def test_slack_response_urls_expire_and_check_blocks() -> None:
    clock = ManualClock()
    async with FakeSlack(clock=clock) as fake, aiohttp.ClientSession() as session:
        url = fake.new_response_url()
        bad = {"text": "x", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": ""}}]}
        async with session.post(url, json=bad) as answer:
            assert answer.status == 400 and "invalid_blocks" in await answer.text()
        clock.advance(30 * 60 + 1)
        async with session.post(url, json={"text": "late"}) as answer:
            assert answer.status == 404 and await answer.text() == "expired_url"
        assert fake.responses == []
