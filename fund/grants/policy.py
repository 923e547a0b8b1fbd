"""A ring-fence's small-grant policy: its settings, declared and versioned, never constants.

The range says what counts as a small grant here (£500 to £10,000 in the sources, but each
body declares its own); the delegated limit is the most one fund manager may award alone,
within the ring-fence's own delegated limit so that an instrument's limit never widens what
one person may commit; the prefix and organisation identifier are how the body publishes
its grants in 360Giving; reports fall due so many days after a grant's planned end. A
declaration is never edited: each is the next version, as a risk appetite is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

import duckdb

from fund import register
from fund.auth import Permission, User
from fund.errors import ValidationError
from fund.money import format_gbp, to_money
from fund.unit_of_work import Request, Step, Written, perform, required_text

# 360Giving prefixes are registered as lower-case letters, digits and hyphens ("lbfew").
_PREFIX = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
# An organisation identifier from org-id.guide: a list code and the body's number there
# ("GB-LAE-MAN", "GB-GOR-PB123"); 360Giving requires one for the funder.
_ORG_ID = re.compile(r"[A-Z]{2}-[A-Z0-9]{2,}-[A-Za-z0-9][A-Za-z0-9./_-]*")


@dataclass(frozen=True, kw_only=True)
class Policy:
    policy_id: int
    ringfence_id: int
    version: int
    min_amount: Decimal
    max_amount: Decimal
    delegated_limit: Decimal
    id_prefix: str
    funder_id: str
    report_days: int

    def in_range(self, amount: Decimal) -> bool:
        return self.min_amount <= amount <= self.max_amount

    @property
    def range_text(self) -> str:
        return f"{format_gbp(self.min_amount)} to {format_gbp(self.max_amount)}"


_LATEST = """
SELECT policy_id, ringfence_id, version, min_amount, max_amount, delegated_limit, id_prefix,
       funder_id, report_days
FROM grant_policy WHERE ringfence_id = ?
ORDER BY version DESC LIMIT 1
"""


def current(con: duckdb.DuckDBPyConnection, ringfence_id: int) -> Policy | None:
    """The ring-fence's latest small-grant policy, or None if it has declared none."""
    row = con.execute(_LATEST, [ringfence_id]).fetchone()
    return (
        None if row is None else Policy(**dict(zip(Policy.__dataclass_fields__, row, strict=True)))
    )


def required(con: duckdb.DuckDBPyConnection, ringfence_id: int, ringfence_name: str) -> Policy:
    """The policy a grant is judged by; a ring-fence without one makes no small grants."""
    found = current(con, ringfence_id)
    if found is None:
        raise ValidationError(
            "small-grant policy",
            f"ring-fence {ringfence_name!r} has declared none; declare its small-grant range,"
            " delegated limit and 360Giving prefix first (fund grants policy)",
        )
    return found


def declare(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    *,
    ringfence_id: object,
    min_amount: object,
    max_amount: object,
    delegated_limit: object,
    id_prefix: str,
    funder_id: str,
    report_days: object,
    reason: str,
    key: str,
) -> Written:
    """Declare a ring-fence's small-grant policy as its next version (fund manager)."""
    number = register.parse_id(ringfence_id, "ring-fence")
    values = _checked(min_amount, max_amount, delegated_limit, id_prefix, funder_id, report_days)
    details = {"ringfence_id": number, **{k: str(v) for k, v in values.items()}}
    request = Request(operation="declare grant policy", key=key, reason=reason, details=details)

    def change(step: Step) -> tuple[str, int]:
        fence = register.ringfence(step.con, number)
        if values["delegated_limit"] > fence.delegated_limit:
            raise ValidationError(
                "delegated limit",
                f"must not exceed the ring-fence's own delegated limit of"
                f" {format_gbp(fence.delegated_limit)}, not {format_gbp(values['delegated_limit'])}",
            )
        latest = current(step.con, number)
        if latest is not None and _same(latest, values):
            raise ValidationError(
                "small-grant policy", f"is the same as version {latest.version}; nothing was saved"
            )
        version = 1 if latest is None else latest.version + 1
        policy_id = step.con.execute(
            "INSERT INTO grant_policy (ringfence_id, version, min_amount, max_amount,"
            " delegated_limit, id_prefix, funder_id, report_days, declared_by, declared_at,"
            " reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING policy_id",
            [number, version, *values.values(), step.actor.user_id, step.at, step.reason],
        ).fetchone()[0]
        step.record("grant_policy", policy_id)
        step.said = (
            f"Small-grant policy of {fence.name} declared as version {version}:"
            f" {format_gbp(values['min_amount'])} to {format_gbp(values['max_amount'])},"
            f" one fund manager up to {format_gbp(values['delegated_limit'])}."
        )
        return "grant policy", policy_id

    return perform(con, actor, Permission.MANAGE_PORTFOLIO, request, change)


def _checked(
    min_amount: object,
    max_amount: object,
    delegated_limit: object,
    id_prefix: str,
    funder_id: str,
    report_days: object,
) -> dict[str, object]:
    low = to_money(min_amount, "smallest grant")
    high = to_money(max_amount, "largest grant")
    if high < low:
        raise ValidationError("largest grant", f"must not be below the smallest, {format_gbp(low)}")
    limit = to_money(delegated_limit, "delegated limit", positive=False)
    if limit < 0:
        raise ValidationError("delegated limit", "must not be negative")
    prefix = required_text(id_prefix, "360Giving prefix", max_length=40)
    if not _PREFIX.fullmatch(prefix):
        raise ValidationError(
            "360Giving prefix", f"must be lower-case letters, digits and hyphens, not {prefix!r}"
        )
    funder = required_text(funder_id, "funder identifier", max_length=100)
    if not _ORG_ID.fullmatch(funder):
        raise ValidationError(
            "funder identifier",
            f"must be an organisation identifier such as GB-LAE-MAN, not {funder!r}",
        )
    return {
        "min_amount": low,
        "max_amount": high,
        "delegated_limit": limit,
        "id_prefix": prefix,
        "funder_id": funder,
        "report_days": _days(report_days),
    }


def _days(value: object) -> int:
    text = str(value).strip() if value is not None else ""
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 730:
        raise ValidationError(
            "report due after", f"must be a whole number of days from 1 to 730, not {value!r}"
        )
    return int(text)


def _same(latest: Policy, values: dict[str, object]) -> bool:
    return all(getattr(latest, name) == value for name, value in values.items())
