"""Streamlit AppTest fixtures: the real app.py against a copy of a template database.

The shared ``con``, ``people`` and ``portfolio`` fixtures of ``tests/conftest.py`` are
built once per process on a template file and copied for each test (same rows, ids and
users), with argon2 at its lowest cost; see ``tests/app/helpers.py``.

AppTest re-detects a ``pages/`` folder and falls back to Streamlit's legacy multipage mode
unless ``PagesManager.uses_pages_directory`` is False on the class, which is what
``st.navigation`` in app.py makes it on the server.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app import helpers

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture
def con(db_path):
    yield from helpers.copy_of_template(db_path)


@pytest.fixture
def people(con):
    return helpers.template_people()


@pytest.fixture
def portfolio(con):
    return helpers.template_portfolio()


@pytest.fixture(autouse=True)
def _fast_passwords(monkeypatch):
    helpers.fast_passwords(monkeypatch)


@pytest.fixture(autouse=True)
def _navigation_like_the_server(monkeypatch):
    helpers.navigation_like_the_server(monkeypatch)


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
