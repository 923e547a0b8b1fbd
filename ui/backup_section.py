"""The Admin page's backup: one consistent, verified file, recorded in the audit trail, to
download."""

import uuid

import duckdb
import streamlit as st

from fund import backup
from fund.auth import User
from ui import session


def render(con: duckdb.DuckDBPyConnection, user: User) -> None:
    st.caption(
        "The whole database as one consistent file, its audit chain verified, the backup "
        "recorded in the audit trail. A copy of fund.duckdb made by hand can miss work still "
        "in its .wal."
    )
    if st.button("Make a backup"):
        made = session.attempt(backup.download, con, user, key=str(uuid.uuid4()))
        if made is not None:
            st.success(f"Backup made and verified up to audit row #{made.backup.head_seq}.")
            st.download_button(
                f"Download {made.name}",
                made.data,
                file_name=made.name,
                mime="application/octet-stream",
                on_click="ignore",
                key="backup-download",
            )
