"""Proof that an unmodified discord.py 2.7 client runs against the fake Discord."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any

import discord
import pytest
from discord import app_commands

from tests.fakes.discord_server import (
    ADMIN_PERMISSIONS,
    CALLBACK_AUTOCOMPLETE,
    CALLBACK_DEFERRED_MESSAGE,
    CALLBACK_MESSAGE,
    EPHEMERAL,
    PRIVILEGED_INTENTS,
    CallbackRejected,
    FakeDiscord,
    Faults,
    point_discord_at,
    running_client,
)

Factory = Callable[..., Awaitable[FakeDiscord]]
Runner = Callable[..., Awaitable[Any]]

DECKS = ["deep-learning-qa", "open-questions", "optimisers"]


class AnswerButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"quiz:(?P<round>\w+):(?P<option>\d)",
):
    """A persistent answer button: the round id and option live in the custom_id."""

    def __init__(self, round_id: str, option: int) -> None:
        super().__init__(
            discord.ui.Button(label=f"Option {option}", custom_id=f"quiz:{round_id}:{option}")
        )
        self.round_id = round_id
        self.option = option

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> AnswerButton:
        return cls(match["round"], int(match["option"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        bot: QuizClient = interaction.client  # type: ignore[assignment]
        bot.answers.append((self.round_id, self.option, interaction.user.id))
        await interaction.response.send_message(
            f"answer {self.option} recorded for round {self.round_id}", ephemeral=True
        )


class AnswerModal(discord.ui.Modal, title="Your answer"):
    text = discord.ui.TextInput(label="Answer", custom_id="open-answer", max_length=500)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"saved: {self.text.value}", ephemeral=True)


class QuizClient(discord.Client):
    """A small bot with the shapes the real adapter will use."""

    def __init__(self, *, slow_ping: float = 0.0) -> None:
        super().__init__(intents=discord.Intents.default(), guild_ready_timeout=0.1)
        self.tree = app_commands.CommandTree(self)
        self.answers: list[tuple[str, int, int]] = []
        self.errors: list[BaseException] = []
        self.slow_ping = slow_ping

        @self.tree.command(name="ping", description="Is the quiz bot alive?")
        async def ping(interaction: discord.Interaction) -> None:
            await asyncio.sleep(self.slow_ping)
            await interaction.response.send_message("pong", ephemeral=True)

        @self.tree.command(name="reveal", description="Reveal the answer of a round")
        async def reveal(interaction: discord.Interaction) -> None:
            await interaction.response.defer(thinking=True)
            await interaction.edit_original_response(content="the answer is ReLU")
            await interaction.followup.send("leaderboard: alice 1", ephemeral=True)

        @self.tree.command(name="answer", description="Answer today's open question")
        async def answer(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(AnswerModal())

        quiz = app_commands.Group(name="quiz", description="Quick quizzes")

        @quiz.command(name="start", description="Start a quick quiz")
        @app_commands.describe(deck="Deck to draw cards from", count="How many cards")
        async def start(interaction: discord.Interaction, deck: str, count: int = 3) -> None:
            await interaction.response.send_message(f"{count} cards from {deck}")

        @start.autocomplete("deck")
        async def deck_names(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            return [app_commands.Choice(name=d, value=d) for d in DECKS if current in d]

        self.tree.add_command(quiz)

        @self.tree.error
        async def on_tree_error(
            interaction: discord.Interaction, error: app_commands.AppCommandError
        ) -> None:
            self.errors.append(error)

    async def setup_hook(self) -> None:
        self.add_dynamic_items(AnswerButton)

    async def sync_to(self, guild_id: int) -> list[app_commands.AppCommand]:
        guild = discord.Object(guild_id)
        self.tree.copy_global_to(guild=guild)
        return await self.tree.sync(guild=guild)


def question_view(round_id: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for option in range(4):
        view.add_item(AnswerButton(round_id, option))
    return view


async def test_login_uses_the_token_and_sync_stores_guild_commands(
    fake_discord: FakeDiscord, run_discord_client: Runner
) -> None:
    bot = await run_discord_client(QuizClient(), fake_discord)

    synced = await bot.sync_to(fake_discord.guild.id)

    login = fake_discord.calls_to("GET", "/users/@me") + fake_discord.calls_to(
        "GET", "/oauth2/applications/@me"
    )
    assert [c.auth for c in login] == ["ok", "ok"]
    assert all("Authorization" not in c.headers for c in fake_discord.calls)
    put = await fake_discord.wait_for_call("PUT", "/applications/{app}/guilds/{guild}/commands")
    assert sorted(c["name"] for c in put.json) == ["answer", "ping", "quiz", "reveal"]
    stored = fake_discord.commands[fake_discord.guild.id]
    assert {c.name: c.id for c in synced} == {c["name"]: int(c["id"]) for c in stored}
    assert bot.get_guild(fake_discord.guild.id).get_member(fake_discord.bot.id) is not None
    assert bot.latency < 1.0  # the fake acknowledged the heartbeat (op 11)
    assert fake_discord.identify["token"] == "<redacted>"
    assert fake_discord.identify["intents"] & PRIVILEGED_INTENTS == 0


async def test_privileged_intents_are_refused_unless_the_portal_enables_them(
    fake_discord: FakeDiscord,
) -> None:
    intents = discord.Intents.default()
    intents.message_content = True
    client = discord.Client(intents=intents, guild_ready_timeout=0.1)

    with pytest.raises(discord.PrivilegedIntentsRequired):
        async with running_client(client, fake_discord, timeout=2):
            pass

    assert client.is_closed()


async def test_slash_command_is_answered_ephemerally_within_the_deadline(
    fake_discord: FakeDiscord, run_discord_client: Runner
) -> None:
    bot = await run_discord_client(QuizClient(), fake_discord)
    await bot.sync_to(fake_discord.guild.id)

    handle = await fake_discord.send_slash_command("ping", {}, user=fake_discord.bob)
    callback = await handle.response(timeout=3)

    assert callback.type == CALLBACK_MESSAGE
    assert callback.data["flags"] & EPHEMERAL
    assert callback.content == "pong"
    assert 0 <= callback.latency < 1.0
    assert handle.original["interaction_metadata"]["user"]["id"] == str(fake_discord.bob.id)
    print(f"slash command callback latency: {callback.latency * 1000:.1f} ms")


async def test_click_on_a_message_the_process_never_saw_reaches_the_dynamic_item(
    fake_discord: FakeDiscord, run_discord_client: Runner
) -> None:
    bot = await run_discord_client(QuizClient(), fake_discord)

    handle = await fake_discord.click_button(
        123456789012345678, "quiz:r42:3", user=fake_discord.alice
    )
    callback = await handle.response(timeout=3)

    assert bot.answers == [("r42", 3, fake_discord.alice.id)]
    assert callback.ephemeral and "round r42" in callback.content
    print(f"button click callback latency: {callback.latency * 1000:.1f} ms")


async def test_click_on_a_posted_question_carries_its_buttons(
    fake_discord: FakeDiscord, run_discord_client: Runner
) -> None:
    bot = await run_discord_client(QuizClient(), fake_discord)
    channel = bot.get_channel(fake_discord.channel.id)

    sent = await channel.send("Which activation is max(0, x)?", view=question_view("r7"))
    thread = await sent.create_thread(name="discussion")
    await sent.add_reaction("\N{WHITE HEAVY CHECK MARK}")
    [history] = [m async for m in channel.history(limit=5)]
    handle = await fake_discord.click_button(sent.id, "quiz:r7:2", user=fake_discord.bob)
    await handle.response()

    stored = fake_discord.messages[sent.id]
    assert [b["custom_id"] for b in stored["components"][0]["components"]] == [
        f"quiz:r7:{n}" for n in range(4)
    ]
    assert handle.payload["message"]["id"] == str(sent.id)
    assert thread.id == sent.id and thread.parent_id == channel.id
    assert bot.answers == [("r7", 2, fake_discord.bob.id)]
    assert history.id == sent.id
    assert stored["reactions"][0]["emoji"]["name"] == "\N{WHITE HEAVY CHECK MARK}"
    assert fake_discord.messages_in(channel.id, interaction_responses=False) == [stored]


async def test_subcommand_options_take_their_types_from_the_synced_command(
    fake_discord: FakeDiscord, run_discord_client: Runner
) -> None:
    bot = await run_discord_client(QuizClient(), fake_discord)
    await bot.sync_to(fake_discord.guild.id)

    handle = await fake_discord.send_slash_command(
        "quiz", {"deck": "optimisers", "count": 5}, subcommand="start"
    )
    callback = await handle.response()
    choices = await fake_discord.send_autocomplete(
        "quiz", {"deck": "qu"}, focused="deck", subcommand="start"
    )

    options = handle.payload["data"]["options"]
    assert options[0]["type"] == 1 and options[0]["name"] == "start"
    assert {o["name"]: o["type"] for o in options[0]["options"]} == {"deck": 3, "count": 4}
    assert callback.content == "5 cards from optimisers" and not callback.ephemeral
    assert choices == [{"name": "open-questions", "value": "open-questions"}]
    assert fake_discord.interactions[-1].callbacks[0].type == CALLBACK_AUTOCOMPLETE


async def test_deferred_reveal_edits_the_original_and_sends_a_followup(
    fake_discord: FakeDiscord, run_discord_client: Runner
) -> None:
    bot = await run_discord_client(QuizClient(), fake_discord)
    await bot.sync_to(fake_discord.guild.id)

    handle = await fake_discord.send_slash_command(
        "reveal", {}, user=fake_discord.admin, permissions=ADMIN_PERMISSIONS
    )
    callback = await handle.response()
    edit = await handle.edit()
    followup = await handle.followup()

    assert callback.type == CALLBACK_DEFERRED_MESSAGE
    assert edit["content"] == "the answer is ReLU"
    assert handle.original["content"] == "the answer is ReLU"
    assert handle.original["flags"] & 128 == 0  # no longer "thinking"
    assert followup["content"] == "leaderboard: alice 1"
    assert followup["flags"] & EPHEMERAL


async def test_open_question_answer_goes_through_a_modal(
    fake_discord: FakeDiscord, run_discord_client: Runner
) -> None:
    bot = await run_discord_client(QuizClient(), fake_discord)
    await bot.sync_to(fake_discord.guild.id)

    opened = await fake_discord.send_slash_command("answer", {})
    submit = await fake_discord.submit_modal(opened, {"open-answer": "It rescales gradients"})
    callback = await submit.response()

    assert callback.content == "saved: It rescales gradients" and callback.ephemeral


async def test_a_429_then_success_is_retried_and_delivered_once(
    fake_discord: FakeDiscord, run_discord_client: Runner
) -> None:
    bot = await run_discord_client(QuizClient(), fake_discord)
    channel = bot.get_channel(fake_discord.channel.id)
    fake_discord.fail_next("POST", "/channels/{id}/messages", status=429, retry_after=0.05)

    message = await channel.send("Daily question: what does dropout do?")

    attempts = fake_discord.calls_to("POST", f"/channels/{channel.id}/messages")
    assert [c.status for c in attempts] == [429, 200]
    assert [m["id"] for m in fake_discord.messages_in(channel.id)] == [str(message.id)]
    assert fake_discord.stats.rate_limited == 1
    assert fake_discord.stats.messages_created == 1


async def test_a_502_is_retried_by_discord_py(
    fake_discord: FakeDiscord, run_discord_client: Runner
) -> None:
    bot = await run_discord_client(QuizClient(), fake_discord)
    channel = bot.get_channel(fake_discord.channel.id)
    fake_discord.fail_next("POST", "/channels/{id}/messages", status=502)

    await channel.send("Daily question")  # discord.py sleeps 1 s before the retry

    assert [c.status for c in fake_discord.calls_to("POST", "/channels/{id}/messages")] == [
        502,
        200,
    ]
    assert fake_discord.stats.server_errors == 1


async def test_lost_response_retry_is_deduplicated_by_nonce(
    fake_discord: FakeDiscord, run_discord_client: Runner
) -> None:
    bot = await run_discord_client(QuizClient(), fake_discord)
    channel = bot.get_channel(fake_discord.channel.id)
    fake_discord.fail_next("POST", "/channels/{id}/messages", status=500, after_processing=True)

    message = await channel.send("Daily question")  # discord.py sleeps 1 s before the retry

    assert [m["id"] for m in fake_discord.messages_in(channel.id)] == [str(message.id)]
    assert fake_discord.stats.lost_responses == 1 and fake_discord.stats.deduplicated == 1


async def test_rate_limited_interaction_callback_is_retried(
    fake_discord: FakeDiscord, run_discord_client: Runner
) -> None:
    await run_discord_client(QuizClient(), fake_discord)
    fake_discord.fail_next("POST", "/interactions/{id}/{token}/callback", retry_after=0.05)

    handle = await fake_discord.send_slash_command("ping", {})
    callback = await handle.response()

    assert callback.content == "pong" and 0.05 <= callback.latency < 1.0
    statuses = [c.status for c in fake_discord.calls_to("POST", "/interactions/{i}/{t}/callback")]
    assert statuses == [429, 200]


async def test_global_limit_answers_429s_that_discord_py_waits_out(
    fake_discord_factory: Factory, run_discord_client: Runner
) -> None:
    # 4 per 0.2 s window: 16 posts must wait for three more windows.
    fake = await fake_discord_factory(global_limit=20.0, global_window=0.2)
    channel_ids = [fake.add_channel(f"quiz-{n}").id for n in range(2)]
    bot = await run_discord_client(QuizClient(), fake)
    contents = [f"card {n} in {cid}" for n in range(8) for cid in channel_ids]

    await asyncio.gather(
        *(bot.get_channel(int(text.rsplit(" ", 1)[1])).send(text) for text in contents)
    )

    delivered = sorted(m["content"] for m in fake.messages.values())
    assert delivered == sorted(contents)  # each exactly once
    global_429s = [c for c in fake.calls if c.fault == "global-429"]
    assert global_429s and all(c.response["global"] for c in global_429s)
    assert fake.stats.rate_limited == len(global_429s)
    assert fake.stats.messages_created == len(contents)


async def test_seeded_faults_are_survived_and_counted(
    fake_discord: FakeDiscord, run_discord_client: Runner
) -> None:
    bot = await run_discord_client(QuizClient(), fake_discord)
    channel = bot.get_channel(fake_discord.channel.id)
    fake_discord.inject_faults(
        Faults(seed=7, rate_limited=0.3, slow=0.3, retry_after=0.02, delay=(0.01, 0.03))
    )

    for n in range(10):
        await channel.send(f"card {n}")

    assert [m["content"] for m in fake_discord.messages_in(channel.id)] == [
        f"card {n}" for n in range(10)
    ]
    assert fake_discord.stats.rate_limited > 0 and fake_discord.stats.delayed > 0
    assert fake_discord.stats.delivered - 2 == 10  # two login calls, then one per card


async def test_route_bucket_headers_make_discord_py_pace_itself(
    fake_discord_factory: Factory, run_discord_client: Runner
) -> None:
    route = "POST /channels/{channel_id}/messages"
    fake = await fake_discord_factory(route_limits={route: (3, 0.3)})
    bot = await run_discord_client(QuizClient(), fake)
    channel = bot.get_channel(fake.channel.id)

    await asyncio.gather(*(channel.send(f"card {n}") for n in range(6)))

    posts = fake.calls_to("POST", "/channels/{id}/messages")
    assert len(fake.messages_in(channel.id)) == 6
    # The client read X-RateLimit-Remaining: 0 and waited for the reset instead of hitting 429.
    assert [c.status for c in posts] == [200] * 6
    assert posts[3].at - posts[0].at >= 0.25


async def test_late_callback_is_rejected_like_discord(
    fake_discord_factory: Factory, run_discord_client: Runner
) -> None:
    fake = await fake_discord_factory(interaction_deadline=0.1)
    bot = await run_discord_client(QuizClient(slow_ping=0.2), fake)

    handle = await fake.send_slash_command("ping", {})
    with pytest.raises(CallbackRejected, match=r"type 4 -> 404"):
        await handle.response(timeout=1)

    assert [c.status for c in handle.rejected_callbacks] == [404]
    for _ in range(100):  # the tree's error handler runs right after the failed callback
        if bot.errors:
            break
        await asyncio.sleep(0.01)
    error = bot.errors[0]
    assert isinstance(error, app_commands.CommandInvokeError)
    assert isinstance(error.original, discord.NotFound) and error.original.code == 10062


async def test_unknown_routes_are_recorded_and_answered_404(
    fake_discord: FakeDiscord, run_discord_client: Runner
) -> None:
    bot = await run_discord_client(QuizClient(), fake_discord)

    with pytest.raises(discord.NotFound):
        await bot.fetch_guild_preview(fake_discord.guild.id)

    assert [c.path for c in fake_discord.unknown_calls] == [
        f"/guilds/{fake_discord.guild.id}/preview"
    ]


async def test_wrong_token_fails_login(fake_discord: FakeDiscord) -> None:
    client = QuizClient()
    try:
        with pytest.raises(discord.LoginFailure):
            await client.login("not-the-token")
    finally:
        await client.close()
    assert fake_discord.calls[0].auth == "bad"


async def test_gateway_drop_is_resumed_and_buffered_events_delivered(
    fake_discord: FakeDiscord, run_discord_client: Runner
) -> None:
    bot = await run_discord_client(QuizClient(), fake_discord)
    await bot.sync_to(fake_discord.guild.id)

    await fake_discord.disconnect_gateway(code=4000)
    handle = await fake_discord.send_slash_command("ping", {})
    callback = await handle.response(timeout=3)

    assert callback.content == "pong"
    assert any(f["op"] == 6 for f in fake_discord.gateway_received)  # RESUME


@pytest.mark.filterwarnings("error")
async def test_shutdown_leaves_no_tasks_or_sockets() -> None:
    async with FakeDiscord() as fake, point_discord_at(fake):
        bot = QuizClient()
        async with running_client(bot, fake):
            handle = await fake.send_slash_command("ping", {})
            await handle.response()
        assert bot.is_closed()
    assert discord.http.Route.BASE == "https://discord.com/api/v10"
    await asyncio.sleep(0)
    leftovers = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert leftovers == []
