"""The deployment files name only settings and commands that exist: a renamed setting
or command fails here, not in a container at a site."""

from __future__ import annotations

import re
import subprocess
import sys

from config import Settings
from tests.service_fixtures import REPO

COMPOSE = REPO / "deploy" / "compose.yaml"


def test_every_digitize_setting_in_the_compose_file_is_a_setting() -> None:
    named = set(re.findall(r"^\s+DIGITIZE_([A-Z0-9_]+): ", COMPOSE.read_text("utf-8"), re.M))
    assert {"DATABASE_URL", "REDIS_URL", "STORAGE_URL", "S3_ENDPOINT_URL"} <= named
    fields = {name.upper() for name in Settings.model_fields}
    assert named <= fields, named - fields


def test_every_command_in_the_compose_file_runs() -> None:
    commands = re.findall(r'command: \["([a-z]+)"', COMPOSE.read_text("utf-8"))
    assert {"serve", "worker", "db"} <= set(commands)
    for command in set(commands):
        done = subprocess.run(
            [sys.executable, "-m", "cli.main", command, "--help"],
            cwd=REPO, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, (command, done.stderr)
