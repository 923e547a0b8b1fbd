"""The fund's register: ring-fences, the programmes inside them, the experiments inside those,
and the partners who work on each experiment and bring match funding.

These are the things money moves between; the money itself is in :mod:`fund.ledger`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import IntEnum, StrEnum
from typing import TypeVar

import duckdb
import pandas as pd

from fund.auth import Permission, User, require
from fund.db import duplicate_key, frame
from fund.errors import NotFound, ValidationError
from fund.money import to_money
from fund.unit_of_work import Request, Step, Written, perform, required_text


class Instrument(StrEnum):
    SMALL_GRANT = "small_grant"
    EXPERIMENTAL_ZONE = "experimental_zone"
    PBR_CONTRACT = "pbr_contract"
    SOCIAL_VENTURE = "social_venture"

    @property
    def label(self) -> str:
        return _INSTRUMENT_LABELS[self]


_INSTRUMENT_LABELS = {
    Instrument.SMALL_GRANT: "Small grant",
    Instrument.EXPERIMENTAL_ZONE: "Experimental zone",
    Instrument.PBR_CONTRACT: "Payment-by-results contract",
    Instrument.SOCIAL_VENTURE: "Social venture investment",
}


class Phase(IntEnum):
    """The local social innovation lifecycle; any move may fail or reverse."""

    LATENT = 0
    DESIGN_AND_DISCOVERY = 1
    MOBILISATION = 2
    MAINSTREAM = 3
    EMBEDDING = 4


def phase_label(phase: int) -> str:
    """'2 mobilisation', '1 design & discovery': how a phase is shown."""
    return f"{phase} {Phase(phase).name.lower().replace('_and_', ' & ').replace('_', ' ')}"


class RiskRating(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Involvement(StrEnum):
    """How far service users shape the experiment (a known blind spot, so it is recorded)."""

    INFORMED = "informed"
    CONSULTED = "consulted"
    CO_DESIGNED = "co-designed"
    USER_LED = "user-led"


class Sector(StrEnum):
    GOVERNMENT = "government"
    BUSINESS = "business"
    CIVIL_SOCIETY = "civil_society"
    UNIVERSITY = "university"
    SERVICE_USERS = "service_users"


class PartnerRole(StrEnum):
    INNOVATION_CREATOR = "innovation_creator"
    INNOVATION_SEEKER = "innovation_seeker"
    INVESTOR = "investor"
    POLICY_MAKER = "policy_maker"
    BROKER = "broker"
    EVALUATOR = "evaluator"


E = TypeVar("E", bound=StrEnum)


def choice(kind: type[E], value: str, field: str) -> E:
    """Parse a user's choice ('Small grant', 'small-grant', 'small_grant' all work)."""
    normalised = str(value).strip().lower().replace(" ", "_")
    for member in kind:
        if normalised in (member.value, member.value.replace("-", "_")):
            return member
    allowed = ", ".join(m.value for m in kind)
    raise ValidationError(field, f"must be one of {allowed}, not {value!r}")


@dataclass(frozen=True, kw_only=True)
class PartnerShare:
    """One partner's part in an experiment, with the match funding they bring."""

    name: str
    sector: str
    role: str
    match_cash: Decimal | str | int = Decimal("0.00")
    match_in_kind: Decimal | str | int = Decimal("0.00")


def declare_ringfence(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    *,
    name: str,
    owner_body: str,
    financial_years: str,
    declared_amount: object,
    purpose: str,
    advertised_on: date,
    delegated_limit: object,
    key: str,
    reason: str = "ring-fence declared",
) -> Written:
    """Declare a ring-fence: the public, advertised ceiling on the fund's risk capital."""
    values = {
        "name": required_text(name, "name", max_length=200),
        "owner_body": required_text(owner_body, "owner body", max_length=200),
        "financial_years": required_text(financial_years, "financial years", max_length=50),
        "declared_amount": to_money(declared_amount, "declared amount"),
        "purpose": required_text(purpose, "purpose", max_length=4000),
        "advertised_on": _date(advertised_on, "advertised on"),
        "delegated_limit": to_money(delegated_limit, "delegated limit", positive=False),
    }
    if values["delegated_limit"] < 0:
        raise ValidationError("delegated limit", "must not be negative")

    def change(step: Step) -> tuple[str, int]:
        with _refuse_duplicate(step.con, "ringfence", values["name"]):
            new_id = step.con.execute(
                "INSERT INTO ringfence (name, owner_body, financial_years, declared_amount,"
                " purpose, advertised_on, delegated_limit, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING ringfence_id",
                [*values.values(), step.at],
            ).fetchone()[0]
        step.con.execute(
            "INSERT INTO ringfence_balance VALUES (?, ?, 0)", [new_id, values["declared_amount"]]
        )
        step.record("ringfence", new_id)
        return "ringfence", new_id

    request = Request(operation="declare ring-fence", key=key, reason=reason, details=values)
    return perform(con, actor, Permission.MANAGE_PORTFOLIO, request, change)


def add_programme(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    *,
    ringfence_id: int,
    name: str,
    target: str,
    key: str,
    reason: str = "programme added",
) -> Written:
    """A programme: a challenge with a common target, tested by several experiments at once."""
    values = {
        "ringfence_id": ringfence_id,
        "name": required_text(name, "name", max_length=200),
        "target": required_text(target, "target", max_length=1000),
    }

    def change(step: Step) -> tuple[str, int]:
        ringfence(step.con, ringfence_id)
        with _refuse_duplicate(step.con, "programme", values["name"]):
            new_id = step.con.execute(
                "INSERT INTO programme (ringfence_id, name, target, created_at)"
                " VALUES (?, ?, ?, ?) RETURNING programme_id",
                [*values.values(), step.at],
            ).fetchone()[0]
        step.con.execute("INSERT INTO programme_balance VALUES (?, 0, 0)", [new_id])
        step.record("programme", new_id)
        return "programme", new_id

    request = Request(operation="add programme", key=key, reason=reason, details=values)
    return perform(con, actor, Permission.MANAGE_PORTFOLIO, request, change)


def _experiment_values(
    *, programme_id, title, instrument, risk_rating, official, user_involvement
) -> dict[str, object]:
    """The fields of an experiment a fund manager types, validated before any transaction."""
    return {
        "programme_id": parse_id(programme_id, "programme"),
        "title": required_text(title, "title", max_length=200),
        "instrument": choice(Instrument, instrument, "instrument").value,
        "risk_rating": choice(RiskRating, risk_rating, "risk rating").value,
        "official": required_text(official, "responsible official", max_length=200),
        "user_involvement": choice(Involvement, user_involvement, "service-user involvement").value,
    }


def add_experiment(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    *,
    programme_id: object,
    title: str,
    instrument: str,
    phase: int,
    risk_rating: str,
    official: str,
    user_involvement: str,
    partners: list[PartnerShare] = (),
    key: str,
    reason: str = "experiment added",
) -> Written:
    """An experiment inside a programme, with its partners and their match funding."""
    values = _experiment_values(
        programme_id=programme_id,
        title=title,
        instrument=instrument,
        risk_rating=risk_rating,
        official=official,
        user_involvement=user_involvement,
    )
    values["phase"] = parse_phase(phase)
    shares = _shares(partners)

    def change(step: Step) -> tuple[str, int]:
        programme(step.con, values["programme_id"])
        new_id = step.con.execute(
            "INSERT INTO experiment (programme_id, title, instrument, risk_rating, official,"
            " user_involvement, phase, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " RETURNING experiment_id",
            [*values.values(), step.at],
        ).fetchone()[0]
        _add_shares(step, new_id, shares)
        step.record("experiment", new_id)
        return "experiment", new_id

    details = {**values, "partners": shares}
    request = Request(operation="add experiment", key=key, reason=reason, details=details)
    return perform(con, actor, Permission.MANAGE_PORTFOLIO, request, change)


def update_experiment(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    *,
    experiment_id: object,
    programme_id: object,
    title: str,
    instrument: str,
    risk_rating: str,
    official: str,
    user_involvement: str,
    partners: list[PartnerShare] = (),
    reason: str,
    key: str,
) -> Written:
    """Edit an experiment and replace its partners. Its programme and instrument are fixed
    once money is committed to it, because the ledger books that money to them."""
    values = _experiment_values(
        programme_id=programme_id,
        title=title,
        instrument=instrument,
        risk_rating=risk_rating,
        official=official,
        user_involvement=user_involvement,
    )
    shares = _shares(partners)

    def change(step: Step) -> tuple[str, int]:
        current = experiment(step.con, experiment_id)
        programme(step.con, values["programme_id"])
        moved = (current.programme_id, current.instrument.value) != (
            values["programme_id"],
            values["instrument"],
        )
        if moved and _has_commitments(step.con, current.experiment_id):
            raise ValidationError(
                "programme",
                "money is committed to this experiment, so its programme and "
                "instrument cannot change; decommit or reverse first",
            )
        step.con.execute(
            "UPDATE experiment SET programme_id = ?, title = ?, instrument = ?, risk_rating = ?,"
            " official = ?, user_involvement = ? WHERE experiment_id = ?",
            [*values.values(), current.experiment_id],
        )
        step.con.execute(
            "DELETE FROM experiment_partner WHERE experiment_id = ?", [current.experiment_id]
        )
        _add_shares(step, current.experiment_id, shares)
        step.record("experiment", current.experiment_id)
        return "experiment", current.experiment_id

    details = {"experiment_id": str(experiment_id), **values, "partners": shares}
    request = Request(operation="edit experiment", key=key, reason=reason, details=details)
    return perform(con, actor, Permission.MANAGE_PORTFOLIO, request, change)


def _has_commitments(con: duckdb.DuckDBPyConnection, experiment_id: int) -> bool:
    found = con.execute(
        "SELECT count(*) FROM commitment WHERE experiment_id = ?", [experiment_id]
    ).fetchone()[0]
    return found > 0


def _shares(partners: list[PartnerShare]) -> list[dict[str, object]]:
    """Validate every partner line; one partner may hold a role only once per experiment."""
    shares = [_share(p) for p in partners]
    seen = set()
    for share in shares:
        if (share["name"], share["role"]) in seen:
            raise ValidationError(
                "partners",
                f"{share['name']!r} is listed twice as {share['role'].replace('_', ' ')}",
            )
        seen.add((share["name"], share["role"]))
    return shares


def _share(partner: PartnerShare) -> dict[str, object]:
    share = {
        "name": required_text(partner.name, "partner name", max_length=200),
        "sector": choice(Sector, partner.sector, "partner sector").value,
        "role": choice(PartnerRole, partner.role, "partner role").value,
        "match_cash": to_money(partner.match_cash, "match funding (cash)", positive=False),
        "match_in_kind": to_money(partner.match_in_kind, "match funding (in kind)", positive=False),
    }
    for field in ("match_cash", "match_in_kind"):
        if share[field] < 0:
            label = "match funding (cash)" if field == "match_cash" else "match funding (in kind)"
            raise ValidationError(label, "must not be negative")
    return share


def _add_shares(step: Step, experiment_id: int, shares: list[dict]) -> None:
    """Add an experiment's partner lines (registering new partners); the lines are recorded
    as one group, so that replacing or emptying them is recorded too."""
    for share in shares:
        created = _add_share(step.con, experiment_id, share)
        if created is not None:
            step.record("partner", created)
    step.record("experiment_partner", experiment_id)


def _add_share(con: duckdb.DuckDBPyConnection, experiment_id: int, share: dict) -> int | None:
    """Add one partner line; the id of the partner if this registered it, else None."""
    found = con.execute(
        "SELECT partner_id, sector FROM partner WHERE name = ?", [share["name"]]
    ).fetchone()
    if found is None:
        try:
            partner_id = con.execute(
                "INSERT INTO partner (name, sector) VALUES (?, ?) RETURNING partner_id",
                [share["name"], share["sector"]],
            ).fetchone()[0]
        except duckdb.ConstraintException as error:
            if not duplicate_key(error):
                raise
            # Another change registered this partner since this one began; a retry uses it.
            raise ValidationError(
                "partner name",
                f"{share['name']!r} was registered by another change at the same moment; "
                "nothing of yours was written, try again",
            ) from None
    elif found[1] != share["sector"]:
        raise ValidationError(
            "partner sector", f"{share['name']!r} is already registered as {found[1]}"
        )
    else:
        partner_id = found[0]
    con.execute(
        "INSERT INTO experiment_partner VALUES (?, ?, ?, ?, ?)",
        [experiment_id, partner_id, share["role"], share["match_cash"], share["match_in_kind"]],
    )
    return partner_id if found is None else None


def partners(con: duckdb.DuckDBPyConnection, actor: User, experiment_id: object) -> pd.DataFrame:
    """The partners of one experiment, their sector, role and match funding."""
    require(con, actor, Permission.READ_SUMMARY)
    return frame(
        con,
        "SELECT pt.name, pt.sector, ep.role, ep.match_cash, ep.match_in_kind"
        " FROM experiment_partner AS ep JOIN partner AS pt USING (partner_id)"
        " WHERE ep.experiment_id = ? ORDER BY pt.name, ep.role",
        [parse_id(experiment_id, "experiment")],
    )


def parse_phase(value: object) -> int:
    try:
        phase = int(value)
    except (TypeError, ValueError):
        phase = -1
    if phase not in {p.value for p in Phase}:
        raise ValidationError("phase", f"must be a lifecycle phase from 0 to 4, not {value!r}")
    return phase


def _date(value: object, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(field, f"must be a date as YYYY-MM-DD, not {value!r}") from None


@contextmanager
def _refuse_duplicate(con: duckdb.DuckDBPyConnection, table: str, name: str) -> Iterator[None]:
    """Around the insert of a ring-fence or programme: refuse a name already in use.

    A name saved before this transaction began is found by looking; one that another session
    saved since is met by the insert itself (the name is UNIQUE), and gets the same refusal.
    """
    queries = {
        "ringfence": "SELECT 1 FROM ringfence WHERE name = ?",
        "programme": "SELECT 1 FROM programme WHERE name = ?",
    }
    taken = ValidationError(
        "name", f"a {table.replace('ringfence', 'ring-fence')} called {name!r} already exists"
    )
    if con.execute(queries[table], [name]).fetchone():
        raise taken
    try:
        yield
    except duckdb.ConstraintException as error:
        if not duplicate_key(error):
            raise
        raise taken from None


@dataclass(frozen=True, kw_only=True)
class RingfenceInfo:
    ringfence_id: int
    name: str
    delegated_limit: Decimal


@dataclass(frozen=True, kw_only=True)
class ProgrammeInfo:
    programme_id: int
    ringfence_id: int
    name: str


@dataclass(frozen=True, kw_only=True)
class ExperimentInfo:
    experiment_id: int
    programme_id: int
    ringfence_id: int
    title: str
    instrument: Instrument


def ringfence(con: duckdb.DuckDBPyConnection, ringfence_id: object) -> RingfenceInfo:
    row = con.execute(
        "SELECT ringfence_id, name, delegated_limit FROM ringfence WHERE ringfence_id = ?",
        [parse_id(ringfence_id, "ring-fence")],
    ).fetchone()
    if row is None:
        raise NotFound("ring-fence", "ring-fence", ringfence_id)
    return RingfenceInfo(ringfence_id=row[0], name=row[1], delegated_limit=row[2])


def programme(con: duckdb.DuckDBPyConnection, programme_id: object) -> ProgrammeInfo:
    row = con.execute(
        "SELECT programme_id, ringfence_id, name FROM programme WHERE programme_id = ?",
        [parse_id(programme_id, "programme")],
    ).fetchone()
    if row is None:
        raise NotFound("programme", "programme", programme_id)
    return ProgrammeInfo(programme_id=row[0], ringfence_id=row[1], name=row[2])


def experiment(con: duckdb.DuckDBPyConnection, experiment_id: object) -> ExperimentInfo:
    row = con.execute(
        "SELECT e.experiment_id, e.programme_id, p.ringfence_id, e.title, e.instrument"
        " FROM experiment AS e JOIN programme AS p USING (programme_id)"
        " WHERE e.experiment_id = ?",
        [parse_id(experiment_id, "experiment")],
    ).fetchone()
    if row is None:
        raise NotFound("experiment", "experiment", experiment_id)
    return ExperimentInfo(
        experiment_id=row[0],
        programme_id=row[1],
        ringfence_id=row[2],
        title=row[3],
        instrument=Instrument(row[4]),
    )


def parse_id(value: object, field: str) -> int:
    """Ids arrive from forms and the CLI as text; a missing one is an error, never a pass.

    Only the digits 0-9 make an id (Python's int() would also read '１２３' or '١٢٣'). No
    table's ids go beyond BIGINT, so a larger number names nothing: it is refused as not
    found, as any id that does not exist is, and never reaches the database.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError(field, "is required")
    text = str(value).strip()
    digits = text[1:] if text[:1] in ("+", "-") else text
    if not (digits.isascii() and digits.isdigit()):
        other = any(c.isdigit() and not c.isascii() for c in text)
        written = " written with the digits 0-9" if other else ""
        raise ValidationError(field, f"must be a number{written}, not {value!r}")
    significant = digits.lstrip("0")
    if text.startswith("-") or not significant:
        raise ValidationError(field, f"must be a positive number, not {value!r}")
    if len(significant) > 19 or int(significant) > 2**63 - 1:
        kind = {"entry": "ledger entry", "request": "pending approval request"}.get(field, field)
        raise NotFound(field, kind, significant)
    return int(significant)


def programmes(con: duckdb.DuckDBPyConnection, actor: User) -> pd.DataFrame:
    """Every programme with its ring-fence, for choosing one."""
    require(con, actor, Permission.READ_SUMMARY)
    return frame(
        con,
        "SELECT p.programme_id, p.name AS programme, r.ringfence_id, r.name AS ringfence, p.target"
        " FROM programme AS p JOIN ringfence AS r USING (ringfence_id) ORDER BY r.name, p.name",
    )


def ringfences(con: duckdb.DuckDBPyConnection, actor: User) -> pd.DataFrame:
    """Every ring-fence as declared."""
    require(con, actor, Permission.READ_SUMMARY)
    return frame(
        con,
        "SELECT ringfence_id, name, owner_body, financial_years, declared_amount, purpose,"
        " advertised_on, delegated_limit FROM ringfence ORDER BY name",
    )


def experiment_details(
    con: duckdb.DuckDBPyConnection, actor: User, experiment_id: object
) -> dict[str, object]:
    """One experiment's editable fields, as a form shows them."""
    require(con, actor, Permission.READ_SUMMARY)
    found = experiment(con, experiment_id)
    row = con.execute(
        "SELECT programme_id, title, instrument, phase, risk_rating, official, user_involvement"
        " FROM experiment WHERE experiment_id = ?",
        [found.experiment_id],
    ).fetchall()[0]
    names = [
        "programme_id",
        "title",
        "instrument",
        "phase",
        "risk_rating",
        "official",
        "user_involvement",
    ]
    return dict(zip(names, row, strict=True))


def experiment_choices(con: duckdb.DuckDBPyConnection, actor: User) -> pd.DataFrame:
    """Every experiment with a label to pick it by: '#12 · Title (Programme)'."""
    require(con, actor, Permission.READ_SUMMARY)
    return frame(
        con,
        "SELECT x.experiment_id, x.programme_id,"
        " format('#{} · {} ({})', x.experiment_id, x.title, p.name) AS label"
        " FROM experiment AS x JOIN programme AS p USING (programme_id)"
        " ORDER BY p.name, x.title",
    )
