"""DISCORD_SHARD_COUNT / DISCORD_SHARD_IDS: which shards a process runs, which servers' daily
schedules are its own, and a clear message for every wrong value."""

from __future__ import annotations

import pytest

from adapters.discord.platform import DiscordSettings
from adapters.registry import load_settings
from bot.config import ConfigError

TOKEN = "ZmFrZS1ib3Q.ZmFrZQ.fake-bot-token-signature"


def discord(**env: str) -> DiscordSettings:
    return load_settings({"DISCORD_TOKEN": TOKEN, **env}).section(DiscordSettings)


def test_without_shard_settings_one_connection_owns_every_server():
    settings = discord()
    assert settings.shard_count is None and settings.shard_ids is None
    assert settings.owns_server(1 << 22) and settings.owns_server(7 << 22)


def test_a_process_owns_the_servers_of_its_shards_only():
    settings = discord(DISCORD_SHARD_COUNT="4", DISCORD_SHARD_IDS="0, 2-3")
    assert settings.shard_ids == (0, 2, 3)
    # Discord routes a server to shard (server_id >> 22) % shard_count.
    owned = {n: settings.owns_server((1000 + n) << 22) for n in range(4)}
    assert owned == {n: (1000 + n) % 4 in (0, 2, 3) for n in range(4)}


def test_a_count_without_ids_runs_every_shard():
    settings = discord(DISCORD_SHARD_COUNT="2")
    assert settings.shard_ids is None
    assert settings.owns_server(4 << 22) and settings.owns_server(5 << 22)


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"DISCORD_SHARD_IDS": "0,1"}, "needs DISCORD_SHARD_COUNT"),
        ({"DISCORD_SHARD_COUNT": "0"}, "DISCORD_SHARD_COUNT='0' must be between 1 and"),
        ({"DISCORD_SHARD_COUNT": "two"}, "DISCORD_SHARD_COUNT='two' is not a whole number"),
        ({"DISCORD_SHARD_COUNT": "4", "DISCORD_SHARD_IDS": "4"}, "run from 0 to 3"),
        ({"DISCORD_SHARD_COUNT": "4", "DISCORD_SHARD_IDS": "3-1"}, "run from 0 to 3"),
        ({"DISCORD_SHARD_COUNT": "4", "DISCORD_SHARD_IDS": "0,x"}, "'x' is not a shard number"),
        ({"DISCORD_SHARD_COUNT": "4", "DISCORD_SHARD_IDS": "0,0-1"}, "names a shard twice"),
    ],
)
def test_wrong_shard_settings_say_what_and_how_to_fix(env, says):
    with pytest.raises(ConfigError) as error:
        discord(**env)
    assert says in str(error.value)
