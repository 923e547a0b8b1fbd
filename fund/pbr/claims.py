"""Outcome claims and their verification: the only way a PbR contract earns money.

The fund manager records a claim (so many outcomes of a metric, by a cohort, in a period of
the contract's term, with its evidence). An independent verifier, an auditor who neither
recorded the claim nor paid on the contract, accepts it, accepts part of it or rejects it,
always with a reason. Only verified outcomes earn, and the ledger pays a contract no more
than they have earned, within the caps, in the payment's own transaction
(:func:`fund.ledger.rules.payments_within_earned`). A verification is never edited: it is
reversed by a row that negates it, which lowers what is earned; anything already paid past
the new limit is then flagged for recovery (see :mod:`fund.pbr.exposure`).
"""

from __future__ import annotations

from enum import StrEnum

import duckdb
import pandas as pd

from fund import register
from fund.auth import Permission, User, may, require
from fund.db import frame
from fund.errors import NotFound, ValidationError
from fund.money import MAX_AMOUNT, format_gbp
from fund.pbr.contracts import parse_date, whole_number
from fund.unit_of_work import Request, Step, Written, perform, required_text


class Decision(StrEnum):
    ACCEPT = "accepted"
    PART_ACCEPT = "part_accepted"
    REJECT = "rejected"


_DECISIONS = {
    "accept": Decision.ACCEPT,
    "accepted": Decision.ACCEPT,
    "part-accept": Decision.PART_ACCEPT,
    "part_accept": Decision.PART_ACCEPT,
    "part_accepted": Decision.PART_ACCEPT,
    "reject": Decision.REJECT,
    "rejected": Decision.REJECT,
}

_CONTRACT_TERMS = """
SELECT k.contract_id, k.name, k.starts_on, k.ends_on, k.max_per_participant,
       list(DISTINCT r.metric ORDER BY r.metric), list(DISTINCT h.cohort ORDER BY h.cohort)
FROM pbr_contract AS k
JOIN pbr_rate AS r USING (contract_id)
JOIN pbr_cohort AS h USING (contract_id)
WHERE k.contract_id = ?
GROUP BY ALL
"""
# A participant's outcome of a metric is paid once: another claim for it stands unless it
# was rejected or its decision reversed without a new one.
_CLAIMED_BEFORE = """
SELECT c.claim_id FROM pbr_claim AS c
LEFT JOIN pbr_verification AS v USING (claim_id)
WHERE c.contract_id = ? AND c.participant = ? AND c.metric = ?
GROUP BY c.claim_id
HAVING count(v.verification_id) = 0 OR sum(v.quantity) > 0
ORDER BY c.claim_id
LIMIT 1
"""


def record_claim(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    *,
    contract_id: object,
    cohort: object,
    metric: object,
    period_start: object,
    period_end: object,
    quantity: object,
    evidence: object,
    participant: object = None,
    reason: str,
    key: str,
) -> Written:
    """Record an outcome claim with its evidence, to await verification (fund manager)."""
    number = register.parse_id(contract_id, "contract")
    claim = {
        "cohort": required_text(_text(cohort), "cohort", max_length=200),
        "metric": required_text(_text(metric), "metric", max_length=200),
        "participant": _optional(participant),
        "period_start": parse_date(period_start, "period start"),
        "period_end": parse_date(period_end, "period end"),
        "quantity": _quantity(quantity),
        "evidence": required_text(_text(evidence), "evidence", max_length=4000),
    }
    if claim["period_end"] < claim["period_start"]:
        raise ValidationError(
            "period end",
            f"must not be before the period start ({claim['period_start']}),"
            f" not {claim['period_end']}",
        )
    request = Request(
        operation="record outcome claim",
        key=key,
        reason=reason,
        details={"contract_id": number, **{k: str(v) for k, v in claim.items()}},
    )

    def change(step: Step) -> tuple[str, int]:
        _claimable(step.con, number, claim)
        claim_id = step.con.execute(
            "INSERT INTO pbr_claim (contract_id, cohort, metric, participant, period_start,"
            " period_end, quantity, evidence, claimed_by, claimed_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING claim_id",
            [number, *claim.values(), step.actor.user_id, step.at],
        ).fetchone()[0]
        step.record("pbr_claim", claim_id)
        step.said = (
            f"Outcome claim #{claim_id} recorded on PbR contract #{number}:"
            f" {claim['quantity']:,} × {claim['metric']!r} for cohort {claim['cohort']!r},"
            " awaiting verification."
        )
        return "outcome claim", claim_id

    return perform(con, actor, Permission.MANAGE_PORTFOLIO, request, change)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _optional(value: object) -> str | None:
    if value is None or not str(value).strip():
        return None
    return required_text(str(value), "participant", max_length=200)


def _quantity(value: object) -> int:
    """A number of outcomes: a whole number above zero (a claim of none claims nothing)."""
    text = str(value).strip() if value is not None else ""
    if text.startswith("-") and text[1:].isdigit():
        raise ValidationError("quantity", f"must not be negative, not {text}")
    return whole_number(value, "quantity", least=1)


def _claimable(con: duckdb.DuckDBPyConnection, contract_id: int, claim: dict) -> None:
    """The claim fits its contract: a cohort and a metric of it, a period within its term,
    and, where one participant's earnings are capped, one outcome of one participant that
    is not claimed already."""
    row = con.execute(_CONTRACT_TERMS, [contract_id]).fetchone()
    if row is None:
        raise NotFound("contract", "PbR contract", contract_id)
    _, name, starts_on, ends_on, per_participant, metrics, cohorts = row
    named = f"PbR contract #{contract_id} {name!r}"
    if claim["metric"] not in metrics:
        raise ValidationError(
            "metric",
            f"{claim['metric']!r} is not on the rate card of {named}"
            f" (its metrics: {', '.join(metrics)})",
        )
    if claim["cohort"] not in cohorts:
        raise ValidationError(
            "cohort",
            f"{claim['cohort']!r} is not a cohort of {named} (its cohorts: {', '.join(cohorts)})",
        )
    if claim["period_start"] < starts_on or claim["period_end"] > ends_on:
        raise ValidationError(
            "period",
            f"{claim['period_start']} to {claim['period_end']} is outside the term of {named},"
            f" {starts_on} to {ends_on}",
        )
    _within_liability(con, contract_id, named, claim)
    if per_participant is not None:
        _one_participants_outcome(con, contract_id, named, per_participant, claim)


def _within_liability(con, contract_id: int, named: str, claim: dict) -> None:
    """A claim may be worth more than its caps allow (they bound what it earns), but never
    more than any amount of money the fund records: a quantity that large is a mistake."""
    (price,) = con.execute(
        "SELECT unit_price FROM pbr_rate WHERE contract_id = ? AND metric = ?",
        [contract_id, claim["metric"]],
    ).fetchone()
    if claim["quantity"] * price > MAX_AMOUNT:
        raise ValidationError(
            "quantity",
            f"{claim['quantity']:,} × {format_gbp(price)} on {named} is more than"
            f" {format_gbp(MAX_AMOUNT)}, the most any amount may be",
        )


def _one_participants_outcome(con, contract_id, named, per_participant, claim) -> None:
    if claim["participant"] is None:
        raise ValidationError(
            "participant",
            f"is required: {named} caps what one participant may earn at"
            f" {format_gbp(per_participant)}, so each claim is one participant's outcome",
        )
    if claim["quantity"] != 1:
        raise ValidationError(
            "quantity", "must be 1: a claim for one participant is one outcome of the metric"
        )
    before = con.execute(
        _CLAIMED_BEFORE, [contract_id, claim["participant"], claim["metric"]]
    ).fetchone()
    if before is not None:
        raise ValidationError(
            "participant",
            f"{claim['participant']!r} already has {claim['metric']!r} claimed in claim"
            f" #{before[0]}; an outcome is paid once",
        )


# --- verification ---------------------------------------------------------------------------

# A claim with its contract and its standing decision (one not reversed), if any; whether the
# person asking recorded it, or has paid on its contract's commitment.
_CLAIM = """
SELECT c.claim_id, c.contract_id, k.name, k.commitment_id, c.quantity, c.claimed_by,
       (SELECT v.verification_id FROM pbr_verification AS v
        WHERE v.claim_id = c.claim_id AND v.decision <> 'reversed'
          AND NOT EXISTS (SELECT 1 FROM pbr_verification AS r
                          WHERE r.reverses = v.verification_id)),
       EXISTS (SELECT 1 FROM ledger_entry AS e
               WHERE e.commitment_id = k.commitment_id AND e.kind = 'disbursement'
                 AND e.actor_id = $actor)
FROM pbr_claim AS c JOIN pbr_contract AS k USING (contract_id)
WHERE c.claim_id = $claim
"""
_STANDING = """
SELECT v.verification_id, v.decision, v.quantity, u.display_name, v.verified_at::DATE
FROM pbr_verification AS v JOIN app_user AS u ON u.user_id = v.verified_by
WHERE v.verification_id = ?
"""
_INSERT_VERIFICATION = (
    "INSERT INTO pbr_verification (claim_id, decision, quantity, reason, verified_by,"
    " verified_at, reverses) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING verification_id"
)


def verify_claim(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    *,
    claim_id: object,
    decision: object,
    reason: str,
    key: str,
    quantity: object = None,
) -> Written:
    """Accept, part-accept (``quantity`` of the outcomes claimed) or reject a claim, with a
    reason (an independent verifier: an auditor who neither recorded it nor paid on it)."""
    number = register.parse_id(claim_id, "claim")
    chosen = _decision(decision)
    part = _quantity(quantity) if chosen is Decision.PART_ACCEPT else None
    request = Request(
        operation="verify outcome claim",
        key=key,
        reason=reason,
        details={"claim_id": number, "decision": chosen.value, "quantity": str(part)},
    )

    def change(step: Step) -> tuple[str, int]:
        claim = _independent(step, number)
        claimed = claim[4]
        if claim[6] is not None:
            raise ValidationError("claim", f"#{number} {_standing(step.con, claim[6])}")
        accepted = {Decision.ACCEPT: claimed, Decision.REJECT: 0}.get(chosen, part)
        if chosen is Decision.PART_ACCEPT and not 0 < accepted < claimed:
            raise ValidationError(
                "quantity",
                f"a part-acceptance accepts more than none and fewer than the {claimed:,}"
                f" claimed, not {accepted:,}",
            )
        if accepted:
            _paid_once(step.con, number)
        verification_id = step.con.execute(
            _INSERT_VERIFICATION,
            [number, chosen.value, accepted, step.reason, step.actor.user_id, step.at, None],
        ).fetchone()[0]
        step.record("pbr_verification", verification_id)
        step.said = (
            f"Claim #{number} {chosen.value.replace('_', ' ')}: {accepted:,} of {claimed:,}"
            f" outcome(s) verified on PbR contract #{claim[1]} {claim[2]!r}."
        )
        return "verification", verification_id

    return perform(con, actor, Permission.VERIFY_OUTCOMES, request, change)


def reverse_verification(
    con: duckdb.DuckDBPyConnection, actor: User, *, claim_id: object, reason: str, key: str
) -> Written:
    """Reverse a claim's standing decision by a row that negates it: what it earned is no
    longer earned, and the claim awaits a decision again (an independent verifier)."""
    number = register.parse_id(claim_id, "claim")
    request = Request(
        operation="reverse outcome verification",
        key=key,
        reason=reason,
        details={"claim_id": number},
    )

    def change(step: Step) -> tuple[str, int]:
        claim = _independent(step, number)
        if claim[6] is None:
            raise ValidationError("claim", f"#{number} has no decision standing to reverse")
        quantity = step.con.execute(
            "SELECT quantity FROM pbr_verification WHERE verification_id = ?", [claim[6]]
        ).fetchone()[0]
        verification_id = step.con.execute(
            _INSERT_VERIFICATION,
            [number, "reversed", -quantity, step.reason, step.actor.user_id, step.at, claim[6]],
        ).fetchone()[0]
        step.record("pbr_verification", verification_id)
        over = _paid_past_earned(step.con, claim[3])
        flag = (
            f" {format_gbp(over)} already paid is now more than its outcomes have earned:"
            " flagged for recovery."
            if over > 0
            else ""
        )
        step.said = (
            f"Verification #{claim[6]} of claim #{number} reversed by #{verification_id};"
            f" {quantity:,} outcome(s) no longer earn.{flag}"
        )
        return "verification", verification_id

    return perform(con, actor, Permission.VERIFY_OUTCOMES, request, change)


# Another claim of the same participant's outcome whose verified outcomes stand.
_VERIFIED_ELSEWHERE = """
SELECT o.claim_id, c.participant, c.metric
FROM pbr_claim AS c
JOIN pbr_outcome AS o
  ON o.contract_id = c.contract_id AND o.participant = c.participant AND o.metric = c.metric
WHERE c.claim_id = ? AND o.claim_id <> c.claim_id AND o.verified > 0
LIMIT 1
"""


def _paid_once(con: duckdb.DuckDBPyConnection, claim_id: int) -> None:
    """A participant's outcome earns once: not if another claim of it is verified (after a
    reversal, a new claim of the outcome may have been recorded and accepted meanwhile)."""
    other = con.execute(_VERIFIED_ELSEWHERE, [claim_id]).fetchone()
    if other is not None:
        raise ValidationError(
            "claim",
            f"#{claim_id}: {other[1]!r} already has {other[2]!r} verified in claim #{other[0]};"
            " an outcome is paid once",
        )


def _decision(value: object) -> Decision:
    found = _DECISIONS.get(str(value).strip().lower().replace(" ", "-"))
    if found is None:
        raise ValidationError("decision", f"must be accept, part-accept or reject, not {value!r}")
    return found


def _independent(step: Step, claim_id: int) -> tuple:
    """The claim, once the verifier is independent of it: not its recorder, not a payer."""
    claim = step.con.execute(_CLAIM, {"claim": claim_id, "actor": step.actor.user_id}).fetchone()
    if claim is None:
        raise NotFound("claim", "outcome claim", claim_id)
    if claim[5] == step.actor.user_id:
        raise ValidationError(
            "verifier",
            f"you recorded claim #{claim_id}; it must be verified by someone independent of it",
        )
    if claim[7]:
        raise ValidationError(
            "verifier",
            f"you have paid on commitment #{claim[3]} of PbR contract #{claim[1]};"
            " its claims must be verified by someone who does not pay them",
        )
    return claim


def _standing(con: duckdb.DuckDBPyConnection, verification_id: int) -> str:
    _, decision, quantity, who, on = con.execute(_STANDING, [verification_id]).fetchone()
    return (
        f"was {decision.replace('_', ' ')} ({quantity:,} outcome(s)) by {who} on {on};"
        " reverse that decision before deciding again"
    )


_PAST_EARNED = """
SELECT greatest(coalesce(sum(f.paid - f.recovered), 0)
                - least(any_value(k.earned), coalesce(sum(f.committed), 0)), 0)
FROM pbr_card_earned AS k
JOIN ledger_effect AS f USING (commitment_id)
WHERE k.commitment_id = ?
"""


def _paid_past_earned(con: duckdb.DuckDBPyConnection, commitment_id: int):
    return con.execute(_PAST_EARNED, [commitment_id]).fetchone()[0] or 0


# --- reading --------------------------------------------------------------------------------

_CLAIMS = """
WITH standing AS (
    SELECT v.claim_id, v.decision, v.quantity AS verified, v.reason AS decision_reason,
           v.verified_by, v.verified_at
    FROM pbr_verification AS v
    WHERE v.decision <> 'reversed'
      AND NOT EXISTS (SELECT 1 FROM pbr_verification AS r WHERE r.reverses = v.verification_id)
),
reversed AS (
    SELECT claim_id, count(*) AS reversals FROM pbr_verification
    WHERE decision = 'reversed' GROUP BY claim_id
)
SELECT c.claim_id, c.contract_id, k.name AS contract, c.cohort, c.metric, c.participant,
       c.period_start, c.period_end, c.quantity AS claimed, c.evidence,
       m.display_name AS claimed_by, c.claimed_at,
       coalesce(s.decision, 'awaiting') AS status, s.verified,
       CAST(s.verified * r.unit_price AS DECIMAL(18, 2)) AS value,
       s.decision_reason, u.display_name AS verified_by, s.verified_at,
       coalesce(x.reversals, 0) AS reversals
FROM pbr_claim AS c
JOIN pbr_contract AS k USING (contract_id)
JOIN pbr_rate AS r USING (contract_id, metric)
JOIN app_user AS m ON m.user_id = c.claimed_by
LEFT JOIN standing AS s USING (claim_id)
LEFT JOIN app_user AS u ON u.user_id = s.verified_by
LEFT JOIN reversed AS x USING (claim_id)
WHERE ($contract IS NULL OR c.contract_id = $contract)
  AND ($awaiting = false OR s.decision IS NULL)
ORDER BY c.claim_id
"""


def claims(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    *,
    contract_id: object = None,
    awaiting_only: bool = False,
) -> pd.DataFrame:
    """Outcome claims with their standing decision (every reading role; names of the people
    who recorded and verified them only for those who may see people)."""
    user = require(con, actor, Permission.READ_SUMMARY)
    number = None if contract_id is None else register.parse_id(contract_id, "contract")
    table = frame(con, _CLAIMS, {"contract": number, "awaiting": awaiting_only})
    if not may(user.role, Permission.READ_PEOPLE):
        table = table.drop(columns=["claimed_by", "verified_by"])
    return table
