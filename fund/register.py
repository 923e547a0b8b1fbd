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

from fund import labels
from fund.auth import Permission, User, require
from fund.db import duplicate_key, frame
from fund.errors import NotFound, ValidationError
from fund.money import format_gbp, to_money
from fund.unit_of_work import Request, Step, Written, each_row, perform, required_text


class Instrument(StrEnum):
    SMALL_GRANT = "small_grant"
    EXPERIMENTAL_ZONE = "experimental_zone"
    PBR_CONTRACT = "pbr_contract"
    SOCIAL_VENTURE = "social_venture"

    @property
    def label(self) -> str:
        return labels.INSTRUMENTS[self.value]


class Phase(IntEnum):
    """The local social innovation lifecycle; any move may fail or reverse."""

    LATENT = 0
    DESIGN_AND_DISCOVERY = 1
    MOBILISATION = 2
    MAINSTREAM = 3
    EMBEDDING = 4


def phase_label(phase: int) -> str:
    """'2 mobilisation', '1 design & discovery': how a phase is shown."""
    return labels.PHASES[Phase(phase)]


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
    """One row of an experiment's partners as the person typed it: a partner, their sector
    and role, and the match funding they bring. Any field may be missing (None or blank), so
    that the service, not the screen, decides what an incomplete row means: a row left wholly
    blank is no partner; any other gap is refused, naming the row. Blank money means none."""

    name: str | None = None
    sector: str | None = None
    role: str | None = None
    match_cash: Decimal | str | int | None = None
    match_in_kind: Decimal | str | int | None = None

    def is_blank(self) -> bool:
        """Nothing typed at all: a row added to the table and left empty."""
        fields = (self.name, self.sector, self.role, self.match_cash, self.match_in_kind)
        return all(_blank(value) for value in fields)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# The texts a ring-fence is described by, and the most characters each may hold.
_RINGFENCE_TEXTS = {
    "name": ("name", 200),
    "owner_body": ("owner body", 200),
    "financial_years": ("financial years", 50),
    "purpose": ("purpose", 4000),
}
_PROGRAMME_TEXTS = {"name": ("name", 200), "target": ("target", 1000)}


def _texts(given: dict[str, str | None], rules: dict[str, tuple[str, int]]) -> dict[str, str]:
    """The given texts (None: not given), each required and within its length."""
    return {
        field: required_text(value, rules[field][0], max_length=rules[field][1])
        for field, value in given.items()
        if value is not None
    }


def _delegated_limit(value: object, ring_fence: Decimal) -> Decimal:
    """The largest commitment one fund manager may make alone: at least £0.00 and no more
    than the ring-fence itself holds."""
    limit = to_money(value, "delegated limit", positive=False)
    if limit < 0:
        raise ValidationError("delegated limit", "must not be negative")
    if limit > ring_fence:
        rule = f"must not exceed the ring-fence's {format_gbp(ring_fence)}, not {format_gbp(limit)}"
        raise ValidationError("delegated limit", rule)
    return limit


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
    texts = {"name": name, "owner_body": owner_body, "financial_years": financial_years}
    values = {
        **_texts(texts, _RINGFENCE_TEXTS),
        "declared_amount": to_money(declared_amount, "declared amount"),
        **_texts({"purpose": purpose}, _RINGFENCE_TEXTS),
        "advertised_on": _date(advertised_on, "advertised on"),
    }
    values["delegated_limit"] = _delegated_limit(delegated_limit, values["declared_amount"])

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
        step.said = (
            f"Ring-fence #{new_id} {values['name']!r} declared: "
            f"{format_gbp(values['declared_amount'])}, delegated limit "
            f"{format_gbp(values['delegated_limit'])}."
        )
        return "ringfence", new_id

    request = Request(operation="declare ring-fence", key=key, reason=reason, details=values)
    return perform(con, actor, Permission.MANAGE_PORTFOLIO, request, change)


def update_ringfence(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    *,
    ringfence_id: object,
    name: str | None = None,
    owner_body: str | None = None,
    financial_years: str | None = None,
    purpose: str | None = None,
    delegated_limit: object = None,
    reason: str,
    key: str,
) -> Written:
    """Edit how a ring-fence is described and its delegated limit; a field not given (None)
    stays as it is.

    The declared amount and the date it was advertised are not edited: they are what was
    publicly declared, and the ceiling moves only by a ring-fence virement, which the ledger
    records and a second fund manager approves. The delegated limit may only be lowered.
    """
    target = parse_id(ringfence_id, "ring-fence")
    given = {
        "name": name,
        "owner_body": owner_body,
        "financial_years": financial_years,
        "purpose": purpose,
    }
    changes: dict[str, object] = _texts(given, _RINGFENCE_TEXTS)
    if delegated_limit is not None:
        changes["delegated_limit"] = to_money(delegated_limit, "delegated limit", positive=False)

    def change(step: Step) -> tuple[str, int]:
        before = _editable(step.con, "ringfence", target)
        after = {**before, **changes}
        _refuse_unchanged("ring-fence", before, after)
        if "delegated_limit" in changes:
            _delegated_limit(after["delegated_limit"], before["ring_fence"])
            _not_raised(before["delegated_limit"], after["delegated_limit"])
        _rename(step.con, "ringfence", target, before["name"], after["name"])
        step.con.execute(
            "UPDATE ringfence SET owner_body = ?, financial_years = ?, purpose = ?,"
            " delegated_limit = ? WHERE ringfence_id = ?",
            [*(after[f] for f in _RINGFENCE_UPDATED), target],
        )
        step.record("ringfence", target)
        step.said = _edited("Ring-fence", target, before, after)
        return "ringfence", target

    details = {"ringfence_id": target, **changes}
    request = Request(operation="edit ring-fence", key=key, reason=reason, details=details)
    return perform(con, actor, Permission.MANAGE_PORTFOLIO, request, change)


_RINGFENCE_UPDATED = ("owner_body", "financial_years", "purpose", "delegated_limit")


def _not_raised(before: Decimal, after: Decimal) -> None:
    """A delegated limit may be lowered by one fund manager but never raised: a higher limit
    widens what one person may commit alone, so it must not be one person's decision."""
    if after > before:
        raise ValidationError(
            "delegated limit",
            f"may only be lowered here ({format_gbp(after)} is above {format_gbp(before)});"
            " raising it would let one person commit more alone",
        )


def add_programme(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    *,
    ringfence_id: object,
    name: str,
    target: str,
    key: str,
    reason: str = "programme added",
) -> Written:
    """A programme: a challenge with a common target, tested by several experiments at once."""
    values = {
        "ringfence_id": parse_id(ringfence_id, "ring-fence"),
        **_texts({"name": name, "target": target}, _PROGRAMME_TEXTS),
    }

    def change(step: Step) -> tuple[str, int]:
        inside = ringfence(step.con, values["ringfence_id"])
        with _refuse_duplicate(step.con, "programme", values["name"]):
            new_id = step.con.execute(
                "INSERT INTO programme (ringfence_id, name, target, created_at)"
                " VALUES (?, ?, ?, ?) RETURNING programme_id",
                [*values.values(), step.at],
            ).fetchone()[0]
        step.con.execute("INSERT INTO programme_balance VALUES (?, 0, 0)", [new_id])
        step.record("programme", new_id)
        step.said = f"Programme #{new_id} {values['name']!r} added to ring-fence {inside.name!r}."
        return "programme", new_id

    request = Request(operation="add programme", key=key, reason=reason, details=values)
    return perform(con, actor, Permission.MANAGE_PORTFOLIO, request, change)


def update_programme(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    *,
    programme_id: object,
    name: str | None = None,
    target: str | None = None,
    reason: str,
    key: str,
) -> Written:
    """Rename a programme or restate its target; a field not given (None) stays as it is.
    Its ring-fence is fixed: the ledger books its allocations to that ring-fence."""
    programme_key = parse_id(programme_id, "programme")
    changes = _texts({"name": name, "target": target}, _PROGRAMME_TEXTS)

    def change(step: Step) -> tuple[str, int]:
        before = _editable(step.con, "programme", programme_key)
        after = {**before, **changes}
        _refuse_unchanged("programme", before, after)
        _rename(step.con, "programme", programme_key, before["name"], after["name"])
        step.con.execute(
            "UPDATE programme SET target = ? WHERE programme_id = ?",
            [after["target"], programme_key],
        )
        step.record("programme", programme_key)
        step.said = _edited("Programme", programme_key, before, after)
        return "programme", programme_key

    details = {"programme_id": programme_key, **changes}
    request = Request(operation="edit programme", key=key, reason=reason, details=details)
    return perform(con, actor, Permission.MANAGE_PORTFOLIO, request, change)


# What an edit can change, read in its transaction (with the ring-fence's size, which bounds
# its delegated limit); fixed statements, one per table.
_EDITABLE = {
    "ringfence": (
        "SELECT r.name, r.owner_body, r.financial_years, r.purpose, r.delegated_limit,"
        " b.ceiling AS ring_fence FROM ringfence AS r JOIN ringfence_balance AS b"
        " USING (ringfence_id) WHERE ringfence_id = ?"
    ),
    "programme": "SELECT name, target FROM programme WHERE programme_id = ?",
}
_FIELD_LABELS = {
    "owner_body": "owner body",
    "financial_years": "financial years",
    "purpose": "purpose",
    "target": "target",
}


def _editable(con: duckdb.DuckDBPyConnection, table: str, key: int) -> dict[str, object]:
    found = con.execute(_EDITABLE[table], [key])
    row = found.fetchone()
    if row is None:
        kind = table.replace("ringfence", "ring-fence")
        raise NotFound(kind, kind, key)
    return dict(zip([column[0] for column in found.description], row, strict=True))


_RENAME = {
    "ringfence": "UPDATE ringfence SET name = ? WHERE ringfence_id = ?",
    "programme": "UPDATE programme SET name = ? WHERE programme_id = ?",
}


def _rename(con: duckdb.DuckDBPyConnection, table: str, key: int, old: str, new: str) -> None:
    """Give a ring-fence or programme a new name, unless another already has it. (Nothing
    refers to either by a foreign key, so DuckDB's delete-and-insert of a changed UNIQUE
    column is never blocked: see migration 0005.)"""
    if new == old:
        return
    with _refuse_duplicate(con, table, new):
        con.execute(_RENAME[table], [new, key])


def _refuse_unchanged(kind: str, before: dict, after: dict) -> None:
    """An edit that changes nothing is refused, so that no audit row records nothing."""
    if after == before:
        raise ValidationError(kind, "nothing to change: every field given is as it already is")


def _edited(kind: str, key: int, before: dict, after: dict) -> str:
    """What an edit did, in words: "Programme #2 'Youth services': renamed from 'Youth';
    target changed." """
    said = []
    if after["name"] != before["name"]:
        said.append(f"renamed from {before['name']!r}")
    changed = [label for f, label in _FIELD_LABELS.items() if before.get(f) != after.get(f)]
    if changed:
        said.append(f"{_listing(changed)} changed")
    if before.get("delegated_limit") != after.get("delegated_limit"):
        was, now = format_gbp(before["delegated_limit"]), format_gbp(after["delegated_limit"])
        said.append(f"delegated limit now {now} (was {was})")
    return f"{kind} #{key} {after['name']!r}: {'; '.join(said)}."


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
    shares = partner_rows(partners)

    def change(step: Step) -> tuple[str, int]:
        inside = programme(step.con, values["programme_id"])
        new_id = step.con.execute(
            "INSERT INTO experiment (programme_id, title, instrument, risk_rating, official,"
            " user_involvement, phase, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " RETURNING experiment_id",
            [*values.values(), step.at],
        ).fetchone()[0]
        _add_shares(step, new_id, shares)
        step.record("experiment", new_id)
        step.said = (
            f"Experiment #{new_id} {values['title']!r} added to programme {inside.name!r} "
            f"with {_partner_count(shares)}."
        )
        return "experiment", new_id

    details = {**values, "partners": [share for _, share in shares]}
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
    shares = partner_rows(partners)

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
        step.said = (
            f"Experiment #{current.experiment_id} {values['title']!r} saved "
            f"with {_partner_count(shares)}."
        )
        return "experiment", current.experiment_id

    details = {
        "experiment_id": str(experiment_id),
        **values,
        "partners": [share for _, share in shares],
    }
    request = Request(operation="edit experiment", key=key, reason=reason, details=details)
    return perform(con, actor, Permission.MANAGE_PORTFOLIO, request, change)


def _has_commitments(con: duckdb.DuckDBPyConnection, experiment_id: int) -> bool:
    found = con.execute(
        "SELECT count(*) FROM commitment WHERE experiment_id = ?", [experiment_id]
    ).fetchone()[0]
    return found > 0


def _partner_count(shares: list) -> str:
    """'no partners', '1 partner', '2 partners'."""
    return {0: "no partners", 1: "1 partner"}.get(len(shares), f"{len(shares)} partners")


def partner_rows(partners: list[PartnerShare]) -> list[tuple[int, dict[str, object]]]:
    """Every partner row with what was typed in it, validated, as (row number, share).

    Rows are numbered from 1 as the person sees them, blank ones included; a wholly blank
    row is skipped. Every bad row is named at once, and one partner may hold a role only
    once per experiment.
    """
    typed = [(row, p) for row, p in enumerate(partners, start=1) if not p.is_blank()]
    shares = list(zip([row for row, _ in typed], each_row(_share, typed), strict=True))
    first_row: dict[tuple[object, object], int] = {}

    def listed_once(numbered: tuple[int, dict[str, object]]) -> None:
        row, share = numbered
        first = first_row.setdefault((share["name"], share["role"]), row)
        if first != row:
            role = str(share["role"]).replace("_", " ")
            rule = f"{share['name']!r} is already listed as {role} in row {first}"
            raise ValidationError("partner", rule)

    each_row(listed_once, _numbered(shares))
    return shares


def _numbered(shares: list[tuple[int, dict]]) -> list[tuple[int, tuple[int, dict]]]:
    """Shares as :func:`fund.unit_of_work.each_row` takes them, for a check that needs the
    row number too (to say which earlier row a row clashes with)."""
    return [(row, (row, share)) for row, share in shares]


def _listing(words: list[str]) -> str:
    """'sector', 'sector and role', 'name, sector and role'."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


_PARTNER_FIELDS = (("name", "name"), ("sector", "sector"), ("role", "role"))
_MATCH = {"match_cash": "match funding (cash)", "match_in_kind": "match funding (in kind)"}


def _share(partner: PartnerShare) -> dict[str, object]:
    """One partner row, validated; every required field it lacks is named at once."""
    missing = [label for field, label in _PARTNER_FIELDS if _blank(getattr(partner, field))]
    if missing:
        rule = "is required" if len(missing) == 1 else "are required"
        raise ValidationError(f"partner {_listing(missing)}", rule)
    share = {
        "name": required_text(partner.name, "partner name", max_length=200),
        "sector": choice(Sector, partner.sector, "partner sector").value,
        "role": choice(PartnerRole, partner.role, "partner role").value,
    }
    for field, label in _MATCH.items():
        typed = getattr(partner, field)
        share[field] = to_money("0.00" if _blank(typed) else typed, label, positive=False)
        if share[field] < 0:
            raise ValidationError(label, "must not be negative")
    return share


def _add_shares(step: Step, experiment_id: int, shares: list[tuple[int, dict]]) -> None:
    """Add an experiment's partner lines (registering new partners); the lines are recorded
    as one group, so that replacing or emptying them is recorded too."""
    _one_sector_each(step.con, shares)
    for _, share in shares:
        created = _add_share(step.con, experiment_id, share)
        if created is not None:
            step.record("partner", created)
    step.record("experiment_partner", experiment_id)


def _one_sector_each(con: duckdb.DuckDBPyConnection, shares: list[tuple[int, dict]]) -> None:
    """A partner is in one sector: the one it is registered in, or else the one its first
    row here gives. Read in one query, before anything is written, so every clash is named."""
    names = sorted({share["name"] for _, share in shares})
    registered = con.execute(
        "SELECT name, sector FROM partner WHERE name IN (SELECT unnest(?::VARCHAR[]))", [names]
    ).fetchall()
    sector_of = {name: (sector, None) for name, sector in registered}

    def same_sector(numbered: tuple[int, dict]) -> None:
        row, share = numbered
        sector, first = sector_of.setdefault(share["name"], (share["sector"], row))
        if sector != share["sector"]:
            where = "already registered" if first is None else f"given in row {first}"
            rule = f"{share['name']!r} is {where} as {sector.replace('_', ' ')}"
            raise ValidationError("partner sector", rule)

    each_row(same_sector, _numbered(shares))


def _add_share(con: duckdb.DuckDBPyConnection, experiment_id: int, share: dict) -> int | None:
    """Add one partner line; the id of the partner if this registered it, else None."""
    found = con.execute("SELECT partner_id FROM partner WHERE name = ?", [share["name"]]).fetchone()
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
