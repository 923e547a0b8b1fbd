"""Moving money on the ledger: allocate, commit, pay, decommit, recover, write off, reverse."""

from __future__ import annotations

from collections.abc import Callable

import click

from fund import ledger
from fund.cli.output import emit_json
from fund.cli.session import Session, pass_session
from fund.cli.writes import (
    AMOUNT_SETTINGS,
    date_option,
    idempotency_key,
    perform_write,
    print_key,
    write_options,
)
from fund.ledger import payment_run
from fund.unit_of_work import Written


@click.command(context_settings=AMOUNT_SETTINGS)
@click.argument("programme_id")
@click.argument("amount")
@date_option
@write_options
@pass_session
def allocate(session: Session, programme_id, amount, on, reason, key, as_json) -> None:
    """Allocate AMOUNT from its ring-fence to programme PROGRAMME_ID."""
    perform_write(
        session,
        ledger.allocate,
        key=key,
        as_json=as_json,
        programme_id=programme_id,
        amount=amount,
        on=on,
        reason=reason,
    )


@click.command(context_settings=AMOUNT_SETTINGS)
@click.argument("experiment_id")
@click.argument("amount")
@click.option("--to", "counterparty", required=True, help="Who the money is committed to.")
@date_option
@write_options
@pass_session
def commit(session: Session, experiment_id, amount, counterparty, on, reason, key, as_json):
    """Commit AMOUNT to experiment EXPERIMENT_ID (an award, contract or investment).

    Above the ring-fence's delegated limit, or past its declared risk appetite, the
    commitment waits for a second fund manager: the request id is printed, for 'fund approve'.
    """

    def said(written: Written) -> str:
        if written.entity == "approval request" and written.said:
            return f"{written.said} (fund approve {written.entity_id} --reason ...)"
        return written.said or f"Commitment #{written.entity_id}."

    perform_write(
        session,
        ledger.commit,
        said,
        key=key,
        as_json=as_json,
        experiment_id=experiment_id,
        amount=amount,
        counterparty=counterparty,
        on=on,
        reason=reason,
    )


def _against_commitment(name: str, service: Callable[..., Written], help: str) -> click.Command:
    """A command that moves AMOUNT against a commitment (pay, decommit, ...)."""

    @click.command(name, context_settings=AMOUNT_SETTINGS, help=help)
    @click.argument("commitment_id")
    @click.argument("amount")
    @date_option
    @write_options
    @pass_session
    def command(session: Session, commitment_id, amount, on, reason, key, as_json) -> None:
        perform_write(
            session,
            service,
            key=key,
            as_json=as_json,
            commitment_id=commitment_id,
            amount=amount,
            on=on,
            reason=reason,
        )

    return command


pay = _against_commitment(
    "pay",
    ledger.pay,
    "Record a payment (disbursement) of AMOUNT against commitment COMMITMENT_ID; "
    "never more than its unpaid balance.",
)
decommit = _against_commitment(
    "decommit",
    ledger.decommit,
    "Release AMOUNT of commitment COMMITMENT_ID that will not be spent.",
)
recover = _against_commitment(
    "recover",
    ledger.recover,
    "Record AMOUNT coming back on commitment COMMITMENT_ID: a clawback or a repayment.",
)
write_off = _against_commitment(
    "write-off",
    ledger.write_off,
    "Recognise that AMOUNT paid on commitment COMMITMENT_ID will not come back.",
)


@click.command("pay-run")
@click.argument("file", type=click.File("rb"))
@write_options
@pass_session
def pay_run(session: Session, file, reason, key, as_json) -> None:
    """Post every payment in the CSV FILE ('-' for stdin) as one run: all of them, or none.

    FILE is UTF-8 text (in Excel, 'CSV UTF-8') whose header names the columns commitment_id,
    amount and, optionally, value_date (default today) and reason (default --reason), each
    once and no others. Payment n is keyed <key>/n, so posting the file again with the same
    --key writes nothing twice. A refusal names every bad row (counted from 1, after the
    header): those that cannot be read and those the rules refuse, together.
    """
    key, generated = idempotency_key(key)
    run = payment_run.read_run(file.read(), reason=reason, key=key)
    payments = run.payments
    written = ledger.pay_run(*session.open(), payments, refused=run.refused)
    if as_json:
        emit_json(
            {
                "payments": len(payments),
                "total": str(payment_run.total(payments)),
                "entries": [w.entity_id for w in written],
                "replayed": sum(w.replayed for w in written),
                "key": key,
            }
        )
        return
    click.echo(payment_run.said(payments, written))
    if generated:
        print_key(key)


@click.command()
@click.argument("entry_id")
@write_options
@pass_session
def reverse(session: Session, entry_id, reason, key, as_json) -> None:
    """Correct ledger entry ENTRY_ID by posting its opposite, dated today."""
    perform_write(
        session,
        ledger.reverse,
        key=key,
        as_json=as_json,
        entry_id=entry_id,
        reason=reason,
    )


COMMANDS: tuple[click.Command, ...] = (
    allocate,
    commit,
    pay,
    pay_run,
    decommit,
    recover,
    write_off,
    reverse,
)
