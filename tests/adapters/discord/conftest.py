"""The Discord adapter fixtures: quizbot running on the fake Discord with the shipped decks."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from discordkit import Quizbot, running_quizbot

from tests.fakes.discord_server import FakeDiscord


@pytest.fixture
async def quizbot(fake_discord: FakeDiscord, tmp_path) -> AsyncIterator[Quizbot]:
    async with running_quizbot(fake_discord, tmp_path / "quiz.db") as bot:
        yield bot
