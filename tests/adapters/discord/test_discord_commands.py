"""Autocomplete, /topics, /stats, threads for discussion prompts, and the invite permissions."""

from __future__ import annotations

import discord
from discordkit import Quizbot, shipped

from adapters.discord.permissions import INVITE_PERMISSIONS, REASONS, invite_url
from bot.ports import Place


async def test_topic_autocomplete_offers_matching_deck_topics(quizbot: Quizbot) -> None:
    fake = quizbot.fake

    choices = await fake.send_autocomplete("quiz", {"topic": "grad"}, focused="topic")
    everything = await fake.send_autocomplete("quiz", {"topic": ""}, focused="topic")

    names = [c["name"] for c in choices]
    assert "Gradient Descent and Its Variants" in names
    assert all("grad" in n.lower() for n in names)
    assert 1 <= len(everything) <= 25
    assert "open-questions" not in [c["name"] for c in everything]  # prompts only: no quiz


async def test_time_zone_autocomplete_for_the_daily_question(quizbot: Quizbot) -> None:
    choices = await quizbot.fake.send_autocomplete(
        "daily", {"time": "09:00", "timezone": "berl"}, focused="timezone", subcommand="set"
    )
    assert [c["value"] for c in choices] == ["Europe/Berlin"]


async def test_topics_and_stats_answer_privately(quizbot: Quizbot) -> None:
    fake = quizbot.fake
    topics = await (await fake.send_slash_command("topics", {})).response()
    assert topics.ephemeral
    assert "Gradient Descent and Its Variants" in topics.data["embeds"][0]["description"]

    stats = await (await fake.send_slash_command("stats", {"member": fake.bob})).response()
    assert stats.ephemeral
    assert stats.data["embeds"][0]["title"] == "Stats for Bob"


async def test_a_discussion_prompt_opens_a_thread(quizbot: Quizbot) -> None:
    library, _maker = shipped()
    prompt = next(c for c in library.cards if c.kind == "prompt")
    place = Place("discord", str(quizbot.fake.guild.id), str(quizbot.channel_id))
    question = {
        "card_id": prompt.id, "format": "prompt", "prompt": prompt.question,
        "options": [], "answer_index": None,
    }  # fmt: skip

    await quizbot.engine.open_round(
        place, question, "daily", quizbot.clock.now(), tz="Europe/Berlin"
    )

    post = await quizbot.fake.wait_for_call("POST", f"/channels/{quizbot.channel_id}/messages")
    thread = await quizbot.fake.wait_for_call("POST", "/channels/{c}/messages/{m}/threads")
    assert thread.path.endswith(f"/messages/{post.response['id']}/threads")
    assert thread.json["name"] and len(thread.json["name"]) <= 100
    assert "components" not in post.json or post.json["components"] == []


def test_the_invite_asks_for_exactly_the_permissions_the_readme_explains() -> None:
    expected = discord.Permissions(
        view_channel=True,
        send_messages=True,
        embed_links=True,
        create_public_threads=True,
        send_messages_in_threads=True,
    )
    assert expected == INVITE_PERMISSIONS
    assert INVITE_PERMISSIONS.value == 309237664768
    # iterating Permissions names view_channel by its alias read_messages
    for name in REASONS:
        assert getattr(INVITE_PERMISSIONS, name), name
    assert sum(1 for _name, on in INVITE_PERMISSIONS if on) == len(REASONS)
    assert not INVITE_PERMISSIONS.administrator and not INVITE_PERMISSIONS.manage_messages
    url = invite_url(42)
    assert "scope=bot+applications.commands" in url and "permissions=309237664768" in url
