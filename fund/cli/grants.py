"""`fund grants`: small grants from application to closure, the ring-fence's small-grant
policy, and 360Giving files in and out.

Payments on an award stay `fund pay` (and `fund pay-run`) on its commitment.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import click

from fund.cli.output import emit_json, json_option, show
from fund.cli.session import Session, pass_session
from fund.cli.writes import (
    AMOUNT_SETTINGS,
    as_document,
    date_option,
    idempotency_key,
    perform_write,
    print_key,
    write_options,
)
from fund.grants import applications, export, imports, policy, queries


@click.group("grants")
def grants_group() -> None:
    """Small grants: applications, decisions, end-of-grant reports and closure; the
    ring-fence's small-grant policy; 360Giving import and export. Pay awards with 'fund pay'."""


@grants_group.command("policy", context_settings=AMOUNT_SETTINGS)
@click.option("--ringfence", "ringfence_id", required=True, metavar="ID", help="The ring-fence.")
@click.option("--min", "min_amount", required=True, metavar="AMOUNT", help="Smallest grant.")
@click.option("--max", "max_amount", required=True, metavar="AMOUNT", help="Largest grant.")
@click.option(
    "--delegated-limit",
    required=True,
    metavar="AMOUNT",
    help="The most one fund manager may award alone (within the ring-fence's own limit).",
)
@click.option("--prefix", "id_prefix", required=True, help="The body's 360Giving prefix.")
@click.option(
    "--funder-id", required=True, help="The body's organisation identifier, e.g. GB-LAE-MAN."
)
@click.option(
    "--report-days",
    required=True,
    metavar="DAYS",
    help="Reports fall due this many days after a grant's planned end.",
)
@write_options
@pass_session
def policy_command(session: Session, key, as_json, **settings) -> None:
    """Declare a ring-fence's small-grant policy as its next version (fund manager)."""
    perform_write(session, policy.declare, key=key, as_json=as_json, **settings)


@grants_group.command("apply", context_settings=AMOUNT_SETTINGS)
@click.option("--programme", "programme_id", required=True, metavar="ID", help="The programme.")
@click.option(
    "--experiment",
    "experiment_id",
    metavar="ID",
    help="Its small-grant experiment (needed when the programme has several).",
)
@click.option(
    "--type",
    "applicant_type",
    required=True,
    type=click.Choice([t.value for t in applications.ApplicantType]),
    help="Who applies.",
)
@click.option("--applicant", required=True, help="The person applying.")
@click.option("--organisation", "recipient", required=True, help="The organisation or group.")
@click.option("--organisation-id", "recipient_id", help="Its organisation identifier, if any.")
@click.option("--title", required=True, help="A short title.")
@click.option("--purpose", required=True, help="What the money is for.")
@click.option("--amount", required=True, metavar="AMOUNT", help="The amount asked for.")
@click.option("--start", "planned_start", required=True, metavar="YYYY-MM-DD")
@click.option("--end", "planned_end", required=True, metavar="YYYY-MM-DD")
@write_options
@pass_session
def apply_command(session: Session, key, as_json, **application) -> None:
    """Record an application for a small grant (fund manager)."""
    perform_write(session, applications.apply, key=key, as_json=as_json, **application)


@grants_group.command("decide", context_settings=AMOUNT_SETTINGS)
@click.argument("grant_id")
@click.option("--award", "decision", flag_value="award", help="Award it.")
@click.option("--decline", "decision", flag_value="decline", help="Decline it (give --reason).")
@click.option("--reverse", "decision", flag_value="reverse", help="Reverse its decision.")
@click.option("--amount", metavar="AMOUNT", help="Award less than was asked for.")
@date_option
@write_options
@pass_session
def decide_command(session: Session, grant_id, decision, amount, on, reason, key, as_json):
    """Award, decline, or reverse the decision on, an application (fund manager). An award
    above the delegated limit, or one completing a split award, waits for a second fund
    manager ('fund pending', 'fund approve')."""
    if decision is None:
        raise click.UsageError("give one of --award, --decline or --reverse")
    if decision == "reverse":
        perform_write(
            session,
            applications.reverse,
            key=key,
            as_json=as_json,
            grant_id=grant_id,
            reason=reason,
        )
        return
    perform_write(
        session,
        applications.decide,
        key=key,
        as_json=as_json,
        grant_id=grant_id,
        award=decision == "award",
        amount=amount,
        on=on,
        reason=reason,
    )


@grants_group.command("report", context_settings=AMOUNT_SETTINGS)
@click.argument("grant_id")
@click.option("--done", "what_done", required=True, help="What was done.")
@click.option("--learned", required=True, help="What was learned.")
@click.option("--spent", required=True, metavar="AMOUNT", help="The money spent.")
@click.option("--close", is_flag=True, help="Close the grant too, releasing what is unpaid.")
@write_options
@pass_session
def report_command(session: Session, grant_id, close, key, as_json, **report) -> None:
    """Record a grant's end-of-grant report (fund manager); with --close, close it as well
    (two writes, the closure's key the report's with ':close' added)."""
    key, generated = idempotency_key(key)
    con, user = session.open()
    written = [applications.report(con, user, grant_id=grant_id, key=key, **report)]
    if close:
        closing = f"{key}:close"
        written.append(
            applications.close(con, user, grant_id=grant_id, reason=report["reason"], key=closing)
        )
    if as_json:
        names = ("report", "closure")
        keys = (key, f"{key}:close")
        emit_json({n: as_document(w, k) for n, w, k in zip(names, written, keys, strict=False)})
        return
    for one in written:
        click.echo(one.said or f"{one.entity.capitalize()} #{one.entity_id}: already done.")
    if generated:
        print_key(key)


@grants_group.command("list")
@click.option("--status", type=click.Choice(queries.STATUSES), help="Only grants with this status.")
@click.option("--due", is_flag=True, help="Reports overdue or due within 30 days instead.")
@click.option("--flags", is_flag=True, help="Split-award flags instead.")
@json_option
@pass_session
def list_command(session: Session, status, due, flags, as_json) -> None:
    """Small grants with their status, awarded and paid amounts; or the reports due; or the
    split-award flags."""
    if due:
        show(queries.reports_due(*session.open()), as_json, "reports_due")
    elif flags:
        show(queries.split_flags(*session.open()), as_json, "split_awards")
    else:
        table = queries.grants(*session.open(), status)
        show(table.drop(columns=["purpose"]) if not as_json else table, as_json, "grants")


@grants_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--programme", "programme_id", required=True, metavar="ID", help="The programme.")
@click.option("--experiment", "experiment_id", metavar="ID", help="Its small-grant experiment.")
@click.option("--reason", help="Why (default: the file's name).")
@click.option("--key", help="Idempotency key (default: a new one, printed).")
@json_option
@pass_session
def import_command(session: Session, file, programme_id, experiment_id, reason, key, as_json):
    """Record a 360Giving file (CSV, XLSX or JSON) of awards made elsewhere as small-grant
    commitments in one programme: all or nothing, every bad grant named; the same file again
    writes nothing new. A file holding awards above the delegated limit waits whole for a
    second fund manager."""
    key, generated = idempotency_key(key)
    outcome = imports.import_file(
        *session.open(),
        path=file,
        programme_id=programme_id,
        experiment_id=experiment_id,
        key=key,
        reason=reason,
        progress=None if as_json else _progress,
    )
    if as_json:
        written = outcome.written
        emit_json(
            {
                "import_id": written.entity_id if written else None,
                "replayed": bool(written and written.replayed),
                "key": key,
                "said": outcome.said,
                **outcome.report(),
            }
        )
        return
    click.echo(outcome.said)
    for line in _report_lines(outcome):
        click.echo(line)
    if generated and outcome.written is not None:
        print_key(key)


def _progress(fraction: float, words: str) -> None:
    click.echo(f"  {fraction:4.0%} {words}", err=True)


def _report_lines(outcome: imports.Outcome) -> list[str]:
    lines = [f"Grants in the file: {outcome.grants:,}; already recorded: {outcome.already:,}."]
    for heading, found in (
        ("Outside the small-grant range (flagged for the auditor)", outcome.out_of_range),
        ("Above the delegated limit", outcome.above_limit),
        ("Split awards crossing the delegated limit", outcome.split),
        ("Fields the standard does not define (kept with each grant)", outcome.extra_fields),
        ("Repairs", outcome.repairs),
    ):
        if found:
            shown = ", ".join(found[:10]) + (
                f" and {len(found) - 10:,} more" if len(found) > 10 else ""
            )
            lines.append(f"{heading}: {shown}")
    lines += [f"Column {a!r} looks like a typo of {b!r}." for a, b in outcome.typos]
    return lines


@grants_group.command("export")
@click.option(
    "--format", "form", type=click.Choice(export.FORMS), default="json", show_default=True
)
@click.option("--programme", "programme_id", type=int, metavar="ID", help="Only this programme.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write to this file (default: standard output).",
)
@json_option
@pass_session
def export_command(session: Session, form, programme_id, out, as_json) -> None:
    """The fund's awarded small grants as a 360Giving file that passes the standard's schema."""
    made = io.BytesIO()  # whole before anything is written: a refusal leaves no file behind
    count = export.export(*session.open(), form, made, programme_id)
    if out is None:
        sys.stdout.buffer.write(made.getvalue())
        sys.stdout.buffer.flush()
        return
    out.write_bytes(made.getvalue())
    if as_json:
        emit_json({"grants": count, "format": form, "out": str(out)})
    else:
        click.echo(f"{count:,} grants written to {out} as 360Giving {form.upper()}.")


COMMANDS: tuple[click.Command, ...] = (grants_group,)
