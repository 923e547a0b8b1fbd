"""Forms and sections: the one way a page asks for a change and says what happened.

Every form in the app is a :class:`Form`, so that each behaves the same way:

- **A refusal keeps the person's work.** Every field keeps what was typed; the service's
  message (naming the field and the rule) appears right under the form that caused it.
- **Success says what the service did, where the person is looking.** The page reruns so
  that every figure on it is current; the service's own sentence (``Written.said``) and the
  figures that moved appear under the same form, and its fields start empty again.
- **The chosen section stays chosen.** :func:`sections` are tabs that remember which one is
  open across reruns (and run only that one), so a message is never written into a tab the
  person cannot see.

A page writes a form like this::

    with forms.Form("pay", "Record") as pay:
        amount = st.text_input("Amount (£)", key=pay.key("amount"))
        reason = st.text_input("Reason", key=pay.key("reason"))
    if pay.submitted:
        pay.write(ledger.pay, commitment_id=chosen, amount=amount, reason=reason)

Widgets must take their ``key`` from :meth:`Form.key`: that is how a form is emptied after
a success and only then (a success moves the form to fresh keys). A form with several buttons gives their labels as a tuple and reads
which one was pressed from :attr:`Form.pressed`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from typing import TypeVar

import streamlit as st

from fund.errors import FileRefused, RingfenceError, describe
from fund.unit_of_work import Written
from ui import format, session


@dataclass(frozen=True)
class Outcome:
    """What the last write of a form did, kept for the run after it (the page reran)."""

    message: str
    moved: list  # (figure, before, after) of the headline figures that changed


class Form:
    """A Streamlit form whose messages appear beneath it and whose fields survive refusals."""

    def __init__(self, name: str, submit: str | tuple[str, ...], *, caption: str = "") -> None:
        self.name = name
        self.labels = (submit,) if isinstance(submit, str) else submit
        self.caption = caption
        self.pressed: str | None = None
        self._stack = ExitStack()
        self._below = None

    @property
    def submitted(self) -> bool:
        return self.pressed is not None

    def key(self, field: str) -> str:
        """The widget key of one field of this form, in its current generation (see
        :func:`_clear`)."""
        return f"form:{self.name}:{_generation(self.name)}:{field}"

    def __enter__(self) -> Form:
        self._stack.enter_context(st.form(self.name, clear_on_submit=False, border=True))
        if self.caption:
            st.caption(self.caption)
        return self

    def __exit__(self, *exc) -> None:
        try:
            buttons = st.columns(len(self.labels)) if len(self.labels) > 1 else [st]
            for n, (label, place) in enumerate(zip(self.labels, buttons, strict=True)):
                kind = "primary" if n == 0 else "secondary"
                if place.form_submit_button(label, type=kind, key=self.key(f"submit-{n}")):
                    self.pressed = label
        finally:
            self._stack.close()
        self._below = st.container()
        with self._below:
            show_outcome(self.name)

    def write(self, action: Callable[..., Written], /, **values) -> None:
        """Submit ``values`` to ``action`` (a fund service) under this form; see module doc."""
        with self._below:
            write(self.name, action, **values)


def write(name: str, action: Callable, /, *, said: Callable | None = None, **values) -> None:
    """Call a fund service for the form or section ``name``, with an idempotency key for
    these values. A refusal is shown here, every field as it was; a success is remembered
    for ``name``, its fields emptied, and the page reruns. ``said`` words the confirmation
    of a service that writes many records at once (a payment run)."""
    person, con = session.user(), session.cursor()
    before = session.figures(con, person)
    result = session.attempt(action, con, person, key=session.form_key(name, values), **values)
    if result is None:
        return None
    moved = session.moved(con, person, before)
    st.session_state[f"outcome:{name}"] = Outcome((said or confirmation)(result), moved)
    _clear(name)
    st.rerun()


Read = TypeVar("Read")


def read_file(read: Callable[[], Read]) -> Read | None:
    """What ``read`` makes of an uploaded file; otherwise every problem with it, one to a
    line, and None (a file is read whole before anything is saved)."""
    try:
        return read()
    except FileRefused as refused:
        lines = "\n".join(f"- {format.plain(p.message())}" for p in refused.problems)
        st.error(
            f"This file cannot be recorded: {format.count(len(refused.problems), 'problem')} to"
            f" put right, and nothing was saved.\n\n{lines}"
        )
    except RingfenceError as error:
        st.error(format.plain(describe(error)))
    return None


def confirmation(result: Written) -> str:
    """The service's sentence for what it did, or that its key had already done it."""
    if result.replayed:
        return (
            "Already done: this exact request was made before"
            f" ({result.entity} #{result.entity_id}); nothing new was written."
        )
    return result.said or f"Done: {result.entity} #{result.entity_id}."


def show_outcome(name: str) -> None:
    """Show, once, what the last write of form or section ``name`` did."""
    outcome = st.session_state.pop(f"outcome:{name}", None)
    if outcome is None:
        return
    st.success(format.plain(outcome.message), icon=":material/check_circle:")
    if outcome.moved:
        session.moved_table(outcome.moved)


def _generation(name: str) -> int:
    return st.session_state.get(f"form-generation:{name}", 0)


def _clear(name: str) -> None:
    """Empty the form's fields for the next entry. Deleting a widget's state is not enough
    in the browser, which keeps showing what was typed; widgets under new keys start from
    their defaults, so the form's next generation is drawn, and the old state dropped."""
    prefix = f"form:{name}:"
    for field in [k for k in st.session_state if isinstance(k, str) and k.startswith(prefix)]:
        del st.session_state[field]
    st.session_state[f"form-generation:{name}"] = _generation(name) + 1


def sections(key: str, parts: Mapping[str, Callable[[], None]]) -> None:
    """Tabs that stay as the person left them across reruns; only the open one runs.

    A write reruns the page; without state, Streamlit may show the first tab again, and a
    refusal written into the tab the person was using would be out of sight.
    """
    tabs = st.tabs(list(parts), key=key, on_change="rerun")
    for tab, draw in zip(tabs, parts.values(), strict=True):
        if tab.open:
            with tab:
                draw()
