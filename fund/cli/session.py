"""The session: which database, and who is acting."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import click
import duckdb

from fund import db
from fund.auth import User, sign_in
from fund.errors import ValidationError

PASSWORD_ENV = "RINGFENCE_PASSWORD"
NEW_PASSWORD_ENV = "RINGFENCE_NEW_PASSWORD"


@dataclass
class Session:
    """Opens the database and signs the user in at most once per invocation."""

    path: Path
    username: str | None
    con: duckdb.DuckDBPyConnection | None = None
    user: User | None = None

    def connect(self, *, create: bool = False) -> duckdb.DuckDBPyConnection:
        """The open, migrated database; refused if it does not exist (unless ``create``)."""
        if self.con is None:
            if not create and not self.path.exists():
                raise ValidationError(
                    "database",
                    f"there is no database at {self.path}; create one with "
                    "'fund init --admin USER' or 'fund demo'",
                )
            self.con = open_database(self.path)
        return self.con

    def actor(self) -> User:
        """The user named by --as, signed in with their password."""
        if self.user is None:
            if not self.username:
                raise click.UsageError("say who is acting: --as USER (or set RINGFENCE_USER)")
            # Ask before opening the file, so a waiting prompt never holds the database.
            password = _password(f"Password for {self.username}")
            self.user = sign_in(self.connect(), self.username, password)
        return self.user

    def open(self) -> tuple[duckdb.DuckDBPyConnection, User]:
        """The database and the signed-in user: what every service call needs."""
        user = self.actor()
        return self.connect(), user

    def close(self) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None


pass_session = click.make_pass_decorator(Session)

# How long a command waits for the process holding the file to let go: the app does between
# pages (a moment after each), another command when it ends.
WAIT_FOR_THE_FILE = 10.0


def open_database(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """The database file, once whoever holds it lets go (within :data:`WAIT_FOR_THE_FILE`).

    A person at a terminal is told what the command is waiting for; a script is not, so
    that a refusal stays the one line on stderr that scripts read.
    """
    return db.connect(
        path, read_only=read_only, wait=WAIT_FOR_THE_FILE, waiting=partial(_waiting, path)
    )


def _waiting(path: Path, holder: str) -> None:
    if sys.stderr.isatty():
        click.echo(f"waiting for {holder} to release {path}…", err=True)


def _password(prompt: str) -> str:
    given = os.environ.get(PASSWORD_ENV)
    if given is None:
        given = click.prompt(prompt, hide_input=True, err=True)
    return utf8(given, "password")


def utf8(text: str, field: str) -> str:
    """Text from the environment or a prompt, refused if its bytes were not UTF-8 (Python
    keeps such bytes as lone surrogates, which would fail later as an internal error)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(field, "must be text in UTF-8") from None
    return text


def new_password(env: str, prompt: str) -> str:
    """A password being set: from ``env``, or typed twice at a hidden prompt."""
    given = os.environ.get(env)
    if given is None:
        given = click.prompt(prompt, hide_input=True, confirmation_prompt=True, err=True)
    return utf8(given, "password")
