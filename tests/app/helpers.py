"""What the page tests share: fast fixtures, finding widgets by label, counting rows.

**Fixtures** (used by ``tests/app/conftest.py``; ``con``, ``people`` and ``portfolio`` come
from ``tests/conftest.py``):

- :func:`navigation_like_the_server`: Streamlit's script runner reads the *class* attribute
  ``PagesManager.uses_pages_directory``; with it False, ``switch_page`` runs app.py and its
  ``st.navigation`` as the server does, not the legacy pages/ mode.
- :func:`spy_on_menus`: the pages ``st.navigation`` put in the menu, per run.

**Widgets.** Several forms share labels ("Amount (£)", "Reason"); :func:`text` and
:func:`select` pick one by label and order of appearance (or use ``at.text_input(key=…)``
where the page sets a key).
"""

from __future__ import annotations

import json
import re

from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest, local_script_runner
from streamlit.testing.v1.element_tree import Block

# Every table a form can write to; a refused submission leaves each count as it was.
TABLES = (
    "app_user",
    "experiment",
    "partner",
    "experiment_partner",
    "commitment",
    "ledger_entry",
    "approval_request",
    "approval_decision",
    "lifecycle_move",
    "scaling_record",
    "audit_log",
)


def navigation_like_the_server(monkeypatch) -> None:
    """Keep Streamlit from running pages through its legacy pages/ mode, as the server does."""
    original = PagesManager.__init__
    # Restored after the test, like __init__.
    monkeypatch.setattr(PagesManager, "uses_pages_directory", PagesManager.uses_pages_directory)

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False  # the class attribute is what is read

    monkeypatch.setattr(PagesManager, "__init__", init)


def spy_on_menus(monkeypatch) -> list[list[str]]:
    """The titles of the pages in the menu (not hidden), one list per run, newest last."""
    seen: list[list[str]] = []
    original = local_script_runner.parse_tree_from_messages

    def spy(messages):
        for message in messages:
            if message.WhichOneof("type") == "navigation":
                pages = message.navigation.app_pages
                seen.append([p.page_name for p in pages if not p.is_hidden])
        return original(messages)

    monkeypatch.setattr(local_script_runner, "parse_tree_from_messages", spy)
    return seen


def counts(con) -> dict[str, int]:
    """How many rows each table a form can write to holds."""
    sql = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in TABLES)
    return dict(con.execute(sql).fetchall())


def grew(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """The tables whose row count changed, and by how much."""
    return {t: after[t] - before[t] for t in TABLES if after[t] != before[t]}


def form_key(at: AppTest, form: str, field: str) -> str:
    """The widget key of a ui.forms field as the page draws it now: a success moves the form
    to fresh keys (its next generation), which is how its fields are emptied."""
    try:
        generation = at.session_state[f"form-generation:{form}"]
    except KeyError:
        generation = 0
    return f"form:{form}:{generation}:{field}"


def text(at: AppTest, label: str, n: int = 0):
    """The ``n``-th text input labelled ``label``, in order of appearance."""
    found = [w for w in at.text_input if w.label == label]
    assert len(found) > n, f"no text input #{n} labelled {label!r}: {found}"
    return found[n]


def select(at: AppTest, label: str, n: int = 0):
    found = [w for w in at.selectbox if w.label == label]
    assert len(found) > n, f"no select box #{n} labelled {label!r}: {found}"
    return found[n]


def button(at: AppTest, label: str):
    found = [b for b in at.button if b.label == label]
    assert len(found) == 1, f"expected one button labelled {label!r}: {found}"
    return found[0]


def submit(at: AppTest, label: str) -> AppTest:
    """Click the (submit) button labelled ``label`` and run the script."""
    return button(at, label).click().run()


def _rendered(markdown: str) -> str:
    """What a person reads: the page escapes Markdown in messages (see ui.format.plain)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def errors(at: AppTest) -> list[str]:
    return [_rendered(e.value) for e in at.error]


def successes(at: AppTest) -> list[str]:
    return [_rendered(s.value) for s in at.success]


def visible(at: AppTest) -> list[str]:
    """The kinds of element in the main area, blocks (columns, tabs, forms) left out."""
    return [node.type for node in at.main if not isinstance(node, Block)]


def submit_with_table(
    at: AppTest,
    label: str,
    *,
    added: list[dict] = (),
    edited: dict[int, dict] | None = None,
    deleted: list[int] = (),
) -> AppTest:
    """Submit the form holding the page's ``st.data_editor`` with these edits.

    AppTest seeds edits only into a *keyed* editor, through session state; the experiments
    page's partner editor has no key, so its edit state goes with the submission the way
    the browser sends it: a widget state holding the JSON of the edits.
    """
    (editor,) = at.data_editor
    button(at, label).click()
    states = at._tree.get_widget_states()
    edits = {
        "edited_rows": {str(row): change for row, change in (edited or {}).items()},
        "added_rows": list(added),
        "deleted_rows": list(deleted),
    }
    states.widgets.append(WidgetState(id=editor.proto.id, string_value=json.dumps(edits)))
    return at._run(states)


def refused_each(at: AppTest, con, attempts) -> None:
    """Make each bad submission in turn: ``(submit_it, field, says)``. Each must show one
    error that starts with the field's name and contains ``says``, and write nothing."""
    for submit_bad, field, says in attempts:
        before = counts(con)
        submit_bad(at)
        assert not at.exception, (field, says, at.exception)
        assert not successes(at), (field, says)
        shown = errors(at)
        assert len(shown) == 1, (field, says, shown)
        assert shown[0].startswith(f"{field}: "), (field, shown[0])
        assert says in shown[0], (says, shown[0])
        assert grew(before, counts(con)) == {}, (field, says)
