import io
import json
import logging

import pytest

from adapters.discord import DiscordSettings
from adapters.registry import load_settings
from adapters.slack import SlackSettings
from bot.config import ConfigError
from bot.logs import setup_logging


def test_environment_starts_the_adapters_it_names(tmp_path):
    settings = load_settings(
        {
            "DISCORD_TOKEN": "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDe.abcdefghijklmnopqrstuvwxyz0123",
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_APP_TOKEN": "xapp-1",
        },
        db=str(tmp_path / "q.db"),
    )
    discord, slack = settings.section(DiscordSettings), settings.section(SlackSettings)
    assert discord.enabled and slack.enabled and slack.socket_mode
    assert settings.db == tmp_path / "q.db"


def test_tokens_never_show_in_repr():
    settings = load_settings({"DISCORD_TOKEN": "supersecret.tokenvalue.abcdefgh"})
    assert "supersecret" not in repr(settings)
    assert "supersecret" not in str(settings.section(DiscordSettings).token)
    assert settings.secrets() == ["supersecret.tokenvalue.abcdefgh"]


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"QUIZBOT_HTTP_PORT": "http"}, "QUIZBOT_HTTP_PORT='http'"),
        ({"QUIZBOT_HTTP_PORT": "70000"}, "between 1 and 65535"),
        ({"QUIZBOT_LOG_LEVEL": "loud"}, "QUIZBOT_LOG_LEVEL='LOUD'"),
        ({"QUIZBOT_LOG_FORMAT": "xml"}, "QUIZBOT_LOG_FORMAT='xml'"),
        ({"DISCORD_API_BASE": "discord.local"}, "DISCORD_API_BASE='discord.local'"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-2"}, "token 'xapp-...'"),
        ({"DISCORD_GUILD_ID": "my-server"}, "DISCORD_GUILD_ID='my-server'"),
        # Token shapes: "checked at start", as the README says, and never echoed.
        ({"SLACK_BOT_TOKEN": "wrong", "SLACK_APP_TOKEN": "xapp-1"}, "SLACK_BOT_TOKEN does not"),
        ({"SLACK_BOT_TOKEN": "xoxp-123-456", "SLACK_APP_TOKEN": "xapp-1"}, "'xoxb-...'"),
        ({"SLACK_BOT_TOKEN": "xapp-1-A0-1-ab", "SLACK_APP_TOKEN": "xapp-1"}, "'xoxb-...'"),
        ({"SLACK_BOT_TOKEN": '"xoxb-1"', "SLACK_APP_TOKEN": "xapp-1"}, "wrapped in quotes"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "xoxb-2"}, "holds a token"),
        ({"DISCORD_TOKEN": "wrong"}, "DISCORD_TOKEN does not look like a bot token"),
        ({"DISCORD_TOKEN": "Bot MTIzNDU2.GabcDe.abcdefgh"}, "nothing such as 'Bot '"),
        ({"DISCORD_TOKEN": "0123456789abcdef0123456789abcdef"}, "not the client secret"),
        ({"QUIZBOT_SEEDS": "/nonexistent/folder"}, "QUIZBOT_SEEDS /nonexistent/folder: no such"),
        ({"QUIZBOT_DB": "/dev/null"}, "QUIZBOT_DB /dev/null: not a regular file"),
    ],
)
def test_bad_values_are_refused_with_their_name(env, named):
    with pytest.raises(ConfigError) as error:
        load_settings(env)
    assert named in str(error.value)
    for name, value in env.items():
        if "TOKEN" in name and len(value) > 4:
            assert value not in str(error.value)  # a wrong token may still be a real secret


def test_toml_file_is_read_and_environment_wins(tmp_path):
    path = tmp_path / "quizbot.toml"
    path.write_text('quizbot_http_port = 8080\nquizbot_log_level = "debug"\n')
    settings = load_settings({"QUIZBOT_CONFIG": str(path), "QUIZBOT_LOG_LEVEL": "WARNING"})
    assert settings.section(SlackSettings).http_port == 8080
    assert settings.log_level == "WARNING"


def test_toml_file_with_unknown_key_names_it(tmp_path):
    path = tmp_path / "quizbot.toml"
    path.write_text("discord_tokn = 'x'\n")
    with pytest.raises(ConfigError, match="unknown setting 'discord_tokn'"):
        load_settings({"QUIZBOT_CONFIG": str(path)})


def test_broken_toml_is_a_clear_error(tmp_path):
    path = tmp_path / "quizbot.toml"
    path.write_text("quizbot_http_port = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings({"QUIZBOT_CONFIG": str(path)})


def test_logs_never_contain_tokens_even_in_tracebacks():
    stream = io.StringIO()
    token = "MTIzNDU2Nzg5.secret.token"
    handler = setup_logging("DEBUG", "json", [token], stream=stream)
    try:
        log = logging.getLogger("quizbot.test")
        log.info("connecting with %s", token)
        try:
            raise RuntimeError(f"401 for Bot {token}")
        except RuntimeError:
            log.exception("login failed")
    finally:
        logging.getLogger().removeHandler(handler)
    text = stream.getvalue()
    assert token not in text
    lines = [json.loads(line) for line in text.splitlines()]
    assert lines[0]["message"] == "connecting with ***"
    assert "401 for Bot ***" in lines[1]["error"]


def test_fsrs_parameters_fitted_elsewhere_are_read_and_checked(tmp_path):
    from fsrs import Card, Rating
    from fsrs.scheduler import DEFAULT_PARAMETERS

    from bot.engine import memory

    fitted = list(DEFAULT_PARAMETERS)
    fitted[2] = 6.5  # a Good first answer remembered longer than by default
    text = ", ".join(str(x) for x in fitted)
    settings = load_settings({"QUIZBOT_FSRS_PARAMETERS": text}, db=str(tmp_path / "q.db"))
    assert settings.fsrs_parameters == tuple(fitted)
    # FSRS-5's 19 numbers are FSRS-6 with its two additions neutral.
    five = load_settings({"QUIZBOT_FSRS_PARAMETERS": text.rsplit(",", 2)[0]})
    assert five.fsrs_parameters == (*fitted[:19], 0.0, 0.5)
    toml = tmp_path / "q.toml"
    toml.write_text(f"quizbot_fsrs_parameters = {fitted!r}\n")
    assert load_settings({"QUIZBOT_CONFIG": str(toml)}).fsrs_parameters == tuple(fitted)
    assert load_settings({}).fsrs_parameters is None

    first = Card(card_id=0, due=memory._ORIGIN)
    try:
        memory.use_parameters(settings.fsrs_parameters)
        card, _ = memory.review(None, Rating.Good, memory._ORIGIN)
        assert card.stability == 6.5
        assert card.due == memory.SCHEDULER.review_card(first, Rating.Good, memory._ORIGIN)[0].due
    finally:
        memory.use_parameters(None)
    assert memory.review(None, Rating.Good, memory._ORIGIN)[0].stability == DEFAULT_PARAMETERS[2]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("0.2, 1.2", "has 2 numbers; FSRS needs 21"),
        ("0.2, one, 2.3", "is not a list of numbers"),
        (",".join(["100"] * 21), "parameters[4] = 100.0 is out of bounds"),
    ],
)
def test_bad_fsrs_parameters_say_what_is_wrong(text, says):
    with pytest.raises(ConfigError) as raised:
        load_settings({"QUIZBOT_FSRS_PARAMETERS": text})
    assert says in str(raised.value)
    assert "QUIZBOT_FSRS_PARAMETERS" in str(raised.value)
    assert "\n" not in str(raised.value)
