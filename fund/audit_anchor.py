"""Anchors: the chain's head, printed for publication, so that a rewritten tail is caught.

Anyone who can write the database file can recompute a plain hash chain from some row
onwards and move ``audit_head`` to match; nothing inside the file can tell. What it cannot
undo is a head printed earlier and kept elsewhere (in a board pack, the auditor's file, an
email): ``fund audit anchor`` prints the head as one line, and ``fund audit verify --anchor
FILE`` checks that every head in such a file is still in the chain, row and hash.

The anchor is itself an audited write (an auditor, fund manager or admin may make one); it
anchors the row before its own, the newest row when it was asked for.
"""

from __future__ import annotations

import re

import duckdb

from fund.audit import Anchor
from fund.auth import Permission, User
from fund.errors import ValidationError
from fund.unit_of_work import Request, Step, perform

_PARSE = re.compile(r"row #(\d+) sha256 ([0-9a-f]{64})(?: at (\S+))?")
MAX_ANCHOR_LINES = 100_000


def anchor(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    *,
    key: str,
    reason: str = "chain head anchored for publication",
) -> Anchor:
    """Record and return the chain's newest row and hash, for printing and keeping elsewhere."""
    found: list[Anchor] = []

    def change(step: Step) -> tuple[str, int]:
        seq, row_hash = step.con.execute("SELECT seq, row_hash FROM audit_head").fetchone()
        anchor_id = step.con.execute(
            "INSERT INTO audit_anchor (seq, row_hash, anchored_at, actor_id) VALUES (?, ?, ?, ?)"
            " RETURNING anchor_id",
            [seq, row_hash, step.at, step.actor.user_id],
        ).fetchone()[0]
        step.record("audit_anchor", anchor_id)
        found.append(Anchor(seq=seq, row_hash=row_hash, at=step.at.isoformat()))
        return "audit anchor", anchor_id

    request = Request(operation="anchor", key=key, reason=reason, details={})
    written = perform(con, actor, Permission.VERIFY_AUDIT, request, change)
    if found:
        return found[0]
    # A replayed key: the anchor that key made.
    seq, row_hash, at = con.execute(
        "SELECT seq, row_hash, anchored_at FROM audit_anchor WHERE anchor_id = ?",
        [written.entity_id],
    ).fetchone()
    return Anchor(seq=seq, row_hash=row_hash, at=at.isoformat())


def read_anchors(text: str) -> list[Anchor]:
    """The anchors in a file of printed lines. Blank lines and lines starting with '#' are
    skipped; any other line that is not an anchor is refused, naming its line number, since
    an anchor silently skipped would be a check silently not made."""
    anchors, bad = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _PARSE.search(line)
        if match is None:
            bad.append(str(number))
            continue
        anchors.append(Anchor(seq=int(match[1]), row_hash=match[2], at=match[3]))
    if bad:
        raise ValidationError(
            "anchor file",
            f"line {', '.join(bad[:10])}{'…' if len(bad) > 10 else ''} is not an anchor "
            "(expected 'row #N sha256 <64 hex digits>', as 'fund audit anchor' prints)",
        )
    if not anchors:
        raise ValidationError("anchor file", "holds no anchor lines")
    if len(anchors) > MAX_ANCHOR_LINES:
        raise ValidationError("anchor file", f"holds more than {MAX_ANCHOR_LINES:,} anchors")
    return anchors
