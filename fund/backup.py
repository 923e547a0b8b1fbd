"""Backing up the whole database to one file, and restoring a backup into a new file.

Copying ``fund.duckdb`` by hand is not a backup. DuckDB first writes committed work to a
write-ahead log beside the file (``fund.duckdb.wal``) and moves it into the file itself only
at a checkpoint, so a copy of the file without its ``.wal`` silently lacks that work.

A backup here is made in one read transaction of the database, so it is one consistent
moment: DuckDB's ``COPY FROM DATABASE`` copies every table, view, macro, index and sequence
(at its current value, so ids given after a restore never collide) into a new file attached
under a temporary name beside the target. That file is checkpointed and detached, so it is
complete on its own with no ``.wal``; its audit chain is verified as the acting admin; only
then does it take the target's name, in the same transaction that records the backup in
the source's audit trail (operation "backup": the file's name and the chain head it holds).
A backup that fails at any step leaves no file behind.

Restoring copies a backup the same way into a new file (never over an existing one),
applies any migrations it predates, signs the admin in against the restored users, records
the restore in the restored audit trail, verifies the chain and only then gives the file
its name.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory

import duckdb

from fund import audit, db
from fund.auth import Permission, User, require
from fund.errors import ValidationError
from fund.unit_of_work import Request, Step, perform


@dataclass(frozen=True, kw_only=True)
class Backup:
    """A backup written and verified: where, and the chain head it holds."""

    path: Path
    head_seq: int
    head_hash: str
    rows: int
    entries: int


@dataclass(frozen=True, kw_only=True)
class Download:
    """A backup for the browser: its file name and its bytes."""

    name: str
    data: bytes
    backup: Backup


def back_up(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    out: str | Path,
    *,
    key: str,
    reason: str = "backup",
) -> Backup:
    """Write the whole database to the new file ``out``, verified, and record it (admins)."""
    require(con, actor, Permission.BACKUP)
    out = _new_file(Path(out), "backup file", "a backup never replaces a file")
    partial = _partial(out)
    try:
        head_seq, head_hash = _copy_out(con, partial)
        check = _verified(partial, actor, "the backup")
        if (check.last_seq, check.last_hash) != (head_seq, head_hash):  # pragma: no cover
            raise ValidationError("backup file", "the copy does not end at the chain's head")
        request = Request(
            operation="backup",
            key=key,
            reason=reason,
            details={"file": out.name, "head_seq": head_seq, "head_hash": head_hash},
        )

        def change(step: Step) -> tuple[str, int]:
            if out.exists():
                raise ValidationError("backup file", f"{out} appeared meanwhile; nothing written")
            partial.rename(out)
            return "database", head_seq

        try:
            written = perform(con, actor, Permission.BACKUP, request, change)
        except BaseException:
            if not partial.exists():  # renamed, but the audit row was not saved
                out.unlink(missing_ok=True)
            raise
        if written.replayed:
            raise ValidationError(
                "idempotency key", f"{key!r} already recorded a backup; a new one needs a new key"
            )
    finally:
        _remove(partial)
    return Backup(
        path=out, head_seq=head_seq, head_hash=head_hash, rows=check.rows, entries=check.entries
    )


def download(
    con: duckdb.DuckDBPyConnection, actor: User, *, key: str, reason: str = "backup"
) -> Download:
    """A backup (as :func:`back_up`) read into memory for a download; no file is kept here."""
    name = f"ringfence-backup-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.duckdb"
    with TemporaryDirectory(prefix="ringfence-backup-") as folder:
        made = back_up(con, actor, Path(folder) / name, key=key, reason=reason)
        return Download(name=name, data=made.path.read_bytes(), backup=made)


@dataclass(frozen=True, kw_only=True)
class Restored:
    """A backup restored and verified: the new file and the chain head the backup held."""

    path: Path
    head_seq: int
    head_hash: str
    rows: int
    entries: int


def restore(
    source: str | Path,
    target: str | Path,
    sign_in: Callable[[duckdb.DuckDBPyConnection], User],
    *,
    key: str,
    reason: str = "restored from a backup",
) -> Restored:
    """Restore the backup ``source`` into the new database file ``target`` (admins only).

    ``sign_in`` signs the acting person in against the restored database (whose users are
    the backup's), since there is no other database to ask.
    """
    source = Path(source)
    if not source.is_file():
        raise ValidationError("backup file", f"there is no file {source}")
    target = _new_file(Path(target), "database", "a backup is restored only into a new file")
    partial = _partial(target)
    try:
        con = duckdb.connect(str(partial))
        try:
            head_seq, head_hash = _copy_in(con, source)
            db.migrate(con)
            actor = require(con, sign_in(con), Permission.BACKUP)
            request = Request(
                operation="restore",
                key=key,
                reason=reason,
                details={"file": source.name, "head_seq": head_seq, "head_hash": head_hash},
            )
            perform(con, actor, Permission.BACKUP, request, lambda step: ("database", head_seq))
            con.execute("CHECKPOINT")
        finally:
            con.close()
        check = _verified(partial, actor, "the restored database")
        if target.exists():
            raise ValidationError("database", f"{target} appeared meanwhile; nothing written")
        partial.rename(target)
    finally:
        _remove(partial)
    return Restored(
        path=target, head_seq=head_seq, head_hash=head_hash, rows=check.rows, entries=check.entries
    )


# --- the copying ------------------------------------------------------------------------------
# DuckDB takes no parameters for database names, so the statements below format in only
# aliases made here (ringfence_copy_<uuid>) and names quoted by _name; paths go as parameters.


def _copy_out(con: duckdb.DuckDBPyConnection, partial: Path) -> tuple[int, str]:
    """Copy the database of ``con`` into the new file ``partial``, in one snapshot; return
    the chain head the copy holds."""
    source = con.execute("SELECT current_database()").fetchone()[0]
    with _attached(con, partial) as copy, db.transaction(con):
        head = con.execute("SELECT seq, row_hash FROM audit_head").fetchone()
        con.execute(f"COPY FROM DATABASE {_name(source)} TO {copy}")
    return head


def _copy_in(con: duckdb.DuckDBPyConnection, source: Path) -> tuple[int, str]:
    """Copy the backup ``source`` into the empty database of ``con``; return its chain head."""
    target = con.execute("SELECT current_database()").fetchone()[0]
    with _attached(con, source, read_only=True) as backup:
        try:
            found = f"SELECT seq, row_hash FROM {backup}.audit_head"  # noqa: S608 - our own alias
            head = con.execute(found).fetchone()
        except duckdb.CatalogException:
            raise ValidationError("backup file", f"{source} is not a Ringfence database") from None
        with db.transaction(con):
            con.execute(f"COPY FROM DATABASE {backup} TO {_name(target)}")
    return head


@contextmanager
def _attached(
    con: duckdb.DuckDBPyConnection, path: Path, *, read_only: bool = False
) -> Iterator[str]:
    """``path`` attached to ``con`` under a fresh name, checkpointed and detached after."""
    alias = f"ringfence_copy_{uuid.uuid4().hex}"
    mode = " (READ_ONLY)" if read_only else ""
    try:
        con.execute(f"ATTACH ? AS {alias}{mode}", [str(path)])
    except (duckdb.IOException, duckdb.InvalidInputException) as error:
        detail = str(error).strip().splitlines()[0]
        raise ValidationError("backup file", f"cannot open {path}: {detail}") from None
    try:
        yield alias
        if not read_only:
            con.execute(f"CHECKPOINT {alias}")
    finally:
        con.execute(f"DETACH {alias}")


def _verified(path: Path, actor: User, what: str) -> _Checked:
    """Verify the audit chain of the single file ``path`` (which must have no ``.wal``)."""
    if _wal(path).exists():  # pragma: no cover - a checkpointed, closed file has none
        raise ValidationError("backup file", f"{what} was not checkpointed into one file")
    con = db.connect(path, read_only=True)
    try:
        check = audit.verify(con, actor)
        last = con.execute("SELECT seq, row_hash FROM audit_head").fetchone()
    finally:
        con.close()
    if not check.ok:
        raise ValidationError(
            "audit chain", f"{what} does not verify ({check.problem}); nothing was written"
        )
    return _Checked(rows=check.rows, entries=check.entries, last_seq=last[0], last_hash=last[1])


@dataclass(frozen=True, kw_only=True)
class _Checked:
    rows: int
    entries: int
    last_seq: int
    last_hash: str


def _new_file(path: Path, field: str, rule: str) -> Path:
    if path.exists() or _wal(path).exists():
        raise ValidationError(field, f"{path} already exists; {rule}")
    if not path.parent.is_dir():
        raise ValidationError(field, f"there is no folder {path.parent}")
    return path


def _partial(path: Path) -> Path:
    """A temporary name beside ``path`` (same folder, so the final rename stays there)."""
    return path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.partial")


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _remove(path: Path) -> None:
    for leftover in (path, _wal(path)):
        leftover.unlink(missing_ok=True)


def _name(identifier: str) -> str:
    """A database name as a quoted SQL identifier (names cannot be query parameters)."""
    return '"' + identifier.replace('"', '""') + '"'
