"""Writes: one shared path, and one set of options, for every command that changes the fund."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import click

from fund.cli.output import emit_json, json_option
from fund.cli.session import Session
from fund.unit_of_work import Written

# Commands that take an AMOUNT let "-5" through as an argument, so that the service (not
# click) refuses it, naming the field and the rule.
AMOUNT_SETTINGS = {"ignore_unknown_options": True}


def write_options(command: Callable) -> Callable:
    """--reason (required), --key (the idempotency key) and --json, for every write."""
    command = json_option(command)
    command = click.option(
        "--key",
        help="Idempotency key: retrying with the same key writes once. "
        "When omitted, a new one is made and printed.",
    )(command)
    return click.option(
        "--reason", required=True, help="Why: recorded with the change in the audit log."
    )(command)


def date_option(command: Callable) -> Callable:
    return click.option(
        "--date", "on", metavar="YYYY-MM-DD", help="Value date (default today; never future)."
    )(command)


def perform_write(
    session: Session,
    service: Callable[..., Written],
    said: Callable[[Written], str] | None = None,
    *,
    key: str | None,
    as_json: bool,
    **arguments: object,
) -> Written:
    """Sign in, call ``service`` once with an idempotency key, and report what it wrote.

    ``said`` turns the result into the sentence printed for people; without it, the
    service's own sentence (``Written.said``) is printed, the same words the app shows.
    """
    key, generated = idempotency_key(key)
    written = service(*session.open(), key=key, **arguments)
    if as_json:
        _report_json(written, key)
    else:
        _report_text(written, said, key, generated)
    return written


def _report_json(written: Written, key: str) -> None:
    emit_json(as_document(written, key))


def as_document(written: Written, key: str) -> dict[str, object]:
    """What ``--json`` prints of one write."""
    return {
        "entity": written.entity,
        "id": written.entity_id,
        "replayed": written.replayed,
        "key": key,
    }


def _report_text(
    written: Written, said: Callable[[Written], str] | None, key: str, generated: bool
) -> None:
    if written.replayed:
        click.echo("Already done with this key, so nothing new was written:")
    click.echo((said or _said)(written))
    if generated:
        print_key(key)


def _said(written: Written) -> str:
    """The service's sentence; a replay has none, so it names what the key had written."""
    return written.said or f"{written.entity.capitalize()} #{written.entity_id}."


def idempotency_key(given: str | None) -> tuple[str, bool]:
    """The --key given, or a new one (and whether it was made here, so it gets printed)."""
    return (given, False) if given is not None else (str(uuid.uuid4()), True)


def print_key(key: str) -> None:
    """Tell the user the key that was made for them, so a retry writes once."""
    click.echo(f"Key: {key} (to retry safely, give --key {key})")
