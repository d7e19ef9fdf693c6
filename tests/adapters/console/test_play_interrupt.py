"""Ctrl-C in `quizbot play` at a real terminal (a pseudo-terminal): one press ends the game
with the final score and exit code 130, without a traceback, also under `make play`."""

from __future__ import annotations

import os
import pty
import select
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
PROMPT = b"Your answer"


def at_a_terminal(argv: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run `argv` on a pseudo-terminal, press Ctrl-C at the first answer prompt; (exit code,
    everything the terminal showed). Exit codes of signal deaths are negative."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: becomes argv, with the terminal as stdin/stdout/stderr
        os.chdir(REPO)
        os.execvpe(argv[0], argv, env)
    shown = b""
    pressed = False
    deadline = time.monotonic() + 90  # a cold start imports the decks; bounded anyway
    status = None
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:  # the terminal closed: every process on it ended
                    chunk = b""
                shown += chunk
                if not pressed and PROMPT in shown:
                    os.write(fd, b"\x03")  # Ctrl-C, as typed
                    pressed = True
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
        else:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            raise AssertionError(f"still running after Ctrl-C:\n{shown.decode(errors='replace')}")
    finally:
        os.close(fd)
    assert pressed, shown.decode(errors="replace")
    return os.waitstatus_to_exitcode(status), shown.decode(errors="replace")


def game_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
    env.update(QUIZBOT_DB=str(tmp_path / "q.db"), COLUMNS="100", TERM="dumb", **extra)
    return env


def test_one_ctrl_c_ends_the_game_with_its_score(tmp_path):
    argv = [sys.executable, "-m", "bot.cli", "play", "--count", "3", "--seed", "1"]
    code, shown = at_a_terminal(argv, game_env(tmp_path, PYTHONPATH=str(REPO)))
    assert code == 130, shown
    assert "Final score: 0 after 0 questions" in shown
    assert "Traceback" not in shown and "KeyboardInterrupt" not in shown


def test_ctrl_c_under_make_play_is_quiet(tmp_path):
    argv = ["make", "--no-print-directory", "play", "ARGS=--count 3 --seed 1"]
    code, shown = at_a_terminal(argv, game_env(tmp_path))
    assert "Final score: 0 after 0 questions" in shown
    assert "make: ***" not in shown and "Error 130" not in shown, shown
    # make ends itself by the same SIGINT, as programs stopped by Ctrl-C should.
    assert code in (130, -2), shown
