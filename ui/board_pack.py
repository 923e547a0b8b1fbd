"""The Board page's pack: one click builds the PDF and the Excel workbook as at the page's
date into a temporary folder, with a progress bar; the files are then offered for download
with the audit chain's head the pack states. A pack is kept for the tab until the date
changes, so downloading one file does not lose the other."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import streamlit as st

from fund.auth import User
from fund.board import pack
from ui import session

PREPARE = "Prepare the board pack"
_KEPT = "board-pack"
_PDF = "application/pdf"
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Prepared:
    """A pack's files, read into memory: the temporary folder goes once they are read."""

    as_at: date
    pdf_name: str
    pdf: bytes
    workbook_name: str
    workbook: bytes
    audit_head: tuple[int, str]


def section(con: duckdb.DuckDBPyConnection, user: User, as_at: date) -> None:
    st.header("The board pack")
    st.caption(
        "A PDF to take into the meeting and an Excel workbook with the table behind every"
        " figure, as at the date above. The pack states the audit chain's head, so"
        " `fund board-pack verify` can show later that it is what the records said."
    )
    if st.button(PREPARE, type="primary", icon=":material/picture_as_pdf:"):
        prepared = _prepare(con, user, as_at)
        if prepared is not None:
            st.session_state[_KEPT] = prepared
    kept = st.session_state.get(_KEPT)
    if kept is not None and kept.as_at == as_at:
        _offer(kept)


def _prepare(con: duckdb.DuckDBPyConnection, user: User, as_at: date) -> Prepared | None:
    bar = st.progress(0.0, text="Preparing the board pack")

    def tell(share: float, words: str) -> None:
        bar.progress(min(max(share, 0.0), 1.0), text=words)

    with tempfile.TemporaryDirectory(prefix="ringfence-pack-") as folder:
        built = session.attempt(pack.build_pack, con, user, as_at, Path(folder), progress=tell)
        bar.empty()
        if built is None:
            return None
        pdf, workbook = Path(built.pdf), Path(built.workbook)
        return Prepared(
            as_at=built.as_at,
            pdf_name=pdf.name,
            pdf=pdf.read_bytes(),
            workbook_name=workbook.name,
            workbook=workbook.read_bytes(),
            audit_head=tuple(built.audit_head),
        )


def _offer(prepared: Prepared) -> None:
    number, digest = prepared.audit_head
    st.success(
        f"The board pack as at {prepared.as_at:%d/%m/%Y} is ready. It stands on audit row"
        f" {number:,}, hash `{digest}`.",
        icon=":material/verified:",
    )
    files = st.container(horizontal=True, gap="medium")
    for what, data, name, mime, key in (
        ("the PDF", prepared.pdf, prepared.pdf_name, _PDF, "board-pack-pdf"),
        (
            "the Excel workbook",
            prepared.workbook,
            prepared.workbook_name,
            _XLSX,
            "board-pack-excel",
        ),
    ):
        files.download_button(
            f"Download {what}",
            data,
            file_name=name,
            mime=mime,
            icon=":material/download:",
            on_click="ignore",
            key=key,
        )
