"""`fund zones` and `fund waivers`: experimental zones, the areas they are compared with,
their outcome series and effect, the waiver register and the auditor's exceptions.

The effect of a zone is the evidence module's difference in differences on its series, so
`fund zones estimate ZONE FILE --json` gives what `fund evidence estimate --design did`
gives on the same data written as a results file; nothing here estimates or judges.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import click
import pandas as pd

from fund import labels, register
from fund.cli.output import emit_json, json_option, records, render_table, show
from fund.cli.session import Session, pass_session
from fund.cli.writes import idempotency_key, perform_write, write_options
from fund.errors import ValidationError
from fund.evidence import results
from fund.money import format_gbp
from fund.pbr.contracts import parse_date
from fund.zones import areas, exceptions, queries, series, waivers, zone
from fund.zones.waivers import Decision, WaiverTerms

AREA_FORM = "CODE=Name"

# What a table for people shows; --json gives every column.
_ZONE_COLUMNS = ["zone_id", "area_name", "area_code", "experiment_id", "budget", "paid"]
_ZONE_COLUMNS += ["starts_on", "ends_on", "stage", "comparisons", "waivers_in_force"]
_ZONE_COLUMNS += ["next_expiry", "official"]
_WAIVER_COLUMNS = ["waiver_id", "zone_id", "zone", "rule", "scope", "status", "granted_on"]
_WAIVER_COLUMNS += ["expires_on", "days_left", "renews", "renewed_by", "granted_by"]
# The estimate of a recorded result set, as `fund results upload --json` gives it.
_STORED = ["design", "method", "effect", "std_error", "ci_low", "ci_high", "n"]
# What `fund zones show` says of the zone's experiment as a test (from ZoneView.judged).
_JUDGED = ["result_id", "design", "method", "effect", "ci_low", "ci_high", "n"]
_JUDGED += ["metric", "metric_unit", "higher_is_better", "target_effect", "derived_verdict"]
_JUDGED += ["verdict", "evidence_level", "plan_status"]


def _shown(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The columns for people that the reader may see (officials' names may be left out)."""
    return table[[c for c in columns if c in table.columns]]


def _areas(given: tuple[str, ...], field: str) -> list[areas.Area]:
    return [areas.parse(text, field) for text in given]


# --- zones ----------------------------------------------------------------------------------


@click.group("zones")
def zones_group() -> None:
    """Experimental zones: a zone on an experimental-zone commitment, its comparison areas,
    its outcome series and effect, and the auditor's exceptions. Waivers: 'fund waivers'."""


@zones_group.command("add")
@click.option("--commitment", "commitment_id", required=True, metavar="ID", help="Its budget.")
@click.option("--area-name", required=True, help="The zone's area as people know it.")
@click.option("--area-code", required=True, metavar="CODE", help="Its ONS code (E08000035).")
@click.option("--start", "starts_on", required=True, metavar="YYYY-MM-DD", help="Zone start.")
@click.option("--end", "ends_on", required=True, metavar="YYYY-MM-DD", help="Zone end.")
@click.option("--official", required=True, help="The accountable official.")
@click.option(
    "--compare",
    "compared",
    multiple=True,
    metavar=AREA_FORM,
    help="A comparison area, e.g. 'E08000036=Wakefield' (repeatable; or later, with"
    " 'fund zones compare').",
)
@write_options
@pass_session
def add_command(session: Session, compared, key, as_json, reason, **fields) -> None:
    """Make a commitment of an experimental-zone experiment a zone (fund manager): its area
    and ONS code, start and end, accountable official and comparison areas."""
    terms = zone.ZoneTerms(**fields, comparisons=_areas(compared, "comparison area"))
    perform_write(session, zone.add_zone, key=key, as_json=as_json, terms=terms, reason=reason)


@zones_group.command("compare")
@click.argument("zone_id")
@click.option(
    "--area",
    "compared",
    multiple=True,
    metavar=AREA_FORM,
    help="A comparison area, e.g. 'E08000036=Wakefield' (repeatable).",
)
@write_options
@pass_session
def compare_command(session: Session, zone_id, compared, key, as_json, reason) -> None:
    """Add comparison areas to ZONE_ID (fund manager); one compared already, or the zone's
    own area, is refused."""
    perform_write(
        session,
        zone.add_comparisons,
        key=key,
        as_json=as_json,
        zone_id=zone_id,
        comparisons=_areas(compared, "comparison area"),
        reason=reason,
    )


@zones_group.command("list")
@json_option
@pass_session
def list_command(session: Session, as_json) -> None:
    """Every zone with its budget, paid, stage, comparison areas and waivers in force."""
    table = queries.zones(*session.open())
    show(table if as_json else _shown(table, _ZONE_COLUMNS), as_json, "zones")


@zones_group.command("show")
@click.argument("zone_id")
@json_option
@pass_session
def show_command(session: Session, zone_id, as_json) -> None:
    """ZONE_ID: the zone, its comparison areas, its waivers, its latest outcome series, and
    its experiment's latest estimate against the target, with the verdict and evidence
    level the evidence module derives."""
    view = queries.zone(*session.open(), zone_id)
    judged = None if view.judged is None else _row(view.judged, _JUDGED)
    if as_json:
        emit_json(
            {
                "zone": _row(view.zone, list(view.zone.index)),
                "comparisons": records(view.comparisons),
                "waivers": records(view.waivers),
                "series": records(view.series),
                "estimate": judged,
                "estimate_from_series": view.from_series,
            }
        )
        return
    click.echo("\n".join(_zone_lines(view.zone)))
    click.echo("\nCompared with:")
    click.echo(render_table(view.comparisons))
    click.echo("\nWaivers:")
    click.echo(render_table(_shown(view.waivers, _WAIVER_COLUMNS)))
    click.echo("")
    click.echo("\n".join(_judged_lines(judged, view)))


def _row(found: pd.Series, names: list[str]) -> dict[str, object]:
    """One row as JSON-ready values (missing ones as null), only the ``names`` it holds."""
    (row,) = records(found[[n for n in names if n in found.index]].to_frame().T)
    return row


def _zone_lines(row: pd.Series) -> list[str]:
    lines = [
        f"Zone #{row['zone_id']} {row['area_name']} ({row['area_code']}):"
        f" {row['experiment']} ({row['programme']})",
        f"Commitment #{row['commitment_id']} to {row['counterparty']}: budget"
        f" {format_gbp(row['budget'])}, paid {format_gbp(row['paid'])}",
        f"From {labels.when(row['starts_on'])} to {labels.when(row['ends_on'])} ({row['stage']})",
    ]
    if "official" in row.index:
        lines.append(f"Accountable official: {row['official']}")
    return lines


def _judged_lines(judged: dict[str, object] | None, view: queries.ZoneView) -> list[str]:
    """The estimate against the target, and the verdict and evidence level, in words, and
    whether the estimate is the zone's series's or the experiment's other results'."""
    series_line = "Outcome series: none yet"
    if not view.series.empty:
        series_line = (
            f"Outcome series: {len(view.series):,} values"
            f" (result set #{view.series['result_id'].iloc[0]})"
        )
    if judged is None or judged["effect"] is None:
        return [series_line, "Estimate: no results yet"]
    better = "higher" if judged["higher_is_better"] else "lower"
    source = "the zone's series" if view.from_series else "not the zone's series"
    return [
        series_line,
        f"Estimate of result set #{judged['result_id']} ({source}): {judged['effect']:,.4g} (95% CI {judged['ci_low']:,.4g} to"
        f" {judged['ci_high']:,.4g}), {judged['method']}, {judged['n']:,} observations",
        f"Target: {judged['target_effect'] or 'none'} ({judged['metric']},"
        f" {judged['metric_unit']}; {better} is better)",
        f"Verdict: {judged['verdict'] or 'none yet'} (the rules derive"
        f" {judged['derived_verdict'] or 'none yet'}); evidence level {judged['evidence_level']}",
    ]


@zones_group.command("estimate")
@click.argument("zone_id")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option
@pass_session
def estimate_command(session: Session, zone_id, file: Path, as_json) -> None:
    """The effect that uploading FILE (CSV: area, period, value) for ZONE_ID would record,
    with its 95% interval: nothing is saved. The zone's area is the treated group, its
    comparison areas the comparison; a period is after the start when it begins on or after
    the zone's start.

    --json prints what 'fund evidence estimate --design did --json' prints for the same
    data written as a results file, with the zone's number."""
    found, effect = series.preview(*session.open(), zone_id, file.read_bytes())
    if as_json:
        emit_json({"zone_id": register.parse_id(zone_id, "zone"), **asdict(effect)})
        return
    periods = found.rows.groupby("post")["period_start"].nunique()
    click.echo(
        "\n".join(
            [
                f"Zone #{register.parse_id(zone_id, 'zone')}:"
                f" {found.rows['area_code'].nunique():,} areas,"
                f" {periods.get(0, 0):,} periods before the start and {periods.get(1, 0):,}"
                " from it (nothing is saved)",
                f"Design:   {effect.design} ({effect.method})",
                f"Effect:   {effect.effect:,.4g}",
                f"95% CI:   {effect.ci_low:,.4g} to {effect.ci_high:,.4g}",
                f"Std err:  {effect.std_error:,.4g}",
                f"Observations: {effect.n:,}",
            ]
        )
    )


@zones_group.command("outcomes")
@click.argument("zone_id")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@write_options
@pass_session
def outcomes_command(session: Session, zone_id, file: Path, key, as_json, reason) -> None:
    """Record FILE (CSV: area, period, value) as ZONE_ID's outcome series, and its effect by
    its experiment's registered plan, which must be a difference in differences (fund
    manager). The file is checked whole first: every bad row is named and nothing is stored;
    a series with no period before the zone's start is refused. --json gives the result
    set's id and estimate."""
    data = file.read_bytes()
    if not as_json:
        perform_write(
            session,
            series.upload,
            key=key,
            as_json=False,
            zone_id=zone_id,
            data=data,
            reason=reason,
        )
        return
    key, _ = idempotency_key(key)
    con, user = session.open()
    written = series.upload(con, user, zone_id, data, key=key, reason=reason)
    experiment_id = series.zone_areas(con, zone_id).experiment_id
    found = results.results(con, user, experiment_id)
    (row,) = records(found.loc[found["result_id"] == written.entity_id, _STORED])
    emit_json(
        {
            "result_id": written.entity_id,
            "zone_id": register.parse_id(zone_id, "zone"),
            "experiment_id": experiment_id,
            "replayed": written.replayed,
            "key": key,
            **row,
        }
    )


@zones_group.command("exceptions")
@click.option(
    "--as-of",
    metavar="YYYY-MM-DD",
    help="As the zones stood at the end of this day (default today).",
)
@json_option
@pass_session
def exceptions_command(session: Session, as_of, as_json) -> None:
    """What an auditor must look at: waivers expiring within 60 days, zones still spending
    after a waiver expired, zones without a comparison area, and zones past their end with
    no verdict (auditor, fund manager)."""
    day = None if as_of is None else parse_date(as_of, "--as-of")
    found = exceptions.exceptions(*session.open(), as_of=day)
    shown = found if as_json else found[["exception", "zone_id", "zone", "detail"]]
    show(shown, as_json, "exceptions")


# --- waivers --------------------------------------------------------------------------------


@click.group("waivers")
def waivers_group() -> None:
    """The waiver register: each rule suspended in a zone, where it comes from, its legal
    basis, who granted it and until when. A waiver always ends; renewing one is a new grant
    with its reason."""


def _options(*options: Callable) -> Callable:
    """Several click options as one decorator, in the order given."""

    def apply(command: Callable) -> Callable:
        for option in reversed(options):
            command = option(command)
        return command

    return apply


# None of these is required by click: a waiver without an expiry or a legal basis is refused
# by the service, one line naming the field and the rule, exit status 1.
_EXPIRES = click.option(
    "--expires", "expires_on", metavar="YYYY-MM-DD", help="Its expiry (a waiver always ends)."
)
_TERMS = _options(
    click.option("--rule", help="The rule suspended."),
    click.option("--source", help="The legislation or guidance it comes from."),
    click.option("--legal-basis", help="The legal basis for suspending it."),
    click.option("--scope", help="Whom it covers: the zone, a client group."),
    _EXPIRES,
)
_GRANTED = _options(
    click.option("--granted-by", help="Who granted it."),
    click.option("--granted-on", metavar="YYYY-MM-DD", help="The day it was granted."),
)
_DECIDED = _options(
    click.option("--by", "authority", help="Who decided."),
    click.option("--on", "decided_on", metavar="YYYY-MM-DD", help="The day it was decided."),
)
_TERM_NAMES = ("rule", "source", "legal_basis", "scope", "expires_on")


@waivers_group.command("request")
@click.argument("zone_id")
@_TERMS
@write_options
@pass_session
def request_command(session: Session, zone_id, key, as_json, reason, **terms) -> None:
    """Record a waiver requested for ZONE_ID, not yet granted (fund manager)."""
    perform_write(
        session,
        waivers.request_waiver,
        key=key,
        as_json=as_json,
        zone_id=zone_id,
        terms=WaiverTerms(**terms),
        reason=reason,
    )


@waivers_group.command("grant")
@click.option("--waiver", "waiver_id", metavar="N", help="Grant this requested waiver.")
@click.option("--zone", "zone_id", metavar="Z", help="Record a waiver granted already in Z.")
@_TERMS
@_GRANTED
@write_options
@pass_session
def grant_command(
    session: Session, waiver_id, zone_id, granted_by, granted_on, key, as_json, reason, **terms
) -> None:
    """Grant a requested waiver (--waiver N), or record one granted before it was recorded
    here (--zone Z with its terms: --rule, --source, --legal-basis, --scope, --expires);
    either way who granted it and on what day (fund manager)."""
    granted = Decision(authority=granted_by, decided_on=granted_on)
    if (waiver_id is None) == (zone_id is None):
        raise ValidationError(
            "waiver", "give --waiver N to grant a request, or --zone Z with the waiver's terms"
        )
    if waiver_id is not None:
        given = [f"--{n.replace('_', '-')}" for n in _TERM_NAMES if terms[n] is not None]
        if given:
            raise ValidationError(
                given[0], "is for --zone Z: a requested waiver's terms are recorded already"
            )
        perform_write(
            session,
            waivers.grant_waiver,
            key=key,
            as_json=as_json,
            waiver_id=waiver_id,
            granted=granted,
            reason=reason,
        )
        return
    perform_write(
        session,
        waivers.record_granted,
        key=key,
        as_json=as_json,
        zone_id=zone_id,
        terms=WaiverTerms(**terms),
        granted=granted,
        reason=reason,
    )


@waivers_group.command("renew")
@click.argument("waiver_id")
@_EXPIRES
@_GRANTED
@write_options
@pass_session
def renew_command(
    session: Session, waiver_id, expires_on, granted_by, granted_on, key, as_json, reason
) -> None:
    """Renew WAIVER_ID, granted (or expired), to a later expiry: a new waiver on the same
    terms, granted afresh, naming the one it renews; the reason says why it is still needed
    (fund manager)."""
    perform_write(
        session,
        waivers.renew_waiver,
        key=key,
        as_json=as_json,
        waiver_id=waiver_id,
        expires_on=expires_on,
        granted=Decision(authority=granted_by, decided_on=granted_on),
        reason=reason,
    )


@waivers_group.command("revoke")
@click.argument("waiver_id")
@_DECIDED
@write_options
@pass_session
def revoke_command(session: Session, key, as_json, **decision) -> None:
    """Revoke WAIVER_ID, requested or in force: the rule applies in the zone again (fund
    manager)."""
    _decide(session, waivers.revoke_waiver, "revoked", key=key, as_json=as_json, **decision)


@waivers_group.command("permanent")
@click.argument("waiver_id")
@_DECIDED
@write_options
@pass_session
def permanent_command(session: Session, key, as_json, **decision) -> None:
    """Record that WAIVER_ID, in force, was made permanent: the rule changed for everyone
    (fund manager)."""
    _decide(session, waivers.make_permanent, "decided", key=key, as_json=as_json, **decision)


def _decide(
    session: Session,
    service: Callable,
    argument: str,
    *,
    waiver_id: str,
    authority: str | None,
    decided_on: str | None,
    key: str | None,
    as_json: bool,
    reason: str,
) -> None:
    """One decision on a waiver, who decided and on what day, passed as the service's
    ``argument``."""
    perform_write(
        session,
        service,
        key=key,
        as_json=as_json,
        waiver_id=waiver_id,
        reason=reason,
        **{argument: Decision(authority=authority, decided_on=decided_on)},
    )


@waivers_group.command("list")
@click.option("--zone", "zone_id", metavar="Z", help="Only this zone's waivers.")
@click.option(
    "--status", type=click.Choice(waivers.STATUSES), help="Only waivers with this status."
)
@json_option
@pass_session
def waivers_list_command(session: Session, zone_id, status, as_json) -> None:
    """The waiver register: each waiver with its status today (requested, granted, expired,
    revoked or made permanent) and, while in force, the days left to its expiry. Board
    members see no officials' names."""
    table = queries.waivers(*session.open(), zone_id=zone_id, status=status)
    show(table if as_json else _shown(table, _WAIVER_COLUMNS), as_json, "waivers")


COMMANDS: tuple[click.Command, ...] = (zones_group, waivers_group)
