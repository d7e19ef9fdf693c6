"""`make play` on a fresh machine, with a stand-in Python so nothing is downloaded: each slow
step says what it does before it starts, and too old a Python is named before anything runs."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# Stands in for python3: logs every call; "-c" is the version check, "-m venv DIR" makes a
# venv whose python is this script and whose quizbot only says how it was called.
FAKE_PYTHON = """#!/bin/sh
echo "python $*" >> "$FAKE_LOG"
case "$1" in
  -c) exit "${FAKE_TOO_OLD:-0}" ;;
  --version) echo "Python 3.10.12" ;;
  -m) if [ "$2" = venv ]; then
        mkdir -p "$3/bin" && cp "$0" "$3/bin/python"
        printf '#!/bin/sh\\necho "quizbot $*" >> "$FAKE_LOG"\\n' > "$3/bin/quizbot"
        chmod +x "$3/bin/quizbot"
      fi ;;
esac
"""


def make_play(tmp_path: Path, **env: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    python = tmp_path / "python3"
    python.write_text(FAKE_PYTHON)
    python.chmod(0o755)
    log = tmp_path / "calls.log"
    run = subprocess.run(
        ["make", "--no-print-directory", "-C", str(REPO), "play",
         f"PYTHON={python}", f"VENV={tmp_path / 'venv'}", "ARGS=--count 1"],
        capture_output=True, text=True, timeout=60,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("MAKE")},
             "FAKE_LOG": str(log), **env},
    )  # fmt: skip
    return run, log.read_text().splitlines() if log.exists() else []


def test_make_play_says_what_it_installs_before_it_starts(tmp_path):
    run, calls = make_play(tmp_path)
    assert run.returncode == 0, run.stderr
    said = run.stdout.splitlines()
    assert said[0] == f"Creating a virtual environment in {tmp_path / 'venv'} (first run only)..."
    assert said[1].startswith(f"Installing quizbot and its libraries into {tmp_path / 'venv'}")
    assert "about a minute" in said[1]
    assert [c.split()[:3] for c in calls[1:]] == [
        ["python", "-m", "venv"],
        ["python", "-m", "pip"],
        ["quizbot", "play", "--count"],
    ]
    again, calls = make_play(tmp_path)  # installed: straight to the game, nothing said
    assert again.stdout == "" and calls[-1] == "quizbot play --count 1"


def test_make_play_with_too_old_a_python_says_so_first(tmp_path):
    run, calls = make_play(tmp_path, FAKE_TOO_OLD="1")
    assert run.returncode != 0
    assert "quizbot needs Python 3.11 or newer" in run.stdout + run.stderr
    assert "is Python 3.10.12" in run.stdout + run.stderr
    assert not (tmp_path / "venv").exists()
    assert all("venv" not in c for c in calls)


def test_every_make_command_the_readme_names_exists():
    readme = (REPO / "README.md").read_text()
    makefile = (REPO / "Makefile").read_text()
    named = set(re.findall(r"(?:^|`|BENCH_QUICK=1 )make ([a-z]+)\b", readme, re.M))
    assert {"play", "leaderboard", "test"} <= named
    for target in named:
        assert re.search(rf"^{target}:", makefile, re.M), f"README names `make {target}`"
