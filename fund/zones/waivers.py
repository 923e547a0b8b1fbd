"""The waiver register: each rule suspended in a zone, its basis, and its life, through the
write path.

A waiver is recorded as requested, with the rule, where it comes from, the legal basis for
suspending it, whom it covers and when it ends; it is then granted (by whom, on what day),
and may be revoked or made permanent (the rule changed for everyone). A waiver always ends:
one without an expiry is refused, and renewing is a new waiver, granted afresh with its
reason, that names the one it renews. Its status is derived, never stored (:data:`STATES`):
requested, granted, expired (granted, and past its expiry), revoked or made permanent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from fund import register
from fund.auth import Permission, User
from fund.db import today
from fund.errors import NotFound, ValidationError
from fund.pbr.contracts import parse_date
from fund.unit_of_work import Request, Step, Written, perform, required_text

MAX_TEXT = 500
STATUSES = ("requested", "granted", "expired", "revoked", "made permanent")

# Every waiver with its decisions and the status they give on the day ``$today``: decisions
# (a renewal's grant among them) dated after it have not happened yet, so a past day reads
# as it stood. A waiver holds to the end of its expiry date. Trusted text: embedded as a CTE
# by the reads.
STATES = """
WITH decided AS (SELECT * FROM waiver_decision WHERE decided_on <= $today)
SELECT w.waiver_id, w.zone_id, w.rule, w.source, w.legal_basis, w.scope, w.expires_on,
       w.renews, n.waiver_id AS renewed_by, w.recorded_by, w.recorded_at, w.reason,
       g.authority AS granted_by, g.decided_on AS granted_on,
       coalesce(p.authority, r.authority) AS ended_by,
       coalesce(p.decided_on, r.decided_on) AS ended_on,
       CASE WHEN p.waiver_id IS NOT NULL THEN 'made permanent'
            WHEN r.waiver_id IS NOT NULL THEN 'revoked'
            WHEN g.waiver_id IS NULL THEN 'requested'
            WHEN w.expires_on < $today THEN 'expired'
            ELSE 'granted' END AS status
FROM waiver AS w
LEFT JOIN decided AS g ON g.waiver_id = w.waiver_id AND g.decision = 'granted'
LEFT JOIN decided AS r ON r.waiver_id = w.waiver_id AND r.decision = 'revoked'
LEFT JOIN decided AS p ON p.waiver_id = w.waiver_id AND p.decision = 'made_permanent'
LEFT JOIN (
    SELECT n.waiver_id, n.renews FROM waiver AS n JOIN decided USING (waiver_id)
    WHERE decided.decision = 'granted'
) AS n ON n.renews = w.waiver_id
"""


@dataclass(frozen=True, kw_only=True)
class WaiverTerms:
    """A waiver as typed: the rule suspended and on what terms."""

    rule: object
    source: object
    legal_basis: object
    scope: object
    expires_on: object


@dataclass(frozen=True, kw_only=True)
class Decision:
    """Who granted, revoked or made a waiver permanent, and on what day."""

    authority: object
    decided_on: object


def request_waiver(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    zone_id: object,
    terms: WaiverTerms,
    *,
    key: str,
    reason: str,
) -> Written:
    """Record a waiver requested for a zone, not yet granted."""
    return _record(con, actor, zone_id, terms, None, key=key, reason=reason)


def record_granted(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    zone_id: object,
    terms: WaiverTerms,
    granted: Decision,
    *,
    key: str,
    reason: str,
) -> Written:
    """Record a waiver and its grant in one write (one granted before it was recorded here)."""
    return _record(con, actor, zone_id, terms, granted, key=key, reason=reason)


def grant_waiver(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    waiver_id: object,
    granted: Decision,
    *,
    key: str,
    reason: str,
) -> Written:
    """Grant a requested waiver."""
    return _decide(con, actor, waiver_id, "granted", granted, key=key, reason=reason)


def revoke_waiver(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    waiver_id: object,
    revoked: Decision,
    *,
    key: str,
    reason: str,
) -> Written:
    """Revoke a waiver requested or in force: the rule applies in the zone again."""
    return _decide(con, actor, waiver_id, "revoked", revoked, key=key, reason=reason)


def make_permanent(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    waiver_id: object,
    decided: Decision,
    *,
    key: str,
    reason: str,
) -> Written:
    """Record that a waiver in force was made permanent: the rule changed for everyone."""
    return _decide(con, actor, waiver_id, "made_permanent", decided, key=key, reason=reason)


def renew_waiver(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    waiver_id: object,
    expires_on: object,
    granted: Decision,
    *,
    key: str,
    reason: str,
) -> Written:
    """Renew a granted (or expired) waiver: a new waiver on the same terms to a later expiry,
    granted afresh, naming the one it renews. The reason says why it is still needed."""
    number = register.parse_id(waiver_id, "waiver")
    new_expiry = parse_date(expires_on, "expiry")
    decision = _decision(granted, "grant")
    _expires_after_grant(new_expiry, decision[1])
    request = Request(
        operation="renew waiver",
        key=key,
        reason=reason,
        details={"waiver_id": number, "expires_on": str(new_expiry), **_details(decision)},
    )

    def change(step: Step) -> tuple[str, int]:
        old = _state(step.con, number)
        if old["status"] not in ("granted", "expired"):
            raise ValidationError(
                "waiver", f"#{number} is {old['status']}: only a granted waiver is renewed"
            )
        if old["renewed_by"] is not None:
            raise ValidationError(
                "waiver", f"#{number} was renewed already, by waiver #{old['renewed_by']}"
            )
        if new_expiry <= old["expires_on"]:
            raise ValidationError(
                "expiry",
                f"must be after the expiry it renews ({old['expires_on']}), not {new_expiry}",
            )
        if decision[1] < old["granted_on"]:
            raise ValidationError(
                "grant date",
                f"must not be before waiver #{number} was granted ({old['granted_on']})",
            )
        renewal = _insert(step, old["zone_id"], {**old, "expires_on": new_expiry}, number)
        _insert_decision(step, renewal, "granted", decision)
        step.said = (
            f"Waiver #{number} renewed as waiver #{renewal} ({old['rule']}), granted by"
            f" {decision[0]} on {decision[1]}, to {new_expiry}."
        )
        return "waiver", renewal

    return perform(con, actor, Permission.MANAGE_PORTFOLIO, request, change)


def _record(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    zone_id: object,
    terms: WaiverTerms,
    granted: Decision | None,
    *,
    key: str,
    reason: str,
) -> Written:
    number = register.parse_id(zone_id, "zone")
    checked = _terms(terms)
    decision = None if granted is None else _decision(granted, "grant")
    if decision is not None:
        _expires_after_grant(checked["expires_on"], decision[1])
    elif checked["expires_on"] <= today():
        raise ValidationError(
            "expiry",
            f"{checked['expires_on']} has passed: a waiver requested now must expire after"
            f" today ({today()})",
        )
    request = Request(
        operation="grant waiver" if decision else "request waiver",
        key=key,
        reason=reason,
        details={
            "zone_id": number,
            **{k: str(v) for k, v in checked.items()},
            **(_details(decision) if decision else {}),
        },
    )

    def change(step: Step) -> tuple[str, int]:
        name = _zone(step.con, number)
        waiver_id = _insert(step, number, checked, None)
        if decision is None:
            step.said = (
                f"Waiver #{waiver_id} ({checked['rule']}) requested for zone #{number} {name},"
                f" to expire on {checked['expires_on']}."
            )
        else:
            _insert_decision(step, waiver_id, "granted", decision)
            step.said = (
                f"Waiver #{waiver_id} ({checked['rule']}) in zone #{number} {name} recorded as"
                f" granted by {decision[0]} on {decision[1]}, to expire on"
                f" {checked['expires_on']}."
            )
        return "waiver", waiver_id

    return perform(con, actor, Permission.MANAGE_PORTFOLIO, request, change)


_ALLOWED = {  # what each decision may follow, and its words
    "granted": (("requested",), "grant", "granted"),
    "revoked": (("requested", "granted"), "revoke", "revoked"),
    "made_permanent": (("granted",), "make permanent", "made permanent"),
}


def _decide(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    waiver_id: object,
    kind: str,
    given: Decision,
    *,
    key: str,
    reason: str,
) -> Written:
    number = register.parse_id(waiver_id, "waiver")
    allowed, verb, done = _ALLOWED[kind]
    decision = _decision(given, verb)
    request = Request(
        operation=f"{verb} waiver",
        key=key,
        reason=reason,
        details={"waiver_id": number, **_details(decision)},
    )

    def change(step: Step) -> tuple[str, int]:
        state = _state(step.con, number)
        if state["status"] not in allowed:
            raise ValidationError(
                "waiver",
                f"#{number} is {state['status']}: only a {' or '.join(allowed)} waiver can be"
                f" {done}",
            )
        if state["renewed_by"] is not None:
            raise ValidationError(
                "waiver",
                f"#{number} was renewed by #{state['renewed_by']}: decide on"
                f" #{state['renewed_by']}, the waiver in force",
            )
        if kind == "granted":
            _expires_after_grant(state["expires_on"], decision[1])
        elif state["granted_on"] is not None and decision[1] < state["granted_on"]:
            raise ValidationError(
                "decision date",
                f"must not be before the waiver was granted ({state['granted_on']})",
            )
        _insert_decision(step, number, kind, decision)
        step.said = f"Waiver #{number} ({state['rule']}) {done} by {decision[0]} on {decision[1]}."
        return "waiver", number

    return perform(con, actor, Permission.MANAGE_PORTFOLIO, request, change)


def _terms(terms: WaiverTerms) -> dict[str, object]:
    text = {
        name: required_text(None if value is None else str(value), label, max_length=MAX_TEXT)
        for name, label, value in (
            ("rule", "rule", terms.rule),
            ("source", "legislation or guidance", terms.source),
            ("legal_basis", "legal basis", terms.legal_basis),
            ("scope", "scope", terms.scope),
        )
    }
    if terms.expires_on is None or not str(terms.expires_on).strip():
        raise ValidationError("expiry", "is required: a waiver is limited in time")
    return {**text, "expires_on": parse_date(terms.expires_on, "expiry")}


def _decision(given: Decision, verb: str) -> tuple[str, date]:
    """(authority, day), checked: the day is not in the future."""
    authority = required_text(
        None if given.authority is None else str(given.authority),
        "granted by" if verb == "grant" else "decided by",
        max_length=MAX_TEXT,
    )
    field = "grant date" if verb == "grant" else "decision date"
    day = parse_date(given.decided_on, field)
    if day > today():
        raise ValidationError(field, f"{day} is in the future: record a decision once made")
    return authority, day


def _expires_after_grant(expires_on: date, granted_on: date) -> None:
    if expires_on <= granted_on:
        raise ValidationError("expiry", f"{expires_on} must be after the grant date ({granted_on})")


def _details(decision: tuple[str, date]) -> dict[str, str]:
    return {"authority": decision[0], "decided_on": str(decision[1])}


def _zone(con: duckdb.DuckDBPyConnection, zone_id: int) -> str:
    row = con.execute("SELECT area_name FROM zone WHERE zone_id = ?", [zone_id]).fetchone()
    if row is None:
        raise NotFound("zone", "zone", zone_id)
    return row[0]


def _state(con: duckdb.DuckDBPyConnection, waiver_id: int) -> dict[str, object]:
    found = con.execute(
        f"WITH s AS ({STATES}) SELECT * FROM s WHERE waiver_id = $id",  # noqa: S608 - fixed
        {"today": today(), "id": waiver_id},
    )
    row = found.fetchone()
    if row is None:
        raise NotFound("waiver", "waiver", waiver_id)
    return dict(zip([c[0] for c in found.description], row, strict=True))


def _insert(step: Step, zone_id: int, terms: dict, renews: int | None) -> int:
    (waiver_id,) = step.con.execute(
        "INSERT INTO waiver (zone_id, rule, source, legal_basis, scope, expires_on, renews,"
        " recorded_by, recorded_at, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " RETURNING waiver_id",
        [
            zone_id,
            terms["rule"],
            terms["source"],
            terms["legal_basis"],
            terms["scope"],
            terms["expires_on"],
            renews,
            step.actor.user_id,
            step.at,
            step.reason,
        ],
    ).fetchone()
    step.record("waiver", waiver_id)
    return waiver_id


def _insert_decision(step: Step, waiver_id: int, kind: str, decision: tuple[str, date]) -> None:
    (decision_id,) = step.con.execute(
        "INSERT INTO waiver_decision (waiver_id, decision, authority, decided_on, recorded_by,"
        " recorded_at, reason) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING decision_id",
        [waiver_id, kind, *decision, step.actor.user_id, step.at, step.reason],
    ).fetchone()
    step.record("waiver_decision", decision_id)
