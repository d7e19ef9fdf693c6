"""The Slack adapter fixtures: a running quizbot on the fake Slack, HTTP mode by default."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slackkit import Quizbot, running_quizbot


@pytest.fixture
async def quizbot(tmp_path) -> AsyncIterator[Quizbot]:
    async with running_quizbot(tmp_path) as bot:
        yield bot
