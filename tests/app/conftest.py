"""Streamlit AppTest fixtures: the real app.py against a temporary database.

AppTest re-detects a ``pages/`` folder on every run and falls back to the legacy multipage
behaviour; switching that detection off after ``PagesManager.__init__`` makes it behave like
the server, where ``st.navigation`` in app.py decides the pages.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture(autouse=True)
def _navigation_like_the_server(monkeypatch):
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


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
