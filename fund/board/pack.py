"""The board pack: the board's view as at a date, as a PDF to read and an Excel workbook with
the tables behind every figure, both carrying the same manifest (every figure and the audit
chain's head), so either file can later be checked against the records
(:func:`fund.board.verify.verify_pack`).

Anyone who may read summaries may produce one: the board's view checks the permission.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from tempfile import TemporaryDirectory

import duckdb

from fund.auth import User
from fund.board import figures as board_figures
from fund.board import pdf, workbook
from fund.board.figures import Figure
from fund.board.view import board, without_names

Progress = Callable[[float, str], None]
_READ = 0.4  # the share of the work that reading the view takes; drawing the PDF is the rest
# Figures the PDF prints in tables of their own (a row per programme, instrument or limit),
# not as rows of the section's list.
_TABLED = ("risk.appetite.", "money.programme.", "sroi.programme.", "sroi.instrument.")


@dataclass(frozen=True, kw_only=True)
class Pack:
    """The two files of a pack, the date they stand at and the audit chain's head then."""

    pdf: Path
    workbook: Path
    as_at: date
    audit_head: tuple[int, str]


def build_pack(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    as_at: object,
    out_dir: Path,
    *,
    progress: Progress | None = None,
) -> Pack:
    """Write ``board-pack-<date>.pdf`` and ``.xlsx`` for the board's view as at the end of
    ``as_at`` (default today) into ``out_dir`` (made if missing); ``progress`` hears (share
    done, what is next)."""
    tell = progress or (lambda share, words: None)
    view = board(con, actor, as_at, progress=lambda share, words: _reading(tell, share, words))
    view = without_names(view)  # the pack goes to the board, whoever made it
    figs = board_figures.figures(view)
    manifest = board_figures.manifest(view)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / f"board-pack-{view.as_at.isoformat()}"
    tell(_READ, "Writing the workbook")
    book = workbook.write(view, figs, stem.with_suffix(".xlsx"), manifest=manifest)
    document = stem.with_suffix(".pdf")
    pdf.write(
        view,
        rows(figs),
        document,
        manifest=manifest,
        progress=lambda share, words: tell(_READ + (1 - _READ) * share, words),
    )
    return Pack(pdf=document, workbook=book, as_at=view.as_at, audit_head=view.audit_head)


def _reading(tell: Progress, share: float, words: str) -> None:
    """The view's progress as the first part of the pack's; its "Done" is not the pack's."""
    if share < 1:
        tell(_READ * share, words)


def rows(figs: list[Figure]) -> list[tuple[str, str, str]]:
    """The figures as the PDF prints them: (section, label, value as shown)."""
    return [
        (f.section, f.label, board_figures.text(f)) for f in figs if not f.key.startswith(_TABLED)
    ]


def pack_bytes(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    as_at: object = None,
    *,
    progress: Progress | None = None,
) -> tuple[str, bytes]:
    """The pack as one zip (its name and bytes) holding the PDF and the workbook, for a
    download button."""
    with TemporaryDirectory(prefix="ringfence-pack-") as folder:
        made = build_pack(con, actor, as_at, Path(folder), progress=progress)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in (made.pdf, made.workbook):
                archive.write(path, path.name)
    return f"board-pack-{made.as_at.isoformat()}.zip", buffer.getvalue()
