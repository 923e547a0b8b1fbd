"""Split awards: one award cut into several small ones so that each stays within the
delegated limit, the pattern auditors look for.

Awards to the same recipient (the same organisation identifier or, without one, the same
name normalised) in the same programme within :data:`WINDOW_DAYS` days of each other are
taken together: when together they exceed the delegated limit, the award that takes them
past it needs a second fund manager, as an award above the limit does, and every award of
such a group is flagged for the auditor. The judgement is pure (:func:`second_person`); the
awards it is given are read in SQL, set-based, by the queries here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from fund.money import format_gbp

WINDOW_DAYS = 90


@dataclass(frozen=True, kw_only=True)
class Nearby:
    """The other live awards to an award's recipient in its programme within the window."""

    total: Decimal
    identifiers: tuple[str, ...]


def second_person(amount: Decimal, limit: Decimal, nearby: Nearby) -> list[str]:
    """Why an award of ``amount`` needs a second fund manager under ``limit`` (empty when it
    does not): it is above the limit, or it takes the recipient's awards within the window
    past it."""
    if amount > limit:
        return [f"is above the small-grant delegated limit of {format_gbp(limit)}"]
    if nearby.identifiers and nearby.total + amount > limit:
        return [
            f"would take the recipient's awards in this programme within {WINDOW_DAYS} days"
            f" to {format_gbp(nearby.total + amount)}, past the delegated limit of"
            f" {format_gbp(limit)} (split award with {', '.join(nearby.identifiers)})"
        ]
    return []


# The live awards (awarded, or waiting for a second fund manager; not declined, reversed or
# rejected) to a recipient in a programme within the window either side of a day, other
# than the grant being decided.
NEARBY = f"""
SELECT coalesce(sum(d.amount), 0), coalesce(list(g.identifier ORDER BY g.grant_id), [])
FROM grant_live_decision AS d
JOIN small_grant AS g USING (grant_id)
JOIN experiment AS x USING (experiment_id)
WHERE d.decision = 'award' AND coalesce(d.request_approved, TRUE)
  AND (g.recipient_key = recipient_key($name) OR g.recipient_id = $id)
  AND x.programme_id = $programme AND g.grant_id <> $grant
  AND abs(d.award_date - $day::DATE) < {WINDOW_DAYS}
"""  # noqa: S608 - a constant formatted in

# Every live award whose recipient's awards in its programme within the window, itself
# included, exceed the ring-fence's delegated limit for small grants: the split-award flags.
FLAGS = f"""
WITH award AS (
    SELECT g.grant_id, g.identifier, g.recipient, g.recipient_key, g.recipient_id,
           x.programme_id,
           p.name AS programme, p.ringfence_id, d.amount, d.award_date, d.request_id,
           d.request_approved, d.decided_by, d.commitment_id
    FROM grant_live_decision AS d
    JOIN small_grant AS g USING (grant_id)
    JOIN experiment AS x USING (experiment_id)
    JOIN programme AS p USING (programme_id)
    WHERE d.decision = 'award' AND coalesce(d.request_approved, TRUE)
),
policy AS (
    SELECT ringfence_id, delegated_limit FROM grant_policy
    QUALIFY row_number() OVER (PARTITION BY ringfence_id ORDER BY version DESC) = 1
),
pair AS (  -- the same recipient by name or by identifier: two equality joins, not one OR
    SELECT a.grant_id, b.grant_id AS other
    FROM award AS a JOIN award AS b USING (recipient_key, programme_id)
    WHERE abs(b.award_date - a.award_date) < {WINDOW_DAYS}
    UNION
    SELECT a.grant_id, b.grant_id
    FROM award AS a JOIN award AS b USING (recipient_id, programme_id)
    WHERE abs(b.award_date - a.award_date) < {WINDOW_DAYS}
),
together AS (
    SELECT p.grant_id, sum(b.amount) AS together, count(*) AS awards,
           list(b.identifier ORDER BY b.award_date, b.grant_id) AS group_identifiers
    FROM pair AS p JOIN award AS b ON b.grant_id = p.other
    GROUP BY p.grant_id
)
SELECT a.grant_id, a.identifier, a.recipient, a.programme, a.amount, a.award_date,
       t.together, t.awards, array_to_string(t.group_identifiers, ', ') AS awarded_with,
       k.delegated_limit, a.request_id IS NOT NULL AS second_approver, a.commitment_id
FROM award AS a
JOIN together AS t USING (grant_id)
JOIN policy AS k USING (ringfence_id)
WHERE t.awards > 1 AND t.together > k.delegated_limit
ORDER BY a.recipient_key, a.award_date, a.grant_id
"""  # noqa: S608 - a constant formatted in
