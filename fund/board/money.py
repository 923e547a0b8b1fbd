"""The fund's money as at the end of a day: what the ledger said then, from the entries
recorded before that moment (an entry posted later never shows, whatever its value date).

The ring-fence is each ring-fence declared by then, moved by the ring-fence virements
recorded by then (the declared amount itself is never edited). Partners' match funding is
not versioned, so leverage is today's match funding over the committed money as at the date.
Every figure is one set-based query; money stays exact (Arrow decimals).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import duckdb
import pandas as pd

from fund.db import frame
from fund.money import PENNY
from fund.portfolio import leverage

# Every entry recorded before $cutoff, with the balances it moves.
_ENTRIES = """
entries AS (
    SELECT f.*, e.recorded_at
    FROM ledger_effect AS f JOIN ledger_entry AS e USING (entry_id)
    WHERE e.recorded_at < $cutoff
),
fences AS (SELECT * FROM ringfence WHERE created_at < $cutoff)"""

_HEADLINE = f"""
WITH {_ENTRIES}
SELECT CAST((SELECT coalesce(sum(declared_amount), 0) FROM fences)
            + coalesce(sum(ceiling_moved), 0) AS DECIMAL(18,2)) AS ring_fence,
       CAST(coalesce(sum(allocated), 0) AS DECIMAL(18,2)) AS allocated,
       CAST(coalesce(sum(committed), 0) AS DECIMAL(18,2)) AS committed,
       CAST(coalesce(sum(paid), 0) AS DECIMAL(18,2)) AS paid,
       CAST(coalesce(sum(recovered), 0) AS DECIMAL(18,2)) AS recovered,
       CAST(coalesce(sum(written_off), 0) AS DECIMAL(18,2)) AS written_off,
       (SELECT CAST(coalesce(sum(match_cash + match_in_kind), 0) AS DECIMAL(18,2))
        FROM experiment_partner) AS match_funding,
       (SELECT string_agg(financial_years, '; ' ORDER BY ringfence_id) FROM fences)
           AS financial_years
FROM entries
"""  # noqa: S608 - fixed fragments only

_PROGRAMMES = f"""
WITH {_ENTRIES},
money AS (
    SELECT programme_id, sum(allocated) AS allocated, sum(committed) AS committed,
           sum(paid) AS paid, sum(recovered) AS recovered
    FROM entries WHERE programme_id IS NOT NULL GROUP BY programme_id
)
SELECT r.name AS ringfence, p.name AS programme,
       CAST(coalesce(m.allocated, 0) AS DECIMAL(18,2)) AS allocated,
       CAST(coalesce(m.committed, 0) AS DECIMAL(18,2)) AS committed,
       CAST(coalesce(m.paid, 0) AS DECIMAL(18,2)) AS paid,
       CAST(coalesce(m.recovered, 0) AS DECIMAL(18,2)) AS recovered,
       CAST(coalesce(m.allocated, 0) - coalesce(m.committed, 0) AS DECIMAL(18,2)) AS available
FROM programme AS p
JOIN fences AS r USING (ringfence_id)
LEFT JOIN money AS m USING (programme_id)
WHERE p.created_at < $cutoff
ORDER BY r.name, p.name
"""  # noqa: S608 - fixed fragments only

# Money paid and committed in each month by value date, cumulative, from the entries
# recorded before $cutoff.
_BURN = f"""
WITH {_ENTRIES},
flows AS (
    SELECT date_trunc('month', value_date)::DATE AS month, sum(committed) AS committed,
           sum(paid) AS paid
    FROM entries GROUP BY 1
),
months AS (
    SELECT unnest(generate_series(min(month), max(month), INTERVAL 1 MONTH))::DATE AS month
    FROM flows
)
SELECT mo.month,
       CAST(coalesce(f.paid, 0) AS DECIMAL(18,2)) AS paid,
       CAST(sum(coalesce(f.committed, 0)) OVER (ORDER BY mo.month) AS DECIMAL(18,2))
           AS cumulative_committed,
       CAST(sum(coalesce(f.paid, 0)) OVER (ORDER BY mo.month) AS DECIMAL(18,2)) AS cumulative_paid
FROM months AS mo LEFT JOIN flows AS f USING (month)
ORDER BY mo.month
"""  # noqa: S608 - fixed fragments only


@dataclass(frozen=True, kw_only=True)
class Money:
    """The money figures a board reads, as at a moment."""

    ring_fence: Decimal
    allocated: Decimal
    committed: Decimal
    paid: Decimal
    recovered: Decimal
    written_off: Decimal
    available: Decimal  # allocated, not yet committed
    unallocated: Decimal  # ring-fence not yet allocated to a programme
    match_funding: Decimal
    leverage: Decimal | None  # partners' match funding per £1 committed
    financial_years: str  # as the ring-fences declare them
    by_programme: pd.DataFrame
    burn: pd.DataFrame  # month, paid, cumulative committed and paid, planned (cumulative)


def money(con: duckdb.DuckDBPyConnection, cutoff: datetime) -> Money:
    """The money as the ledger stood just before ``cutoff``. For services that have checked
    the reader's permission."""
    params = {"cutoff": cutoff}
    row = frame(con, _HEADLINE, params).iloc[0]
    figures = {name: row[name] for name in ("ring_fence", "allocated", "committed", "paid")}
    years = row["financial_years"] if isinstance(row["financial_years"], str) else ""
    return Money(
        **figures,
        recovered=row["recovered"],
        written_off=row["written_off"],
        available=row["allocated"] - row["committed"],
        unallocated=row["ring_fence"] - row["allocated"],
        match_funding=row["match_funding"],
        leverage=leverage(row["match_funding"], row["committed"]),
        financial_years=years,
        by_programme=frame(con, _PROGRAMMES, params),
        burn=with_plan(frame(con, _BURN, params), row["ring_fence"], years),
    )


_YEARS = re.compile(r"(\d{4})-\d{2}")


def plan_period(financial_years: str) -> tuple[date, date] | None:
    """The span the ring-fence was declared for, from text like '2024-25 to 2025-26': from
    1 April of the first financial year to 31 March after the last; None when the text
    names no financial year (then there is no plan line, rather than a made-up one)."""
    starts = [int(year) for year in _YEARS.findall(financial_years)]
    if not starts:
        return None
    return date(min(starts), 4, 1), date(max(starts) + 1, 3, 31)


def with_plan(burn: pd.DataFrame, ring_fence: Decimal, financial_years: str) -> pd.DataFrame:
    """The burn with ``planned``: the ring-fence spent evenly by month over its declared
    years, cumulative to each month's end, half-up to the penny (None without a known plan)."""
    period = plan_period(financial_years)
    if period is None or burn.empty:
        return burn.assign(planned=pd.Series([None] * len(burn), dtype=object))
    first, last = period
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    month_index = [(m.year - first.year) * 12 + m.month - first.month + 1 for m in burn["month"]]
    elapsed = [min(max(index, 0), months) for index in month_index]
    planned = [(ring_fence * n / months).quantize(PENNY, rounding=ROUND_HALF_UP) for n in elapsed]
    return burn.assign(planned=pd.Series(planned, dtype=object))
