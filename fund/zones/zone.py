"""A zone on its commitment, and the areas it is compared with, through the write path.

A zone sits on one commitment (its budget) of an experiment whose instrument is the
experimental zone: the area (name and ONS code), its start and end, the accountable official,
and the comparison areas its effect is measured against. Comparison areas may be added
later (a zone without one is an auditor's exception until then); nothing is ever edited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb

from fund import labels, register
from fund.auth import Permission, User
from fund.errors import NotFound, ValidationError
from fund.pbr.contracts import parse_date
from fund.register import Instrument
from fund.unit_of_work import Request, Step, Written, perform, required_text
from fund.zones import areas
from fund.zones.areas import Area

MAX_OFFICIAL = 200


@dataclass(frozen=True, kw_only=True)
class ZoneTerms:
    """A zone as typed, before it is checked."""

    commitment_id: object
    area_name: object
    area_code: object
    starts_on: object
    ends_on: object
    official: object
    comparisons: list[Area] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class _Checked:
    commitment_id: int
    area: Area
    starts_on: date
    ends_on: date
    official: str
    comparisons: tuple[Area, ...]


def add_zone(
    con: duckdb.DuckDBPyConnection, actor: User, terms: ZoneTerms, *, key: str, reason: str
) -> Written:
    """Make a commitment of an experimental-zone experiment a zone (fund manager)."""
    checked = _checked(terms)
    request = Request(
        operation="add zone",
        key=key,
        reason=reason,
        details={
            "commitment_id": checked.commitment_id,
            "area": vars(checked.area),
            "starts_on": str(checked.starts_on),
            "ends_on": str(checked.ends_on),
            "official": checked.official,
            "comparisons": [vars(a) for a in checked.comparisons],
        },
    )

    def change(step: Step) -> tuple[str, int]:
        title = _on_zone_experiment(step.con, checked.commitment_id)
        (zone_id,) = step.con.execute(
            "INSERT INTO zone (commitment_id, area_name, area_code, starts_on, ends_on,"
            " official, created_by, created_at, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " RETURNING zone_id",
            [
                checked.commitment_id,
                checked.area.name,
                checked.area.code,
                checked.starts_on,
                checked.ends_on,
                checked.official,
                step.actor.user_id,
                step.at,
                step.reason,
            ],
        ).fetchone()
        step.record("zone", zone_id)
        if checked.comparisons:
            _insert_comparisons(step, zone_id, checked.comparisons)
        step.said = (
            f"Zone #{zone_id} {checked.area.name} ({checked.area.code}) added on commitment"
            f" #{checked.commitment_id} of {title!r}, {checked.starts_on} to"
            f" {checked.ends_on}, compared with {_compared(checked.comparisons)}."
        )
        return "zone", zone_id

    return perform(con, actor, Permission.MANAGE_PORTFOLIO, request, change)


def add_comparisons(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    zone_id: object,
    comparisons: list[Area],
    *,
    key: str,
    reason: str,
) -> Written:
    """Add comparison areas to a zone; an area already compared, or the zone's own, is
    refused."""
    number = register.parse_id(zone_id, "zone")
    if not comparisons:
        raise ValidationError("comparison area", "give at least one (CODE=Name)")
    request = Request(
        operation="add comparison areas",
        key=key,
        reason=reason,
        details={"zone_id": number, "comparisons": [vars(a) for a in comparisons]},
    )

    def change(step: Step) -> tuple[str, int]:
        row = step.con.execute(
            "SELECT area_name, area_code, (SELECT list(area_code) FROM zone_comparison AS c"
            " WHERE c.zone_id = z.zone_id) FROM zone AS z WHERE zone_id = ?",
            [number],
        ).fetchone()
        if row is None:
            raise NotFound("zone", "zone", number)
        name, code, held = row
        given = areas.distinct(Area(code, name), comparisons)
        already = [a.code for a in given if a.code in (held or [])]
        if already:
            raise ValidationError(
                "comparison area", f"{', '.join(already)} is already compared with zone #{number}"
            )
        _insert_comparisons(step, number, tuple(given))
        step.said = f"Zone #{number} {name} is now also compared with {_compared(given)}."
        return "zone", number

    return perform(con, actor, Permission.MANAGE_PORTFOLIO, request, change)


def _checked(terms: ZoneTerms) -> _Checked:
    zone = areas.area(terms.area_code, terms.area_name)
    starts_on = parse_date(terms.starts_on, "start")
    ends_on = parse_date(terms.ends_on, "end")
    if ends_on <= starts_on:
        raise ValidationError("end", f"must be after the start ({starts_on}), not {ends_on}")
    return _Checked(
        commitment_id=register.parse_id(terms.commitment_id, "commitment"),
        area=zone,
        starts_on=starts_on,
        ends_on=ends_on,
        official=required_text(
            None if terms.official is None else str(terms.official),
            "accountable official",
            max_length=MAX_OFFICIAL,
        ),
        comparisons=tuple(areas.distinct(zone, list(terms.comparisons))),
    )


def _on_zone_experiment(con: duckdb.DuckDBPyConnection, commitment_id: int) -> str:
    """The experiment's title; refused unless the commitment funds an experimental zone
    whose experiment is not a zone already (its estimate and verdict are the zone's)."""
    row = con.execute(
        "SELECT x.title, x.instrument, z.zone_id, z.commitment_id FROM commitment AS c"
        " JOIN experiment AS x USING (experiment_id)"
        " LEFT JOIN commitment AS s ON s.experiment_id = c.experiment_id"
        " LEFT JOIN zone AS z ON z.commitment_id = s.commitment_id"
        " WHERE c.commitment_id = ? ORDER BY z.zone_id NULLS LAST LIMIT 1",
        [commitment_id],
    ).fetchone()
    if row is None:
        raise NotFound("commitment", "commitment", commitment_id)
    title, instrument, zone_id, zoned = row
    if instrument != Instrument.EXPERIMENTAL_ZONE.value:
        raise ValidationError(
            "commitment",
            f"#{commitment_id} funds {title!r}, a"
            f" {labels.value('instrument', instrument).lower()}: only an experimental zone's"
            " commitment is a zone",
        )
    if zoned == commitment_id:
        raise ValidationError("commitment", f"#{commitment_id} is zone #{zone_id} already")
    if zone_id is not None:
        raise ValidationError(
            "commitment",
            f"{title!r} is zone #{zone_id} already (commitment #{zoned}): an experiment is one"
            " zone, judged by one estimate and verdict",
        )
    return title


def _insert_comparisons(step: Step, zone_id: int, given: tuple[Area, ...] | list[Area]) -> None:
    step.con.execute(
        "INSERT INTO zone_comparison (zone_id, area_code, area_name, added_by, added_at)"
        " SELECT $zone, unnest($codes), unnest($names), $by, $at",
        {
            "zone": zone_id,
            "codes": [a.code for a in given],
            "names": [a.name for a in given],
            "by": step.actor.user_id,
            "at": step.at,
        },
    )
    step.record("zone_comparison", zone_id)


def _compared(given: tuple[Area, ...] | list[Area]) -> str:
    if not given:
        return "no comparison area yet"
    return ", ".join(f"{a.name} ({a.code})" for a in given)
