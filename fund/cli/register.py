"""The register: `fund ringfence`, `fund programme` and `fund experiment`."""

from __future__ import annotations

import click

from fund import portfolio, register
from fund.cli.output import json_option, show
from fund.cli.session import Session, pass_session
from fund.cli.writes import perform_write, write_options
from fund.lessons import register as lessons_register

INSTRUMENT_LABELS = {i.value: i.label for i in register.Instrument}


# --- ring-fences -----------------------------------------------------------------------


@click.group("ringfence")
def ringfence_group() -> None:
    """Ring-fences: the declared, advertised ceilings on the fund's risk capital."""


@ringfence_group.command("declare")
@click.option("--name", required=True, help="Name of the ring-fence.")
@click.option("--owner", "owner_body", required=True, help="The public body that declares it.")
@click.option("--years", "financial_years", required=True, help="Financial year(s), e.g. 2025-26.")
@click.option("--amount", "declared_amount", required=True, help="Declared amount in pounds.")
@click.option("--purpose", required=True, help="Public statement of purpose.")
@click.option("--advertised", "advertised_on", required=True, metavar="YYYY-MM-DD")
@click.option(
    "--delegated-limit", required=True, help="Largest commitment one fund manager may make alone."
)
@write_options
@pass_session
def ringfence_declare(session: Session, key, as_json, **values) -> None:
    """Declare a ring-fence: its owner, years, amount, purpose and advertisement date."""
    perform_write(
        session,
        register.declare_ringfence,
        key=key,
        as_json=as_json,
        **values,
    )


@ringfence_group.command("edit")
@click.argument("ringfence_id")
@click.option("--name", help="A new name.")
@click.option("--owner", "owner_body", help="The public body that declares it.")
@click.option("--years", "financial_years", help="Financial year(s), e.g. 2025-26 to 2026-27.")
@click.option("--purpose", help="Public statement of purpose.")
@click.option("--delegated-limit", help="Largest commitment one fund manager may make alone.")
@write_options
@pass_session
def ringfence_edit(session: Session, ringfence_id, key, as_json, **values) -> None:
    """Edit ring-fence RINGFENCE_ID: only the options given change. Its declared amount is
    not edited: only a ring-fence virement moves the ceiling."""
    perform_write(
        session,
        register.update_ringfence,
        key=key,
        as_json=as_json,
        ringfence_id=ringfence_id,
        **values,
    )


@ringfence_group.command("list")
@json_option
@pass_session
def ringfence_list(session: Session, as_json: bool) -> None:
    """Every ring-fence as declared."""
    frame = register.ringfences(*session.open())
    shown = frame if as_json else frame.drop(columns=["purpose"])
    show(shown, as_json, "ringfences")


# --- programmes ------------------------------------------------------------------------


@click.group("programme")
def programme_group() -> None:
    """Programmes: challenges with a common target, inside a ring-fence."""


@programme_group.command("add")
@click.argument("ringfence_id")
@click.option("--name", required=True, help="Name of the programme.")
@click.option("--target", required=True, help="The common target its experiments share.")
@write_options
@pass_session
def programme_add(session: Session, ringfence_id, key, as_json, **values) -> None:
    """Add a programme to ring-fence RINGFENCE_ID."""
    perform_write(
        session,
        register.add_programme,
        key=key,
        as_json=as_json,
        ringfence_id=ringfence_id,
        **values,
    )


@programme_group.command("edit")
@click.argument("programme_id")
@click.option("--name", help="A new name.")
@click.option("--target", help="The common target its experiments share.")
@write_options
@pass_session
def programme_edit(session: Session, programme_id, key, as_json, **values) -> None:
    """Rename programme PROGRAMME_ID or restate its target: only the options given change."""
    perform_write(
        session,
        register.update_programme,
        key=key,
        as_json=as_json,
        programme_id=programme_id,
        **values,
    )


@programme_group.command("list")
@json_option
@pass_session
def programme_list(session: Session, as_json: bool) -> None:
    """Every programme with its ring-fence."""
    frame = register.programmes(*session.open())
    show(frame if as_json else frame.drop(columns=["target"]), as_json, "programmes")


# --- experiments -----------------------------------------------------------------------


@click.group("experiment")
def experiment_group() -> None:
    """Experiments: the things the fund spends on, inside a programme."""


@experiment_group.command("add")
@click.argument("programme_id")
@click.option("--title", required=True)
@click.option(
    "--instrument",
    required=True,
    help="small_grant, experimental_zone, pbr_contract or social_venture.",
)
@click.option("--phase", default="0", show_default=True, help="Lifecycle phase, 0 to 4.")
@click.option("--risk", "risk_rating", required=True, help="low, medium or high.")
@click.option("--official", required=True, help="The responsible official.")
@click.option(
    "--involvement",
    "user_involvement",
    required=True,
    help="Service-user involvement: informed, consulted, co-designed or user-led.",
)
@click.option(
    "--partner",
    "partner_specs",
    multiple=True,
    nargs=5,
    metavar="NAME SECTOR ROLE CASH IN_KIND",
    help="A partner and their match funding; repeat for each.",
)
@write_options
@pass_session
def experiment_add(session: Session, programme_id, partner_specs, key, as_json, **values) -> None:
    """Add an experiment to programme PROGRAMME_ID, with its partners."""
    partners = [
        register.PartnerShare(name=n, sector=s, role=r, match_cash=c, match_in_kind=k)
        for n, s, r, c, k in partner_specs
    ]
    perform_write(
        session,
        register.add_experiment,
        key=key,
        as_json=as_json,
        programme_id=programme_id,
        partners=partners,
        **values,
    )


@experiment_group.command("list")
@json_option
@pass_session
def experiment_list(session: Session, as_json: bool) -> None:
    """Every experiment with its money and match funding."""
    frame = portfolio.experiments(*session.open())
    if not as_json:
        frame = frame[
            ["experiment_id", "title", "programme", "instrument", "phase", "committed", "paid"]
        ].assign(
            instrument=frame["instrument"].map(INSTRUMENT_LABELS),
            phase=frame["phase"].map(portfolio.PHASE_LABELS),
        )
    show(frame, as_json, "experiments")


@experiment_group.command("close")
@click.argument("experiment_id")
@write_options
@pass_session
def experiment_close(session: Session, experiment_id, key, as_json, reason) -> None:
    """Close EXPERIMENT_ID with its latest lesson (fund manager): refused without a lesson,
    while a commitment to it has money not yet paid or waits for approval, or twice.
    A closed experiment takes no new commitment."""
    perform_write(
        session,
        lessons_register.close_experiment,
        key=key,
        as_json=as_json,
        experiment_id=experiment_id,
        reason=reason,
    )


COMMANDS: tuple[click.Command, ...] = (ringfence_group, programme_group, experiment_group)
