"""A `fund` command started while another process (the app, mid-page) holds the database
waits for it to let go, telling a person at a terminal what it waits for, then runs."""

from __future__ import annotations

import os
import pty
import select
import shutil
import subprocess
import time

from tests.conftest import PASSWORD, template
from tests.e2e.test_cli import FUND
from tests.file_holder import held


def read_line(terminal: int, limit: float = 60) -> str:
    """One line written to the pseudo-terminal (bounded, so a silent command fails the test)."""
    said = b""
    deadline = time.monotonic() + limit
    while not said.endswith(b"\n") and time.monotonic() < deadline:
        ready, _, _ = select.select([terminal], [], [], 1)
        if ready:
            said += os.read(terminal, 1024)
    return said.decode().strip()


def test_a_command_at_a_terminal_says_what_it_waits_for_then_runs(tmp_path):
    path = tmp_path / "fund.duckdb"
    shutil.copy(template().path, path)
    env = {name: value for name, value in os.environ.items() if not name.startswith("RINGFENCE_")}
    with held(path, tmp_path, "streamlit") as app:
        ours, theirs = pty.openpty()
        command = subprocess.Popen(
            [*FUND, "--db", str(path), "--as", "manager", "position"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=theirs,
            env={**env, "RINGFENCE_PASSWORD": PASSWORD},
            text=True,
        )
        os.close(theirs)
        try:
            said = read_line(ours)
            app.let_go()
            shown, _ = command.communicate(timeout=120)
        finally:
            command.kill()
            os.close(ours)
    assert said == f"waiting for the app (PID {app.pid}) to release {path}…"
    assert command.returncode == 0
    assert "£" in shown
