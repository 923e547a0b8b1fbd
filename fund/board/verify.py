"""Verify a board pack: recompute every figure it states from the records as at its date, and
check the audit chain it stands on, so a pack can be shown to be what the records said.

A pack matches when every figure in its manifest is what the records give now for the same
date, the whole chain verifies (:func:`fund.audit.verify`), and the chain row the pack names
still has the hash the pack printed. Each difference is named with both values; a figure
changes only if something was recorded, or altered, on or before the pack's date after the
pack was made. Verifying checks the audit chain, so it is for those who may verify it
(fund managers and auditors) and may read summaries.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from fund import audit
from fund.auth import User
from fund.board import figures as board_figures
from fund.board import workbook
from fund.board.figures import Figure
from fund.board.view import board
from fund.errors import ValidationError

MANIFEST = "manifest.json"


@dataclass(frozen=True, kw_only=True)
class PackCheck:
    """The verdict on a pack: whether it still matches the records, and every difference."""

    matches: bool
    problems: list[str] = field(default_factory=list)
    as_at: date
    audit_head: tuple[int, str]


def verify_pack(con: duckdb.DuckDBPyConnection, actor: User, path: Path) -> PackCheck:
    """Check the pack at ``path`` (its PDF or its workbook) against the records."""
    document = read_manifest(path)
    as_at, head, stated = _parts(document, path)
    chain = audit.verify(con, actor)
    problems = [] if chain.ok else [f"audit chain: {chain.problem}"]
    problems += _head_problems(con, head)
    view = board(con, actor, as_at)
    problems += differences(stated, board_figures.figures(view))
    return PackCheck(matches=not problems, problems=problems, as_at=as_at, audit_head=head)


def read_manifest(path: Path) -> bytes:
    """The manifest a pack carries: the PDF's attachment, or the workbook's Manifest sheet."""
    if not path.is_file():
        raise ValidationError("pack", f"there is no file at {path}")
    suffix = path.suffix.lower()
    if suffix not in (".pdf", ".xlsx"):
        raise ValidationError("pack", f"{path.name} is not a board pack (a .pdf or .xlsx file)")
    try:
        found = _from_pdf(path) if suffix == ".pdf" else _from_workbook(path)
    except (PdfReadError, InvalidFileException, zipfile.BadZipFile, OSError, ValueError):
        found = None
    if not found:
        raise ValidationError("pack", f"{path.name} is not a board pack: it carries no manifest")
    return found


def _from_pdf(path: Path) -> bytes | None:
    attached = PdfReader(path).attachments.get(MANIFEST)
    return attached[0] if attached else None


def _from_workbook(path: Path) -> bytes | None:
    book = load_workbook(path, read_only=True)
    try:
        if workbook.MANIFEST_SHEET not in book.sheetnames:
            return None
        sheet = book[workbook.MANIFEST_SHEET]
        column = [row[0] for row in sheet.iter_rows(min_col=1, max_col=1, values_only=True)]
    finally:
        book.close()
    if not column or column[0] != workbook.MANIFEST_TITLE:
        return None
    return workbook.read_manifest(column)


def _parts(document: bytes, path: Path) -> tuple[date, tuple[int, str], dict[str, str | None]]:
    """The date, the audit head and the figures of a manifest, or a refusal naming the file."""
    try:
        parsed = json.loads(document)
        as_at = date.fromisoformat(parsed["as_at"])
        head = (int(parsed["audit_head"]["row"]), str(parsed["audit_head"]["hash"]))
        stated = dict(parsed["figures"])
    except (ValueError, KeyError, TypeError):
        raise ValidationError(
            "pack", f"{path.name} carries a manifest that cannot be read"
        ) from None
    return as_at, head, stated


def _head_problems(con: duckdb.DuckDBPyConnection, head: tuple[int, str]) -> list[str]:
    """The chain row the pack names must still hold the hash the pack printed."""
    row, row_hash = head
    if row == 0:
        return []
    found = con.execute("SELECT row_hash FROM audit_log WHERE seq = ?", [row]).fetchall()
    if found and found[0][0] == row_hash:
        return []
    return [f"audit chain row #{row} no longer has the hash the pack states"]


def differences(stated: dict[str, str | None], now: list[Figure]) -> list[str]:
    """Every figure whose value in the pack is not what the records give now, in the order
    the pack shows them, each with both values as people read them; then figures the pack
    states that the records no longer give."""
    current = {figure.key: figure for figure in now}
    found = []
    for figure in now:
        if figure.key not in stated:
            found.append(
                f"{figure.label}: the pack has no such figure, the records now say {board_figures.text(figure)}"
            )
        elif stated[figure.key] != figure.value:
            said = board_figures.text(figure, stated[figure.key])
            found.append(
                f"{figure.label}: the pack says {said}, the records now say {board_figures.text(figure)}"
            )
    found += [
        f"{key}: the pack says {value}, the records now have no such figure"
        for key, value in stated.items()
        if key not in current
    ]
    return found
