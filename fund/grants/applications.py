"""A small grant's life: application → decision → payments → end-of-grant report → closed.

An application is recorded by a fund manager for a frontline team, a service-user group, a
community organisation or a social enterprise, within the ring-fence's small-grant range.
The decision awards it (a commitment of the scheme's experiment, made at once up to the
delegated limit, or waiting for a second fund manager above it or when it completes a split
award) or declines it with a reason. A decision is reconsidered only by a recorded reversal
that names it, never by editing. Payments are ordinary disbursements on the award's
commitment. The report says what was done, what was learned and what was spent; closing a
reported grant releases what it left unpaid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

import duckdb

from fund import register
from fund.auth import Permission, User
from fund.board import appetite
from fund.db import BOOKS_TIMEZONE
from fund.errors import NotFound, ValidationError
from fund.grants import policy as grant_policy
from fund.grants.booking import link
from fund.grants.split import NEARBY, Nearby, second_person
from fund.ledger import approvals
from fund.ledger.posting import booked, commit_target, open_commitment, post
from fund.ledger.rules import Attempt, Balances, Kind, Movement
from fund.ledger.service import value_date
from fund.money import ZERO, format_gbp, to_money
from fund.unit_of_work import Request, Step, Written, perform, required_text


class ApplicantType(StrEnum):
    FRONTLINE_TEAM = "frontline_team"
    SERVICE_USER_GROUP = "service_user_group"
    COMMUNITY_ORGANISATION = "community_organisation"
    SOCIAL_ENTERPRISE = "social_enterprise"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


def scheme(
    con: duckdb.DuckDBPyConnection, programme_id: object, experiment_id: object = None
) -> register.ExperimentInfo:
    """The small-grant experiment a programme's grants are made under: the one named, or the
    programme's only one."""
    programme = register.programme(con, programme_id)
    if experiment_id not in (None, ""):
        found = register.experiment(con, experiment_id)
        if found.instrument is not register.Instrument.SMALL_GRANT:
            raise ValidationError(
                "experiment", f"#{found.experiment_id} is not a small-grant experiment"
            )
        if found.programme_id != programme.programme_id:
            raise ValidationError(
                "experiment", f"#{found.experiment_id} is not in programme {programme.name!r}"
            )
        return found
    ids = [
        row[0]
        for row in con.execute(
            "SELECT experiment_id FROM experiment WHERE programme_id = ?"
            " AND instrument = 'small_grant' ORDER BY experiment_id",
            [programme.programme_id],
        ).fetchall()
    ]
    if len(ids) != 1:
        found_words = "none" if not ids else f"{len(ids)} ({', '.join(f'#{i}' for i in ids)})"
        raise ValidationError(
            "experiment",
            f"programme {programme.name!r} has {found_words} small-grant experiments;"
            " name the one the grant is made under",
        )
    return register.experiment(con, ids[0])


def _planned(start: object, end: object) -> tuple[date, date]:
    first = _day(start, "planned start")
    last = _day(end, "planned end")
    if last < first:
        raise ValidationError("planned end", f"must not be before the planned start, {first}")
    return first, last


def _day(value: object, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise ValidationError(field, f"must be a date as YYYY-MM-DD, not {value!r}") from None


def apply(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    *,
    programme_id: object,
    applicant_type: str,
    applicant: str,
    recipient: str,
    title: str,
    purpose: str,
    amount: object,
    planned_start: object,
    planned_end: object,
    key: str,
    recipient_id: str | None = None,
    experiment_id: object = None,
    reason: str = "small-grant application recorded",
) -> Written:
    """Record an application for a small grant; nothing is committed until it is decided."""
    values = {
        "applicant_type": register.choice(ApplicantType, applicant_type, "applicant type"),
        "applicant": required_text(applicant, "applicant", max_length=200),
        "recipient": required_text(recipient, "organisation or group", max_length=200),
        "recipient_id": (recipient_id or "").strip() or None,
        "title": required_text(title, "title", max_length=200),
        "purpose": required_text(purpose, "purpose", max_length=4000),
        "amount": to_money(amount, "amount"),
    }
    if values["recipient_id"] is not None:
        values["recipient_id"] = required_text(values["recipient_id"], "recipient identifier")
    values["planned_start"], values["planned_end"] = _planned(planned_start, planned_end)
    details = {"programme_id": str(programme_id), "experiment_id": str(experiment_id), **values}
    request = Request(operation="apply for grant", key=key, reason=reason, details=details)

    def change(step: Step) -> tuple[str, int]:
        target = scheme(step.con, programme_id, experiment_id)
        rules = grant_policy.required(step.con, target.ringfence_id, _fence(step.con, target))
        if not rules.in_range(values["amount"]):
            raise ValidationError(
                "amount",
                f"{format_gbp(values['amount'])} is outside the small-grant range,"
                f" {rules.range_text}",
            )
        grant_id = step.con.execute("SELECT nextval('small_grant_id')").fetchone()[0]
        step.con.execute(
            "INSERT INTO small_grant (grant_id, experiment_id, identifier, applicant_type,"
            " applicant, recipient, recipient_id, recipient_key, title, purpose, amount,"
            " planned_start, planned_end, applied_by, applied_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, recipient_key(?), ?, ?, ?, ?, ?, ?, ?)",
            [
                grant_id,
                target.experiment_id,
                f"360G-{rules.id_prefix}-{grant_id}",
                values["applicant_type"].value,
                values["applicant"],
                values["recipient"],
                values["recipient_id"],
                values["recipient"],
                values["title"],
                values["purpose"],
                values["amount"],
                values["planned_start"],
                values["planned_end"],
                step.actor.user_id,
                step.at,
            ],
        )
        step.record("small_grant", grant_id)
        step.said = (
            f"Application #{grant_id} recorded: {format_gbp(values['amount'])} for"
            f" {values['recipient']} ({values['title']})."
        )
        return "small grant", grant_id

    return perform(con, actor, Permission.COMMIT, request, change)


def _fence(con: duckdb.DuckDBPyConnection, target: register.ExperimentInfo) -> str:
    return register.ringfence(con, target.ringfence_id).name


@dataclass(frozen=True, kw_only=True)
class Grant:
    """An application as a decision reads it, with its live decision (if any)."""

    grant_id: int
    identifier: str
    experiment_id: int
    recipient: str
    recipient_id: str | None
    amount: Decimal
    planned_end: date | None
    decision_id: int | None
    decision: str | None
    awarded: Decimal | None
    request_id: int | None
    request_approved: bool | None
    commitment_id: int | None
    reported: bool
    closed: bool
    applied_at: datetime  # UTC, as rows record it

    @property
    def applied_on(self) -> date:
        """The books' (UK) day the application was recorded."""
        return self.applied_at.replace(tzinfo=UTC).astimezone(BOOKS_TIMEZONE).date()

    @property
    def named(self) -> str:
        return f"grant #{self.grant_id} ({self.identifier})"

    @property
    def decided(self) -> bool:
        """A live decision stands: one an approver rejected no longer does."""
        return self.decision is not None and self.request_approved is not False


_GRANT = """
SELECT g.grant_id, g.identifier, g.experiment_id, g.recipient, g.recipient_id, g.amount,
       g.planned_end, d.decision_id, d.decision, d.amount, d.request_id, d.request_approved,
       d.commitment_id,
       EXISTS (SELECT 1 FROM grant_report AS r WHERE r.grant_id = g.grant_id),
       EXISTS (SELECT 1 FROM grant_closure AS c WHERE c.grant_id = g.grant_id),
       g.applied_at
FROM small_grant AS g
LEFT JOIN grant_live_decision AS d USING (grant_id)
WHERE g.grant_id = ?
"""


def grant(con: duckdb.DuckDBPyConnection, grant_id: object) -> Grant:
    number = register.parse_id(grant_id, "grant")
    row = con.execute(_GRANT, [number]).fetchone()
    if row is None:
        raise NotFound("grant", "small grant", number)
    return Grant(**dict(zip(Grant.__dataclass_fields__, row, strict=True)))


def decide(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    *,
    grant_id: object,
    award: bool,
    reason: str,
    key: str,
    amount: object = None,
    on: object = None,
) -> Written:
    """Award an application (all of it, or less) or decline it with a reason."""
    if not isinstance(award, bool):
        raise ValidationError("decision", f"must be award or decline, not {award!r}")
    awarded = None if not award or amount in (None, "") else to_money(amount, "amount")
    day = value_date(on)
    details = {"grant_id": str(grant_id), "award": award, "amount": str(awarded), "on": str(day)}
    request = Request(operation="decide grant", key=key, reason=reason, details=details)

    def change(step: Step) -> tuple[str, int]:
        found = grant(step.con, grant_id)
        if found.decided:
            raise ValidationError(
                "grant",
                f"{found.named} is already decided ({found.decision}); reverse that decision"
                " to reconsider it",
            )
        if not award:
            decision_id = _insert_decision(step, found.grant_id, "decline")
            step.said = f"Application #{found.grant_id} declined: {step.reason}"
            return "grant decision", decision_id
        return _award(step, found, awarded or found.amount, day)

    return perform(con, actor, Permission.COMMIT, request, change)


def _award(step: Step, found: Grant, amount: Decimal, day: date) -> tuple[str, int]:
    """Commit the award at once, or park it for a second fund manager with every reason."""
    if day < found.applied_on:
        # A back-dated award would slip out of the split-award window of the awards made
        # beside it; an award is never made before its application was.
        raise ValidationError(
            "value date", f"must not be before the application was recorded, {found.applied_on}"
        )
    if amount > found.amount:
        raise ValidationError(
            "amount",
            f"{format_gbp(amount)} is more than was applied for, {format_gbp(found.amount)}",
        )
    target = commit_target(step.con, found.experiment_id)
    experiment = target.experiment
    rules = grant_policy.required(step.con, experiment.ringfence_id, _fence(step.con, experiment))
    if not rules.in_range(amount):
        raise ValidationError(
            "amount", f"{format_gbp(amount)} is outside the small-grant range, {rules.range_text}"
        )
    nearby = _nearby(step.con, found, experiment.programme_id, day)
    reasons = second_person(amount, rules.delegated_limit, nearby)
    if target.appetite_declared:
        over = appetite.breaches(
            step.con,
            experiment_id=experiment.experiment_id,
            amount=amount,
            counterparty=found.recipient,
        )
        if over:
            reasons.append(f"would breach the declared risk appetite ({'; '.join(over)})")
    due = found.planned_end + timedelta(days=rules.report_days) if found.planned_end else None
    split_with = ", ".join(nearby.identifiers) if nearby.identifiers else None
    award = f"{format_gbp(amount)} to {found.recipient} ({found.named})"
    if reasons:
        _, request_id = approvals.request_commitment(
            step, experiment, amount, found.recipient, day, target.known
        )
        decision_id = _insert_decision(
            step, found.grant_id, "award", amount, day, due, request_id, split_with
        )
        step.said = (
            f"Award of {award} {' and '.join(reasons)}: it waits for a second fund manager"
            f" as approval request #{request_id}."
        )
        return "grant decision", decision_id
    decision_id = _insert_decision(
        step, found.grant_id, "award", amount, day, due, None, split_with
    )
    made = open_commitment(step, experiment, amount, found.recipient, day, None, target.known)
    link(step, decision_id, made)
    step.said = f"Awarded {award}: commitment #{made}, report due {due or 'when agreed'}."
    return "grant decision", decision_id


def _nearby(con: duckdb.DuckDBPyConnection, found: Grant, programme_id: int, day: date) -> Nearby:
    total, identifiers = con.execute(
        NEARBY,
        {
            "name": found.recipient,
            "id": found.recipient_id,
            "programme": programme_id,
            "grant": found.grant_id,
            "day": day,
        },
    ).fetchone()
    return Nearby(total=total, identifiers=tuple(identifiers))


def _insert_decision(
    step: Step,
    grant_id: int,
    decision: str,
    amount: Decimal | None = None,
    award_date: date | None = None,
    report_due: date | None = None,
    request_id: int | None = None,
    split_with: str | None = None,
    reverses: int | None = None,
) -> int:
    decision_id = step.con.execute(
        "INSERT INTO grant_decision (grant_id, decision, amount, award_date, report_due,"
        " request_id, split_with, reason, decided_by, decided_at, reverses)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING decision_id",
        [
            grant_id,
            decision,
            amount,
            award_date,
            report_due,
            request_id,
            split_with,
            step.reason,
            step.actor.user_id,
            step.at,
            reverses,
        ],
    ).fetchone()[0]
    step.record("grant_decision", decision_id)
    return decision_id


def reverse(
    con: duckdb.DuckDBPyConnection, actor: User, *, grant_id: object, reason: str, key: str
) -> Written:
    """Reconsider a decision by reversing it: a decline reopens the application; an award not
    yet paid releases its commitment. A paid, reported or closed grant is not reversed."""
    request = Request(
        operation="reverse grant decision",
        key=key,
        reason=reason,
        details={"grant_id": str(grant_id)},
    )

    def change(step: Step) -> tuple[str, int]:
        found = grant(step.con, grant_id)
        if found.decision_id is None:
            raise ValidationError("grant", f"{found.named} has no decision to reverse")
        if found.reported or found.closed:
            raise ValidationError("grant", f"{found.named} is reported; its award stands")
        if found.decision == "award" and found.request_approved is None and found.request_id:
            raise ValidationError(
                "grant",
                f"the award of {found.named} waits as approval request #{found.request_id};"
                " withdraw or reject that request instead",
            )
        if found.commitment_id is not None:
            _release(step, found.commitment_id, everything=True)
        reversal = _insert_decision(step, found.grant_id, "reversal", reverses=found.decision_id)
        step.said = f"The {found.decision} of {found.named} is reversed: {step.reason}"
        return "grant decision", reversal

    return perform(con, actor, Permission.COMMIT, request, change)


def _release(step: Step, commitment_id: int, *, everything: bool) -> Decimal:
    """Decommit what a grant's commitment left unpaid; with ``everything``, refuse if any of
    it was paid (money out is brought back by a recovery, not by reversing the award)."""
    found = booked(step.con, commitment_id)
    state = found.state
    unpaid = state.committed - state.paid
    if everything and state.paid > ZERO:
        raise ValidationError(
            "grant",
            f"commitment #{commitment_id} has paid {format_gbp(state.paid)}; record a recovery"
            " and close the grant instead of reversing its award",
        )
    if unpaid > ZERO:
        movement = Movement(
            kind=Kind.DECOMMITMENT,
            ringfence_id=found.ringfence_id,
            programme_id=found.programme_id,
            commitment_id=commitment_id,
            amount=-unpaid,
        )
        attempt = Attempt(label="decommitment", amount=unpaid)
        post(step, [movement], attempt, value_date(None), Balances(commitments=(state,)))
    return unpaid


def report(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    *,
    grant_id: object,
    what_done: str,
    learned: str,
    spent: object,
    key: str,
    reason: str = "end-of-grant report received",
) -> Written:
    """Record the end-of-grant report of an awarded grant: once, never edited."""
    values = {
        "what_done": required_text(what_done, "what was done", max_length=4000),
        "learned": required_text(learned, "what was learned", max_length=4000),
        "spent": to_money(spent, "money spent", positive=False),
    }
    if values["spent"] < 0:
        raise ValidationError("money spent", "must not be negative")
    details = {"grant_id": str(grant_id), **values}
    request = Request(operation="report grant", key=key, reason=reason, details=details)

    def change(step: Step) -> tuple[str, int]:
        found = grant(step.con, grant_id)
        if found.commitment_id is None:
            raise ValidationError("grant", f"{found.named} has no award to report on")
        if found.reported:
            raise ValidationError("grant", f"{found.named} is already reported")
        if values["spent"] > found.awarded:
            raise ValidationError(
                "money spent",
                f"{format_gbp(values['spent'])} is more than was awarded,"
                f" {format_gbp(found.awarded)}",
            )
        step.con.execute(
            "INSERT INTO grant_report VALUES (?, ?, ?, ?, ?, ?)",
            [found.grant_id, *values.values(), step.actor.user_id, step.at],
        )
        step.record("grant_report", found.grant_id)
        step.said = (
            f"Report on {found.named} recorded: {format_gbp(values['spent'])} spent of"
            f" {format_gbp(found.awarded)} awarded."
        )
        return "small grant", found.grant_id

    return perform(con, actor, Permission.COMMIT, request, change)


def close(
    con: duckdb.DuckDBPyConnection, actor: User, *, grant_id: object, reason: str, key: str
) -> Written:
    """Close a reported grant, releasing in the same write what it left unpaid."""
    request = Request(
        operation="close grant", key=key, reason=reason, details={"grant_id": str(grant_id)}
    )

    def change(step: Step) -> tuple[str, int]:
        found = grant(step.con, grant_id)
        if not found.reported:
            raise ValidationError("grant", f"{found.named} has no end-of-grant report yet")
        if found.closed:
            raise ValidationError("grant", f"{found.named} is already closed")
        released = _release(step, found.commitment_id, everything=False)
        step.con.execute(
            "INSERT INTO grant_closure VALUES (?, ?, ?, ?)",
            [found.grant_id, step.actor.user_id, step.at, step.reason],
        )
        step.record("grant_closure", found.grant_id)
        freed = f"; {format_gbp(released)} unpaid released" if released else ""
        step.said = f"Grant #{found.grant_id} ({found.identifier}) closed{freed}."
        return "small grant", found.grant_id

    return perform(con, actor, Permission.COMMIT, request, change)
