"""A real PostgreSQL server for the tests: started once per test session on 127.0.0.1 (a free
port, a throw-away data folder), only when a test asks for it; each test gets a database of
its own, copied from a template that has the schema already.

The server binaries come from the machine (Debian's `postgresql` package: `.ci/run` installs
it when missing). When none can be started the tests that need one FAIL with the reason;
they are never skipped. `QUIZBOT_TEST_PG_BIN` names another folder holding initdb/pg_ctl.
"""

from __future__ import annotations

import asyncio
import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

INSTALL_HINT = (
    "Install the server (Debian/Ubuntu: `apt-get install -y postgresql`; `.ci/run` does it), "
    "or set QUIZBOT_TEST_PG_BIN to a folder holding initdb and pg_ctl."
)


def server_binaries() -> Path:
    named = os.environ.get("QUIZBOT_TEST_PG_BIN")
    if named:  # a folder named on purpose is the one used, or a clear failure
        if (Path(named) / "initdb").exists() and (Path(named) / "pg_ctl").exists():
            return Path(named)
        pytest.fail(f"QUIZBOT_TEST_PG_BIN={named} holds no initdb and pg_ctl. {INSTALL_HINT}")
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    found = shutil.which("pg_ctl")
    if found:
        candidates.append(str(Path(found).parent))
    for folder in candidates:
        if folder and (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    pytest.fail(f"No PostgreSQL server binaries (initdb, pg_ctl) found. {INSTALL_HINT}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PgServer:
    """One running server; `database()` makes a fresh database and returns its URL."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.folder = Path(tempfile.mkdtemp(prefix="quizbot-pg-"))
        self.port = _free_port()
        self.base = f"postgresql://postgres@127.0.0.1:{self.port}"
        self._names = itertools.count(1)
        self._template: str | None = None
        # initdb and the server refuse to run as root: run them as the `postgres` user there.
        self._as: list[str] = []
        if os.geteuid() == 0:
            if shutil.which("runuser") is None:
                pytest.fail("Running as root without `runuser` to start PostgreSQL as postgres.")
            self._as = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.folder, user="postgres")

    def _run(self, *args: str) -> None:
        done = subprocess.run(
            [*self._as, *args], capture_output=True, text=True, timeout=120, check=False
        )
        if done.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            pytest.fail(
                f"Could not start PostgreSQL for the tests: `{' '.join(args)}` exited "
                f"{done.returncode}:\n{done.stdout}{done.stderr}{tail}\n{INSTALL_HINT}"
            )

    def start(self, *, durable: bool = False) -> None:
        """`durable`: the server's own defaults (fsync, synchronous commit), for benchmarks;
        otherwise throw-away settings for fast tests."""
        data = self.folder / "data"
        self._run(
            str(self.bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
            "--encoding=UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        # Throw-away data: no fsync; enough connections for several processes per test.
        options = f"-h 127.0.0.1 -p {self.port} -k {self.folder} -c max_connections=200"
        if not durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(
            str(self.bindir / "pg_ctl"), "-D", str(data), "-o", options,
            "-l", str(self.folder / "server.log"), "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop(self) -> None:
        subprocess.run(
            [*self._as, str(self.bindir / "pg_ctl"), "-D", str(self.folder / "data"),
             "-m", "immediate", "-w", "stop"],
            capture_output=True, timeout=60, check=False,
        )  # fmt: skip
        shutil.rmtree(self.folder, ignore_errors=True)

    def _admin(self, sql: str) -> None:
        with psycopg.connect(f"{self.base}/postgres", autocommit=True) as conn:
            conn.execute(sql)

    def database(self, *, migrated: bool = True) -> str:
        """A new database: with the current schema already (copied from a template migrated
        once per session), or empty."""
        name = f"quiz_{next(self._names)}"
        template = self._migrated_template() if migrated else "template0"
        self._admin(f"CREATE DATABASE {name} TEMPLATE {template}")
        return f"{self.base}/{name}"

    def _migrated_template(self) -> str:
        if self._template is None:
            from bot.store.postgres import PgStore

            self._admin("CREATE DATABASE quiz_template TEMPLATE template0")

            async def migrate() -> None:
                store = await PgStore.open(f"{self.base}/quiz_template")
                await store.close()

            # On a thread of its own: the first test to ask may be running an event loop.
            worker = threading.Thread(target=asyncio.run, args=(migrate(),))
            worker.start()
            worker.join()
            self._template = "quiz_template"
        return self._template


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    server = PgServer(server_binaries())
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """A fresh, migrated PostgreSQL database for this test."""
    return pg_server.database()


@pytest.fixture
def pg_empty_url(pg_server: PgServer) -> str:
    """A fresh PostgreSQL database with no tables at all."""
    return pg_server.database(migrated=False)


BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_target(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str | Path:
    """Where the test's database lives: a SQLite file in tmp_path, or a fresh PostgreSQL
    database; pass it to `Store.open`."""
    if backend == "sqlite":
        return tmp_path / "quiz.db"
    return str(request.getfixturevalue("pg_url"))
