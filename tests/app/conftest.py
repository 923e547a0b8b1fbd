"""Streamlit AppTest fixtures: the real app.py against a copy of a template database.

The shared ``con``, ``people`` and ``portfolio`` fixtures of ``tests/conftest.py`` are
copies of a template database, at the path the app opens.

AppTest re-detects a ``pages/`` folder and falls back to Streamlit's legacy multipage mode
unless ``PagesManager.uses_pages_directory`` is False on the class, which is what
``st.navigation`` in app.py makes it on the server.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from fund import ledger
from tests.app import helpers
from tests.conftest import key

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture(autouse=True)
def _navigation_like_the_server(monkeypatch):
    helpers.navigation_like_the_server(monkeypatch)


@pytest.fixture
def committed(con, people, funded):
    """Commitment #1: £8,000.00 from the small grant to Youth Trust (entry #2)."""
    ledger.commit(
        con,
        people.manager,
        experiment_id=funded.experiments["small_grant"],
        amount="8000.00",
        counterparty="Youth Trust",
        reason="grant agreed",
        key=key(),
    )
    return funded


@pytest.fixture
def menus(monkeypatch):
    return helpers.spy_on_menus(monkeypatch)


@pytest.fixture
def app(db_path, con, monkeypatch):
    """A function giving an AppTest of app.py, signed in as ``user`` (or signed out)."""
    monkeypatch.setenv("RINGFENCE_DB", str(db_path))

    def start(user=None, page: str | None = None) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=30)
        if user is not None:
            at.session_state["user"] = user
        at.run()
        if page is not None:
            at.switch_page(page)
            at.run()
        return at

    return start
