"""Every test that builds a `World` runs on both backends: the SQLite file it names, and a
PostgreSQL database standing for that file (tests/pgserver.py)."""

from __future__ import annotations

from pathlib import Path

import dailykit
import pytest

from tests.pgserver import BACKENDS


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if hasattr(metafunc.module, "World") and not metafunc.definition.get_closest_marker(
        "sqlite_only"
    ):
        metafunc.parametrize("world_backend", BACKENDS, indirect=True)


@pytest.fixture
def world_backend(request: pytest.FixtureRequest) -> str:
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture(autouse=True)
def _world_database(world_backend: str, request: pytest.FixtureRequest, monkeypatch) -> None:
    if world_backend != "postgresql":
        return
    server = request.getfixturevalue("pg_server")
    urls: dict[Path, str] = {}

    def database_for(path: Path) -> str:
        if path not in urls:
            urls[path] = server.database()
        return urls[path]

    monkeypatch.setattr(dailykit, "database_for", database_for)
