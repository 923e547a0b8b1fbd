"""Risk appetite, declared with the ring-fence: the most of it that may sit in high-risk
experiments, in any one instrument and with any one counterparty.

The sources promise auditors a fund that is small, contained and declared in advance; the
appetite is that promise in figures. A declaration is never edited: each is the ring-fence's
next version, and the appetite as at a moment is the latest version declared before it. The
limits are percentages of the ring-fence's ceiling, each turned into pounds rounded down to
the penny, so a limit never allows a penny more than its percentage. A commitment that would
take a position past its limit waits for a second fund manager (:mod:`fund.ledger.service`).
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

import duckdb
import pandas as pd

from fund import register
from fund.auth import Permission, User, require
from fund.db import frame
from fund.errors import ValidationError
from fund.evidence.judgement import cutoff
from fund.lessons.learning import as_of_day
from fund.money import format_gbp, to_money
from fund.unit_of_work import Request, Step, Written, perform

# What a share is called where a refusal names it, in the order the table holds them.
SHARES = {
    "high_risk_share": "high-risk share",
    "instrument_share": "per-instrument share",
    "counterparty_share": "per-counterparty share",
}
# The three limits as the board reads them, by the share that sets each.
LIMITS = {
    "high_risk_share": "High-risk experiments",
    "instrument_share": "Per instrument",
    "counterparty_share": "Per counterparty",
}
HIGH_RISK = "High risk"
_PERCENT = re.compile(r"[0-9]+(\.[0-9]+)?|\.[0-9]+", re.ASCII)


def parse_share(value: object, field: str) -> Decimal:
    """A percentage as people type it ('25', '25.5', '12.75%'): above 0, at most 100, and no
    more than two decimals (the column holds two; DuckDB would round a third away)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError(field, "is required")
    if isinstance(value, bool | float):
        raise ValidationError(field, "must be given as a decimal string, not a float")
    typed = str(value).strip().removesuffix("%").strip()
    if not _PERCENT.fullmatch(typed):
        raise ValidationError(field, f"must be a percentage such as 25 or 12.5, not {value!r}")
    share = Decimal(typed)
    if share != share.quantize(Decimal("0.01")):
        raise ValidationError(field, f"must have at most two decimal places, not {typed}")
    if share <= 0:
        raise ValidationError(field, f"must be more than 0%, not {typed}%")
    if share > 100:
        raise ValidationError(field, f"must be at most 100%, not {typed}%")
    return share.quantize(Decimal("0.01"))


def limit_amount(ceiling: Decimal, share: Decimal) -> Decimal:
    """``share`` percent of ``ceiling`` in pounds, rounded down to the penny (the rule the
    position's SQL applies, for callers that hold the figures already)."""
    return (ceiling * share / 100).quantize(Decimal("0.01"), rounding="ROUND_FLOOR")


_LATEST = """
SELECT version, high_risk_share, instrument_share, counterparty_share
FROM risk_appetite WHERE ringfence_id = ?
ORDER BY version DESC
LIMIT 1
"""


def declare_appetite(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    *,
    ringfence_id: object,
    high_risk_share: object,
    instrument_share: object,
    counterparty_share: object,
    reason: str,
    key: str,
) -> Written:
    """Declare a ring-fence's risk appetite as its next version (fund manager)."""
    number = register.parse_id(ringfence_id, "ring-fence")
    given = (high_risk_share, instrument_share, counterparty_share)
    shares = {
        name: parse_share(value, field)
        for (name, field), value in zip(SHARES.items(), given, strict=True)
    }
    request = Request(
        operation="declare risk appetite",
        key=key,
        reason=reason,
        details={"ringfence_id": number, **{k: str(v) for k, v in shares.items()}},
    )

    def change(step: Step) -> tuple[str, int]:
        fence = register.ringfence(step.con, number)
        latest = step.con.execute(_LATEST, [number]).fetchone()
        if latest is not None and tuple(latest[1:]) == tuple(shares.values()):
            raise ValidationError(
                "risk appetite", f"is the same as version {latest[0]}; nothing was saved"
            )
        version = 1 if latest is None else latest[0] + 1
        appetite_id = step.con.execute(
            "INSERT INTO risk_appetite (ringfence_id, version, high_risk_share,"
            " instrument_share, counterparty_share, declared_by, declared_at, reason)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING appetite_id",
            [number, version, *shares.values(), step.actor.user_id, step.at, step.reason],
        ).fetchone()[0]
        step.record("risk_appetite", appetite_id)
        limits = ", ".join(f"{LIMITS[name].lower()} {share}%" for name, share in shares.items())
        step.said = f"Risk appetite of {fence.name} declared as version {version}: {limits}."
        return "risk appetite", appetite_id

    return perform(con, actor, Permission.MANAGE_PORTFOLIO, request, change)


# The position against every declared limit, as at $cutoff (NULL: now), in one pass over the
# ledger. ``ledger_effect`` says which kinds are commitments; ``ledger_entry`` when each was
# recorded. A counterparty is known by its name lower-cased with its spaces collapsed, and
# shown as it was first spelt. Shares of the ceiling are rounded half up to 0.01% in exact
# integer arithmetic (DuckDB divides decimals as doubles).
_POSITION = """
WITH appetite AS (
    SELECT * FROM risk_appetite
    WHERE $cutoff IS NULL OR declared_at < $cutoff
    QUALIFY row_number() OVER (PARTITION BY ringfence_id ORDER BY version DESC) = 1
),
moved AS (
    SELECT f.ringfence_id, f.commitment_id, f.committed, f.ceiling_moved
    FROM ledger_effect AS f
    JOIN ledger_entry AS e USING (entry_id)
    WHERE ($cutoff IS NULL OR e.recorded_at < $cutoff)
      AND f.kind IN ('commitment', 'decommitment', 'ringfence_virement')
),
fence AS (
    SELECT r.ringfence_id, r.name,
           CAST(r.declared_amount + coalesce(sum(m.ceiling_moved), 0) AS DECIMAL(38, 2))
               AS ceiling
    FROM ringfence AS r
    JOIN appetite AS a USING (ringfence_id)
    LEFT JOIN moved AS m USING (ringfence_id)
    GROUP BY r.ringfence_id, r.name, r.declared_amount
),
held AS (
    SELECT m.ringfence_id, m.commitment_id, x.risk_rating, x.instrument, c.counterparty,
           counterparty_key(c.counterparty) AS party,
           sum(m.committed) AS committed
    FROM moved AS m
    JOIN commitment AS c USING (commitment_id)
    JOIN experiment AS x USING (experiment_id)
    GROUP BY m.ringfence_id, m.commitment_id, x.risk_rating, x.instrument, c.counterparty
),
instrument AS (
    SELECT unnest($codes) AS instrument, unnest($labels) AS label
),
subject AS (
    SELECT f.ringfence_id, 1 AS rank, 'high_risk_share' AS share_name, $high_risk AS subject,
           coalesce(sum(h.committed) FILTER (WHERE h.risk_rating = 'high'), 0) AS position
    FROM fence AS f LEFT JOIN held AS h USING (ringfence_id)
    GROUP BY f.ringfence_id
    UNION ALL
    SELECT h.ringfence_id, 2, 'instrument_share', i.label, sum(h.committed)
    FROM held AS h JOIN instrument AS i USING (instrument)
    GROUP BY h.ringfence_id, i.label
    HAVING sum(h.committed) <> 0
    UNION ALL
    SELECT ringfence_id, 3, 'counterparty_share', arg_min(counterparty, commitment_id),
           sum(committed)
    FROM held
    GROUP BY ringfence_id, party
    HAVING sum(committed) <> 0
),
figured AS (
    SELECT f.name AS ringfence, s.rank, s.subject,
           CASE s.share_name WHEN 'high_risk_share' THEN a.high_risk_share
                             WHEN 'instrument_share' THEN a.instrument_share
                             ELSE a.counterparty_share END AS share_limit,
           f.ceiling, CAST(s.position AS DECIMAL(18, 2)) AS position,
           CASE s.share_name WHEN 'high_risk_share' THEN $high_risk_limit
                             WHEN 'instrument_share' THEN $instrument_limit
                             ELSE $counterparty_limit END AS "limit"
    FROM subject AS s
    JOIN fence AS f USING (ringfence_id)
    JOIN appetite AS a USING (ringfence_id)
),
pennies AS (
    SELECT *, CAST(floor(ceiling * share_limit) * 0.01 AS DECIMAL(18, 2)) AS limit_amount,
           CAST(position * 100 AS HUGEINT) AS p, CAST(ceiling * 100 AS HUGEINT) AS c
    FROM figured
)
SELECT ringfence, "limit", subject, share_limit, limit_amount, position,
       CAST(sign(p) * ((abs(p) * 20000 + c) // (2 * c)) * 0.01 AS DECIMAL(18, 2)) AS share,
       CAST(limit_amount - position AS DECIMAL(18, 2)) AS headroom,
       position > limit_amount AS breached
FROM pennies
ORDER BY ringfence, rank, position DESC, subject
"""


def _parameters(cutoff: datetime | None) -> dict[str, object]:
    codes = [instrument.value for instrument in register.Instrument]
    return {
        "cutoff": cutoff,
        "codes": codes,
        "labels": [register.Instrument(code).label for code in codes],
        "high_risk": HIGH_RISK,
        "high_risk_limit": LIMITS["high_risk_share"],
        "instrument_limit": LIMITS["instrument_share"],
        "counterparty_limit": LIMITS["counterparty_share"],
    }


def position(con: duckdb.DuckDBPyConnection, cutoff: datetime | None = None) -> pd.DataFrame:
    """Each ring-fence's position against its declared appetite as at ``cutoff`` (UTC, without
    a zone; None: now): one row per limit and subject (the high-risk row always; instruments
    and counterparties that hold money, largest share first), with the limit in pounds, the
    net committed position, its share of the ceiling, the headroom and whether it is breached.
    Only ledger entries recorded, and declarations made, before ``cutoff`` count."""
    return frame(con, _POSITION, _parameters(cutoff))


def position_as_at(
    con: duckdb.DuckDBPyConnection, actor: User, as_at: object = None
) -> pd.DataFrame:
    """:func:`position` as at the end of the UK day ``as_at`` (a date or YYYY-MM-DD; default
    today; never in the future), for anyone who may read summaries."""
    require(con, actor, Permission.READ_SUMMARY)
    return position(con, cutoff(as_of_day(as_at)))


# What a new commitment to one experiment is judged against: the latest appetite of its
# ring-fence, its ceiling now, and the three positions the commitment would add to, with the
# commitments still waiting for approval counted in (a second person may approve any of
# them). A counterparty is known as the position knows it, by the same SQL expression.
_EXPOSURE = """
WITH target AS (
    SELECT x.risk_rating, x.instrument, p.ringfence_id
    FROM experiment AS x JOIN programme AS p USING (programme_id)
    WHERE x.experiment_id = $experiment
),
appetite AS (
    SELECT a.* FROM risk_appetite AS a JOIN target USING (ringfence_id)
    ORDER BY a.version DESC
    LIMIT 1
),
held AS (
    SELECT f.committed, f.ceiling_moved, x.risk_rating, x.instrument, c.counterparty,
           c.commitment_id,
           counterparty_key(c.counterparty) AS party
    FROM ledger_effect AS f
    JOIN target AS t USING (ringfence_id)
    LEFT JOIN commitment AS c USING (commitment_id)
    LEFT JOIN experiment AS x USING (experiment_id)
    WHERE f.kind IN ('commitment', 'decommitment', 'ringfence_virement')
    UNION ALL  -- commitments waiting for a second person count as if made: each may be
    SELECT q.amount, 0, x.risk_rating, x.instrument, q.counterparty, NULL,
           counterparty_key(q.counterparty)
    FROM approval_request AS q
    JOIN experiment AS x USING (experiment_id)
    JOIN programme AS p ON p.programme_id = x.programme_id
    JOIN target AS t ON t.ringfence_id = p.ringfence_id
    WHERE q.kind = 'commitment'
      AND NOT EXISTS (SELECT 1 FROM approval_decision AS d WHERE d.request_id = q.request_id)
)
SELECT t.risk_rating = 'high', t.instrument,
       a.high_risk_share, a.instrument_share, a.counterparty_share,
       CAST(r.declared_amount + coalesce(sum(h.ceiling_moved), 0) AS DECIMAL(18, 2)),
       coalesce(sum(h.committed) FILTER (WHERE h.risk_rating = 'high'), 0),
       coalesce(sum(h.committed) FILTER (WHERE h.instrument = t.instrument), 0),
       coalesce(sum(h.committed) FILTER (WHERE h.party = p.party), 0),
       arg_min(h.counterparty, coalesce(h.commitment_id, $last)) FILTER (WHERE h.party = p.party)
FROM target AS t
JOIN appetite AS a USING (ringfence_id)
JOIN ringfence AS r USING (ringfence_id)
CROSS JOIN (SELECT counterparty_key($party) AS party) AS p
LEFT JOIN held AS h ON TRUE
GROUP BY t.risk_rating, t.instrument, a.high_risk_share, a.instrument_share,
         a.counterparty_share, r.declared_amount, p.party
"""


def breaches(
    con: duckdb.DuckDBPyConnection, *, experiment_id: int, amount: Decimal, counterparty: str
) -> list[str]:
    """The declared limits a new commitment of ``amount`` to ``experiment_id`` and
    ``counterparty`` would take past their limit, each as a sentence; none when the
    experiment's ring-fence has no declared appetite."""
    amount = to_money(amount, "amount")
    found = con.execute(
        _EXPOSURE,
        # a name is shown as first spelt: by the oldest commitment, else a waiting request
        {"experiment": experiment_id, "party": counterparty, "last": 2**62},
    ).fetchall()
    if not found:
        return []
    high, instrument, high_share, instrument_share, party_share, ceiling, *held = found[0]
    high_held, instrument_held, party_held, spelt = held
    judged = [
        (
            LIMITS["instrument_share"],
            register.Instrument(instrument).label,
            instrument_share,
            instrument_held,
        ),
        (LIMITS["counterparty_share"], spelt or counterparty, party_share, party_held),
    ]
    if high:
        judged.insert(0, (LIMITS["high_risk_share"], HIGH_RISK, high_share, high_held))
    return [
        _sentence(name, subject, share, limit_amount(ceiling, share), now + amount)
        for name, subject, share, now in judged
        if now + amount > limit_amount(ceiling, share)
    ]


def _sentence(name: str, subject: str, share: Decimal, limit: Decimal, after: Decimal) -> str:
    return (
        f"{name} limit for {subject}: {format_gbp(limit)} ({share}% of the ring-fence),"
        f" {format_gbp(after)} after this commitment"
    )
