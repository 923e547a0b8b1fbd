"""The fund's small grants as a 360Giving file, for the public, auditors and GrantNav.

Every awarded grant is published: the fund's own as the standard shapes them (identifier
'360G-<prefix>-<id>', the body as funding organisation, the recipient, amounts as numbers,
dates as YYYY-MM-DD, the programme as grant programme), built in one query; an imported grant
exactly as its file gave it, so that exporting and importing back gives the same grants.
A recipient with no organisation identifier gets one under the body's prefix, made from its
name as split awards know it, so its grants stay together.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import BinaryIO

import duckdb

from fund.auth import Permission, User, require
from fund.grants import writing

FORMS = ("json", "csv", "xlsx")

# Awarded grants (a commitment made), oldest first, each as one JSON text. Money is cast to
# DOUBLE only here, where the standard wants a JSON number; pounds and pence round-trip.
_PUBLISHED = """
WITH policy AS (
    SELECT * FROM grant_policy
    QUALIFY row_number() OVER (PARTITION BY ringfence_id ORDER BY version DESC) = 1
),
paid AS (
    SELECT commitment_id, sum(paid) AS paid FROM ledger_effect
    WHERE commitment_id IN (SELECT commitment_id FROM grant_commitment)
    GROUP BY commitment_id
)
SELECT coalesce(g.published, json_object(
    'id', g.identifier,
    'title', g.title,
    'description', g.purpose,
    'currency', 'GBP',
    'amountAppliedFor', CAST(g.amount AS DOUBLE),
    'amountAwarded', CAST(d.amount AS DOUBLE),
    'amountDisbursed', CAST(coalesce(m.paid, 0) AS DOUBLE),
    'awardDate', strftime(d.award_date, '%Y-%m-%d'),
    'plannedDates', [json_object('startDate', strftime(g.planned_start, '%Y-%m-%d'),
                                 'endDate', strftime(g.planned_end, '%Y-%m-%d'))],
    'recipientOrganization', [json_object(
        'id', coalesce(g.recipient_id, format('360G-{}-org-{}', k.id_prefix,
                       replace(g.recipient_key, ' ', '-'))),
        'name', g.recipient)],
    'fundingOrganization', [json_object('id', k.funder_id, 'name', r.owner_body)],
    'grantProgramme', [json_object('code', format('programme-{}', p.programme_id),
                                   'title', p.name)],
    'dateModified', strftime(d.decided_at, '%Y-%m-%dT%H:%M:%S+00:00')
)::VARCHAR) AS grant_json
FROM grant_live_decision AS d
JOIN small_grant AS g USING (grant_id)
JOIN experiment AS x USING (experiment_id)
JOIN programme AS p USING (programme_id)
JOIN ringfence AS r USING (ringfence_id)
JOIN policy AS k USING (ringfence_id)
LEFT JOIN paid AS m USING (commitment_id)
WHERE (d.commitment_id IS NOT NULL OR (d.amount = 0 AND (d.request_id IS NULL OR d.request_approved)))
  AND ($programme IS NULL OR p.programme_id = $programme)
ORDER BY g.grant_id
"""


def published(
    con: duckdb.DuckDBPyConnection, actor: User, programme_id: int | None = None
) -> list[dict]:
    """The awarded grants as 360Giving grant objects (of one programme, or all)."""
    require(con, actor, Permission.EXPORT)
    rows = con.execute(_PUBLISHED, {"programme": programme_id}).fetchall()
    return [json.loads(text, parse_float=Decimal) for (text,) in rows]


def export(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    form: str,
    out: BinaryIO,
    programme_id: int | None = None,
) -> int:
    """Write the awarded grants to ``out`` as a 360Giving file in ``form``; how many."""
    grants = published(con, actor, programme_id)
    writing.write(grants, form, out)
    return len(grants)
