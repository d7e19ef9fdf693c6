"""Library noise is kept out of quizbot's log at INFO and shown as DEBUG when asked for."""

from __future__ import annotations

import io
import logging

import pytest

from adapters.registry import PLATFORMS
from bot.logs import setup_logging

NOISE = [rule for platform in PLATFORMS for rule in platform.log_noise]


@pytest.fixture
def log_at():
    saved = logging.getLogger().handlers[:], logging.getLogger().level

    def setup(level: str) -> io.StringIO:
        out = io.StringIO()
        setup_logging(level, "plain", ["xoxb-secret-token"], stream=out, noise=NOISE)
        return out

    yield setup
    root = logging.getLogger()
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


@pytest.mark.parametrize(
    ("logger", "level", "message"),
    [
        ("discord.client", logging.WARNING, "PyNaCl is not installed, voice will NOT be supported"),
        ("discord.client", logging.WARNING, "davey is not installed, voice will NOT be supported"),
        ("adapters.slack.app.bolt", logging.WARNING,
         "As you gave `client` as well, `token` will be unused."),
        ("adapters.slack.socket.sdk", logging.INFO, "A new session (s_1) has been established"),
        ("slack_sdk.web.async_base_client", logging.INFO,
         "A retry handler found: AsyncConnectionErrorRetryHandler for POST ..."),
    ],
)  # fmt: skip
def test_library_noise_is_hidden_at_info_and_debug_only_at_debug(log_at, logger, level, message):
    out = log_at("INFO")
    logging.getLogger(logger).log(level, message)
    logging.getLogger("adapters.run").info("loaded 234 cards")
    assert out.getvalue().count("\n") == 1 and message not in out.getvalue()
    out = log_at("DEBUG")
    logging.getLogger(logger).log(level, message)
    assert f"DEBUG {logger}: {message}" in out.getvalue()


def test_a_discord_reconnect_is_one_line_with_its_reason_and_delay(log_at):
    out = log_at("INFO")
    try:
        raise ConnectionResetError("Cannot connect to host gateway.discord.gg:443")
    except ConnectionResetError:
        logging.getLogger("discord.client").exception("Attempting a reconnect in %.2fs", 4.31)
    assert out.getvalue().splitlines() == [
        out.getvalue().split(" WARNING ")[0] + " WARNING discord.client: Discord gateway: "
        "connection failed (ConnectionResetError: Cannot connect to host "
        "gateway.discord.gg:443); reconnecting in 4 s"
    ]
    out = log_at("DEBUG")
    try:
        raise ConnectionResetError("reset")
    except ConnectionResetError:
        logging.getLogger("discord.client").exception("Attempting a reconnect in %.2fs", 1.0)
    assert "Traceback" in out.getvalue()


def test_real_warnings_of_the_same_loggers_still_show(log_at):
    out = log_at("INFO")
    logging.getLogger("adapters.slack.socket.sdk").error("Failed to retrieve WSS URL: invalid_auth")
    logging.getLogger("discord.client").warning("Shard is rate limited")
    assert "invalid_auth" in out.getvalue() and "rate limited" in out.getvalue()


def test_tokens_issued_after_start_are_blanked_by_their_shape():
    """A workspace installing the app gets a bot token that slack_sdk logs (in the
    oauth.v2.access answer, at DEBUG) before quizbot knows it: blanked by its shape."""
    shapes = [shape for platform in PLATFORMS for shape in platform.secret_shapes]
    saved = logging.getLogger().handlers[:], logging.getLogger().level
    out = io.StringIO()
    try:
        setup_logging("DEBUG", "plain", [], stream=out, noise=NOISE, shapes=shapes)
        logging.getLogger("slack_sdk.web.async_base_client").debug(
            "Received the following response - body: {'ok': True, 'access_token': "
            "'xoxb-T0SECOND-0123abcd4567ef', 'team': {'id': 'T0SECOND'}}"
        )
    finally:
        root = logging.getLogger()
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    text = out.getvalue()
    assert "'access_token': '***'" in text and "0123abcd4567ef" not in text
    assert "T0SECOND'}" in text  # only the token goes
