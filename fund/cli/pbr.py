"""`fund pbr`: payment-by-results contracts, their outcome claims and verification, exposure,
the INDIGO export and a social impact bond's investors.

Payments on a contract stay `fund pay` and `fund pay-run`: the ledger pays a contract's
commitment no more than its verified outcomes have earned, within its caps.
"""

from __future__ import annotations

import json
from decimal import Decimal

import click
import pandas as pd

from fund.cli.output import emit_json, json_option, records, render_table, show
from fund.cli.session import Session, pass_session
from fund.cli.writes import AMOUNT_SETTINGS, perform_write, write_options
from fund.errors import ValidationError
from fund.pbr import claims, contracts, exposure, files, indigo, investors

COHORT_FORM = "NAME:YYYY-MM-DD:PARTICIPANTS"


@click.group("pbr")
def pbr_group() -> None:
    """Payment-by-results contracts and social impact bonds: contracts on a commitment, outcome
    claims, their independent verification, exposure and the INDIGO export. Pay with
    'fund pay' or 'fund pay-run'."""


# --- contracts ------------------------------------------------------------------------------


@pbr_group.group("contract")
def contract_group() -> None:
    """Contracts: add one on a payment-by-results commitment, show one, list them."""


@contract_group.command("add", context_settings=AMOUNT_SETTINGS)
@click.option("--commitment", "commitment_id", required=True, metavar="ID", help="The commitment.")
@click.option("--name", required=True, help="The contract's name.")
@click.option("--provider", required=True, help="Who delivers the service and is paid.")
@click.option("--outcome-payer", required=True, help="Who pays for the outcomes.")
@click.option("--start", "starts_on", required=True, metavar="YYYY-MM-DD", help="Term start.")
@click.option("--end", "ends_on", required=True, metavar="YYYY-MM-DD", help="Term end.")
@click.option("--baseline-rule", required=True, help="The comparison or baseline rule.")
@click.option("--verifier", required=True, help="The independent verifier of outcomes.")
@click.option(
    "--rate-card",
    required=True,
    type=click.File("rb"),
    help="CSV with the columns metric, definition, unit_price and, optionally, cap.",
)
@click.option(
    "--cohort",
    "cohorts",
    required=True,
    multiple=True,
    metavar=COHORT_FORM,
    help="A cohort, its start and its number of participants (repeatable).",
)
@click.option("--max-per-participant", metavar="AMOUNT", help="The most one participant may earn.")
@click.option(
    "--expected",
    type=click.File("rb"),
    help="CSV of expected outcomes, columns metric, period_end and quantity (the forecast).",
)
@write_options
@pass_session
def contract_add(
    session: Session, rate_card, cohorts, expected, reason, key, as_json, **fields
) -> None:
    """Put a payment-by-results commitment on contract terms (fund manager).

    From then on the commitment is paid only what verified outcomes have earned. A bad rate
    card or expected-outcomes file is refused naming every bad row (counted from 1, after the
    header).
    """
    terms = contracts.ContractTerms(
        **fields,
        rates=files.read_rate_card(rate_card.read()),
        cohorts=[_cohort(text) for text in cohorts],
        expected=files.read_expected(expected.read()) if expected else [],
    )
    perform_write(
        session, contracts.add_contract, key=key, as_json=as_json, terms=terms, reason=reason
    )


def _cohort(text: str) -> contracts.Cohort:
    """A --cohort as typed: NAME:YYYY-MM-DD:PARTICIPANTS (a name may itself hold colons)."""
    parts = text.rsplit(":", 2)
    if len(parts) != 3:
        raise ValidationError("--cohort", f"must be {COHORT_FORM}, not {text!r}")
    name, starts_on, participants = parts
    return contracts.cohort(name=name, starts_on=starts_on, participants=participants)


@contract_group.command("show")
@click.argument("contract_id")
@json_option
@pass_session
def contract_show(session: Session, contract_id, as_json) -> None:
    """A contract's terms, its rate card with what each metric has earned, its cohorts and
    its expected-outcomes profile."""
    found = contracts.contract(*session.open(), contract_id)
    terms = {
        name: getattr(found, name)
        for name in (
            "contract_id",
            "commitment_id",
            "name",
            "provider",
            "outcome_payer",
            "starts_on",
            "ends_on",
            "max_per_participant",
            "baseline_rule",
            "verifier",
        )
    }
    tables = {
        "rate_card": found.rate_card,
        "cohorts": found.cohorts,
        "expected": found.expected,
    }
    if as_json:
        emit_json(terms | {name: records(table) for name, table in tables.items()})
        return
    for name, value in terms.items():
        click.echo(f"{name.replace('_', ' ').capitalize()}: {_said(value)}")
    for name, table in tables.items():
        click.echo(f"\n{name.replace('_', ' ').capitalize()}:")
        click.echo(render_table(table))


def _said(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, Decimal):
        return f"£{value:,.2f}"
    return str(value)


@contract_group.command("list")
@json_option
@pass_session
def contract_list(session: Session, as_json) -> None:
    """Every payment-by-results contract, one row each."""
    show(contracts.contracts(*session.open()), as_json, "contracts")


# --- claims and verification ----------------------------------------------------------------


@pbr_group.command("claim")
@click.option("--contract", "contract_id", required=True, metavar="ID", help="The contract.")
@click.option("--cohort", required=True, help="The cohort whose outcomes are claimed.")
@click.option("--metric", required=True, help="The outcome metric, as on the rate card.")
@click.option("--participant", help="One participant's reference (where the card caps one).")
@click.option("--period-start", required=True, metavar="YYYY-MM-DD", help="Period start.")
@click.option("--period-end", required=True, metavar="YYYY-MM-DD", help="Period end.")
@click.option("--quantity", required=True, metavar="N", help="How many outcomes are claimed.")
@click.option("--evidence", required=True, help="The evidence for the claim.")
@write_options
@pass_session
def claim_command(session: Session, key, as_json, **claim) -> None:
    """Record an outcome claim with its evidence, to await verification (fund manager)."""
    perform_write(session, claims.record_claim, key=key, as_json=as_json, **claim)


@pbr_group.command("verify")
@click.argument("claim_id")
@click.option("--accept", "accept", is_flag=True, help="Accept every outcome claimed.")
@click.option("--part-accept", "part", metavar="N", help="Accept N of the outcomes claimed.")
@click.option("--reject", "reject", is_flag=True, help="Reject the claim.")
@click.option("--reverse", "reverse", is_flag=True, help="Reverse the claim's standing decision.")
@write_options
@pass_session
def verify_command(session: Session, claim_id, accept, part, reject, reverse, reason, key, as_json):
    """Decide an outcome claim: accept it, accept N of it or reject it, with a reason; or
    reverse the decision that stands (an auditor who neither recorded it nor paid on it)."""
    chosen = [
        d for d, given in (("accept", accept), ("part-accept", part), ("reject", reject)) if given
    ]
    if len(chosen) + reverse != 1:
        raise ValidationError(
            "decision", "give exactly one of --accept, --part-accept N, --reject or --reverse"
        )
    if reverse:
        perform_write(
            session,
            claims.reverse_verification,
            key=key,
            as_json=as_json,
            claim_id=claim_id,
            reason=reason,
        )
        return
    perform_write(
        session,
        claims.verify_claim,
        key=key,
        as_json=as_json,
        claim_id=claim_id,
        decision=chosen[0],
        quantity=part,
        reason=reason,
    )


@pbr_group.command("claims")
@click.option("--contract", "contract_id", metavar="ID", help="Only this contract's claims.")
@click.option("--awaiting", "awaiting_only", is_flag=True, help="Only claims awaiting a decision.")
@json_option
@pass_session
def claims_command(session: Session, contract_id, awaiting_only, as_json) -> None:
    """Outcome claims with their standing decision."""
    table = claims.claims(*session.open(), contract_id=contract_id, awaiting_only=awaiting_only)
    show(table, as_json, "claims")


# --- exposure and the export ----------------------------------------------------------------


@pbr_group.command("exposure")
@json_option
@pass_session
def exposure_command(session: Session, as_json) -> None:
    """Each contract's maximum liability, what verified outcomes have earned within the caps,
    what was paid, what is verified but unpaid, what the rest could still cost (contingent
    liability) and what is to be recovered; and their totals."""
    table = exposure.exposure(*session.open())
    sums = exposure.totals(table)
    if as_json:
        emit_json({"contracts": records(table), "totals": sums})
        return
    click.echo(render_table(table))
    if not table.empty:
        click.echo(
            "Totals: "
            + "; ".join(f"{name.replace('_', ' ')} {_said(sums[name])}" for name in exposure.MONEY)
        )


@pbr_group.command("export")
@click.option(
    "--indigo", "contract_id", required=True, metavar="ID", help="The contract to export."
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the document to this file (default: print it).",
)
@json_option
@pass_session
def export_command(session: Session, contract_id, out, as_json) -> None:
    """A contract, its rate card, claims and payments as one JSON document in the field names
    of the INDIGO impact bond data standard, to publish the bond."""
    document = indigo.export(*session.open(), contract_id)
    if out is None:
        emit_json(document)
        return
    with open(out, "w", encoding="utf-8") as file:
        file.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    if as_json:
        emit_json(
            {"contract_id": int(contract_id), "project": document["project"]["id"], "out": out}
        )
    else:
        click.echo(f"INDIGO document {document['project']['id']} written to {out}.")


# --- investors of a social impact bond ------------------------------------------------------


@pbr_group.group("investor")
def investor_group() -> None:
    """A social impact bond's investors: add one, record their drawdowns and repayments."""


@investor_group.command("add", context_settings=AMOUNT_SETTINGS)
@click.option("--contract", "contract_id", required=True, metavar="ID", help="The contract.")
@click.option("--name", required=True, help="The investor's name.")
@click.option("--committed", required=True, metavar="AMOUNT", help="Capital they committed.")
@write_options
@pass_session
def investor_add(session: Session, key, as_json, **investor) -> None:
    """Add an investor of a contract with the capital they committed (fund manager)."""
    perform_write(session, investors.add_investor, key=key, as_json=as_json, **investor)


@investor_group.command("flow", context_settings=AMOUNT_SETTINGS)
@click.option("--investor", "investor_id", required=True, metavar="ID", help="The investor.")
@click.option("--drawdown", metavar="AMOUNT", help="Capital they put in.")
@click.option("--repayment", metavar="AMOUNT", help="Money they got back.")
@click.option("--on", required=True, metavar="YYYY-MM-DD", help="The day it moved.")
@write_options
@pass_session
def investor_flow(session: Session, investor_id, drawdown, repayment, on, reason, key, as_json):
    """Record an investor's drawdown or repayment on the day it moved (fund manager)."""
    if (drawdown is None) == (repayment is None):
        raise ValidationError("flow", "give exactly one of --drawdown AMOUNT or --repayment AMOUNT")
    kind, amount = (
        (investors.DRAWDOWN, drawdown) if drawdown is not None else (investors.REPAYMENT, repayment)
    )
    perform_write(
        session,
        investors.record_flow,
        key=key,
        as_json=as_json,
        investor_id=investor_id,
        kind=kind,
        amount=amount,
        on=on,
        reason=reason,
    )


@pbr_group.command("investors")
@click.option("--contract", "contract_id", required=True, metavar="ID", help="The contract.")
@json_option
@pass_session
def investors_command(session: Session, contract_id, as_json) -> None:
    """A contract's investors: committed, drawn and repaid, their money multiple and the rate
    of their dated flows (XIRR), or the reason there is none."""
    con, actor = session.open()
    table = investors.investor_returns(con, actor, contract_id)
    if as_json:
        show(table, True, "investors", contract_id=int(contract_id))
        return
    click.echo(render_table(_for_people(table)))


def _for_people(table: pd.DataFrame) -> pd.DataFrame:
    """The multiple as 1.25×, the rate as 7.12% (or why there is none)."""
    return table.assign(
        multiple=[
            "none" if m is None or pd.isna(m) else f"{Decimal(m):.2f}×"
            for m in table["multiple"].tolist()
        ],
        irr=[
            f"{r:.2%}" if r is not None and not pd.isna(r) else (why or "none")
            for r, why in zip(table["irr"].tolist(), table["irr_reason"].tolist(), strict=True)
        ],
    ).drop(columns=["irr_reason"])


COMMANDS: tuple[click.Command, ...] = (pbr_group,)
