"""The app's lease on a real database file: a script run's thread holds it, the file is free
for other processes a moment after the run ends, and a run that finds a `fund` command
holding the file waits for it, then says so (ui/database.py)."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from fund import db
from fund.errors import DatabaseBusy
from tests.file_holder import held
from tests.unit.test_lease import eventually
from ui import database


@pytest.fixture
def path(tmp_path, monkeypatch):
    """A database the app works on, with a short linger so the tests need not wait long."""
    made = tmp_path / "fund.duckdb"
    db.connect(made).close()
    monkeypatch.setenv("RINGFENCE_DB", str(made))
    monkeypatch.setattr(database, "LINGER", 0.05)
    return made


def run_page(work) -> list:
    """``work(cursor)`` in a thread of its own, as Streamlit runs a script: what it returned,
    or the refusal it met."""
    outcome = []

    def script() -> None:
        try:
            outcome.append(work(database.cursor()))
        except DatabaseBusy as refusal:
            outcome.append(refusal)

    thread = threading.Thread(target=script)
    thread.start()
    thread.join()
    return outcome


def opens_elsewhere(path) -> bool:
    """Whether another process can open the file now."""
    probe = f"import duckdb; duckdb.connect({str(path)!r}).close()"
    return subprocess.run([sys.executable, "-c", probe], check=False).returncode == 0


def count_schema_versions(cursor) -> int:
    return cursor.execute("SELECT count(*) FROM schema_version").fetchone()[0]


def test_the_file_is_free_for_other_processes_a_moment_after_a_run_ends(path):
    assert run_page(count_schema_versions) == [len(db.migrations())]
    eventually(lambda: not database.is_open(str(path)), "the app lets go of the file")
    assert opens_elsewhere(path)
    assert run_page(count_schema_versions) == [len(db.migrations())]  # and opens it again


def test_a_run_holds_the_file_until_its_thread_ends(path):
    began, finish = threading.Event(), threading.Event()

    def long_page(cursor) -> int:
        began.set()
        finish.wait()
        return count_schema_versions(cursor)

    page = threading.Thread(target=run_page, args=(long_page,))
    page.start()
    began.wait()
    try:
        assert database.is_open(str(path))
        assert not opens_elsewhere(path)
    finally:
        finish.set()
        page.join()
    eventually(lambda: not database.is_open(str(path)), "the app lets go of the file")


def test_a_run_waits_for_a_fund_command_to_finish(path, tmp_path):
    with held(path, tmp_path, "fund") as command:
        threading.Timer(0.2, command.let_go).start()
        assert run_page(count_schema_versions) == [len(db.migrations())]


def test_a_run_says_when_a_fund_command_keeps_the_file(path, tmp_path, monkeypatch):
    monkeypatch.setattr(database, "OPEN_WAIT", 0.2)
    with held(path, tmp_path, "fund") as command:
        (refusal,) = run_page(count_schema_versions)
    assert isinstance(refusal, DatabaseBusy)
    assert refusal.detail.startswith(
        f"{path} is in use by a `fund` command (PID {command.pid}) and did not let go within"
    )
