"""The deploy files stay true to the code: commands exist, variables match, hardening is on."""

from __future__ import annotations

import configparser
import json
import re
from pathlib import Path

import yaml

from adapters.registry import variables
from bot.cli import HANDLERS, build_parser

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
VARIABLES = variables()  # the neutral settings' and every platform's


def exec_form(line: str) -> list[str]:
    return json.loads(line[line.index("[") :])


def test_dockerfile_commands_exist_in_the_cli():
    text = (DEPLOY / "Dockerfile").read_text()
    cmd = exec_form(re.search(r"^CMD (.+)$", text, re.M).group(1))
    check = exec_form(re.search(r"^\s+CMD (\[.+\])$", text, re.M).group(1))
    for argv in (cmd, check):
        assert argv[0] == "quizbot"
        build_parser().parse_args(argv[1:])
        assert " ".join(argv[1:]) in HANDLERS


def test_dockerfile_runs_as_non_root_with_a_data_volume_and_pinned_install():
    text = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.\d+-slim", text, re.M)
    user = re.search(r"^USER (\S+)", text, re.M).group(1)
    assert user not in ("root", "0")
    assert 'VOLUME ["/data"]' in text
    assert "-c constraints.txt" in text
    assert "QUIZBOT_DB=/data/" in text
    for copied in re.findall(r"^COPY (\S+)", text, re.M):
        assert (ROOT / copied).exists(), copied


def test_compose_uses_the_image_env_file_volume_and_restart_policy():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    service = compose["services"]["quizbot"]
    assert service["build"]["dockerfile"] == "deploy/Dockerfile"
    assert service["env_file"]
    assert any(v.endswith(":/data") for v in service["volumes"])
    assert service["restart"] in ("unless-stopped", "always", "on-failure")
    assert set(service.get("environment", {})) <= set(VARIABLES)


def test_env_example_names_exactly_the_variables_the_configuration_reads():
    text = (DEPLOY / ".env.example").read_text()
    names = re.findall(r"^([A-Z_]+)=", text, re.M)
    assert sorted(names) == sorted(VARIABLES)
    assert all(re.search(rf"^{n}=$", text, re.M) for n in names), "no value may be filled in"


def test_readme_documents_every_variable():
    readme = (ROOT / "README.md").read_text()
    for name in VARIABLES:
        assert f"`{name}`" in readme, name


def test_systemd_unit_restarts_on_failure_and_is_hardened():
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read_string((DEPLOY / "quizbot.service").read_text())
    service = unit["Service"]
    assert service["Restart"] == "on-failure"
    assert service["User"] not in ("root", "0")
    assert service["EnvironmentFile"]
    assert service["ExecStart"].split()[1:] == ["run"]
    for option in ("NoNewPrivileges", "ProtectHome", "PrivateTmp"):
        assert service[option] == "yes", option
    assert service["ProtectSystem"] in ("strict", "full")


def test_compose_offers_postgresql_under_a_profile_and_keeps_sqlite_the_default():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    postgres = compose["services"]["postgres"]
    assert postgres["profiles"] == ["postgres"]  # not started without --profile postgres
    assert postgres["image"].startswith("postgres:")
    assert "POSTGRES_PASSWORD" in postgres["environment"]
    assert any(v.endswith(":/var/lib/postgresql/data") for v in postgres["volumes"])
    default = compose["services"]["quizbot"]["environment"]["QUIZBOT_DB"]
    assert default.endswith(":-/data/quizbot.db}")  # a SQLite file unless QUIZBOT_DB is set
