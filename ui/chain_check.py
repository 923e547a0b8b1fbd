"""The chain check on the Audit page: verify the chain (against anchors kept outside the
database, if the auditor has some), and print a new anchor to keep."""

from __future__ import annotations

import uuid

import duckdb
import streamlit as st

from fund import audit, audit_anchor
from fund.auth import User
from fund.errors import ValidationError
from ui import session

ANCHOR_HELP = (
    "Lines printed earlier by 'Anchor the chain head' (or `fund audit anchor`), kept outside "
    "the database. Someone who can write the database file could rewrite the end of the "
    "chain consistently; only an anchor kept elsewhere shows it."
)


def render(con: duckdb.DuckDBPyConnection, user: User) -> None:
    st.subheader("Chain check")
    st.write(
        "Each audit row's hash covers the row before it, the ledger entries it posted and the "
        "state it left in every record that decides money or permission, so any altered, "
        "inserted or deleted row is named."
    )
    upload = st.file_uploader("Anchors to check against (optional)", type=["txt"], help=ANCHOR_HELP)
    left, right = st.columns(2)
    if left.button("Verify the audit chain", type="primary"):
        anchors = session.attempt(_anchors, upload) if upload is not None else []
        if anchors is not None:
            with st.spinner("Checking every row…"):
                check = session.attempt(audit.verify, con, user, anchors)
            _show(check, len(anchors))
    if right.button("Anchor the chain head"):
        anchored = session.attempt(audit_anchor.anchor, con, user, key=str(uuid.uuid4()))
        if anchored is not None:
            st.write("Keep this line outside the database (print it, file it, email it):")
            st.code(anchored.line(), language=None, wrap_lines=True)
            st.download_button(
                "Download the anchor",
                anchored.line() + "\n",
                file_name=f"audit-anchor-row-{anchored.seq}.txt",
                mime="text/plain",
            )


def _anchors(upload) -> list[audit.Anchor]:
    try:
        text = upload.getvalue().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError("anchor file", "must be text in UTF-8") from None
    return audit_anchor.read_anchors(text)


def _show(check: audit.ChainCheck | None, anchors: int) -> None:
    if check is None:
        return
    if check.ok:
        against = f", against {anchors:,} anchor{'s' if anchors != 1 else ''}" if anchors else ""
        st.success(
            f"OK: {check.rows:,} audit rows and {check.entries:,} ledger entries verified{against}."
        )
    elif check.seq is not None:
        st.error(f"Broken at row #{check.seq}: {check.problem}")
    else:
        st.error(f"Broken: {check.problem}")
