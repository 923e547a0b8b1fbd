"""The Import tab: a 360Giving file (CSV, XLSX or JSON, as published) recorded as small-grant
commitments in one programme, with a progress bar while it is read, every problem of a
refused file in a table (nothing is written), and the import's report."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from fund.auth import User
from fund.errors import FileRefused
from fund.grants import imports
from fund.money import format_gbp
from ui import format, grants_applications, session

EXAMPLES = 5  # identifiers shown for each flag of the report


def section(con, user: User, *, writes: bool) -> None:
    """Upload, choose the programme, import; auditors are told who imports."""
    if not writes:
        st.info(
            "Fund managers import 360Giving files here; imported grants show their import #"
            " on the Awards tab."
        )
        return
    st.caption(
        "A 360Giving file as published: CSV, XLSX or JSON. It is checked against the standard's"
        " schema; every invalid grant is named at once and nothing is written. Importing the"
        " same file again writes nothing new. Grants above the delegated limit make the whole"
        " import wait for a second fund manager."
    )
    upload = st.file_uploader("360Giving file", type=["csv", "xlsx", "json"], key="grant-file")
    left, right = st.columns(2)
    programme, experiment = grants_applications.scheme(left, con, user, "grant-import-scheme")
    reason = right.text_input("Reason", key="grant-import-reason", help="Default: the file name.")
    if not st.button("Import", type="primary", disabled=upload is None):
        return
    data = upload.getvalue()
    submission = {"file": data, "experiment": experiment, "reason": reason}
    bar = st.progress(0.0, text="Reading the file")
    outcome = session.attempt(
        run,
        con,
        user,
        data=data,
        file_name=upload.name,
        programme_id=programme,
        experiment_id=experiment,
        reason=reason.strip() or None,
        key=session.form_key("grant-import", submission),
        progress=lambda fraction, words: bar.progress(min(fraction, 1.0), text=words),
    )
    bar.empty()  # the outcome, or every problem, says the rest
    if outcome is not None:
        show(outcome)


def run(con, user: User, *, data: bytes, file_name: str, **given) -> imports.Outcome | None:
    """Import the uploaded bytes from a temporary file named like the upload (its suffix
    tells the reader the form); a refused file's problems are shown, and None returned."""
    with tempfile.NamedTemporaryFile(suffix=Path(file_name).suffix.lower()) as file:
        file.write(data)
        file.flush()
        try:
            return imports.import_file(
                con, user, path=Path(file.name), file_name=file_name, **given
            )
        except FileRefused as refused:
            problems(refused)
            return None


def problems(refused: FileRefused) -> None:
    """Every problem of the file, as the 360Giving data checker lists them."""
    found = refused.problems
    st.error(
        f"This file cannot be imported: {format.count(len(found), 'problem')} to put right,"
        " and nothing was written."
    )
    table = pd.DataFrame({"place": [p.place for p in found], "rule": [p.rule for p in found]})
    format.table(table, key="grant-import-problems")


def show(outcome: imports.Outcome) -> None:
    """What the import did and what its report says."""
    st.success(format.plain(outcome.said), icon=":material/check_circle:")
    cells = st.columns(4)
    cells[0].metric("Grants in the file", f"{outcome.grants:,}")
    cells[1].metric("Recorded now", f"{outcome.new:,}")
    cells[2].metric("Already recorded", f"{outcome.already:,}")
    cells[3].metric("Total recorded now", format_gbp(outcome.total))
    format.table(report(outcome), key="grant-import-report")
    st.caption("Awards made elsewhere carry no registered evaluation plan; they are marked so.")


def report(outcome: imports.Outcome) -> pd.DataFrame:
    """The report's flags as rows: what, how many, the first few."""
    rows = [
        ("Outside the small-grant range (flagged)", outcome.out_of_range),
        ("Above the delegated limit", outcome.above_limit),
        ("Split awards", outcome.split),
        ("Columns and fields kept beyond the standard", outcome.extra_fields),
        ("Likely typos of a standard column", [f"{a} → {b}" for a, b in outcome.typos]),
        ("Repairs made while reading", outcome.repairs),
    ]
    return pd.DataFrame(
        {
            "finding": [what for what, _ in rows],
            "count": [len(items) for _, items in rows],
            "examples": [", ".join(map(str, items[:EXAMPLES])) for _, items in rows],
        }
    )
