"""The portfolio position: how much of the ring-fence is allocated, committed and paid,
sliced every way a fund manager, auditor or board asks for it.

Every figure shown anywhere (app, CLI, export) comes from these functions, and each view
is one set-based DuckDB query over the balance views of the first migration, so the views
add up to the same totals. Money columns stay exact: they arrive as Arrow decimals whose
values are :class:`decimal.Decimal`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

import duckdb
import pandas as pd

from fund import register
from fund.auth import Permission, User, may, require
from fund.db import frame, transaction
from fund.register import Instrument, Phase, RiskRating, phase_label


class Dimension(StrEnum):
    """The ways the position can be sliced."""

    TOTAL = "total"
    RINGFENCE = "ringfence"
    PROGRAMME = "programme"
    INSTRUMENT = "instrument"
    PHASE = "phase"
    RISK = "risk"
    OFFICIAL = "official"
    SECTOR = "sector"


def label(value: str) -> str:
    """'small_grant' → 'Small grant': how codes are shown to people."""
    return value.replace("_", " ").capitalize()


PHASE_LABELS = {p.value: phase_label(p) for p in Phase}

_MONEY = """
       CAST(coalesce(sum(m.committed), 0) AS DECIMAL(18,2)) AS committed,
       CAST(coalesce(sum(m.paid), 0) AS DECIMAL(18,2)) AS paid,
       CAST(coalesce(sum(m.recovered), 0) AS DECIMAL(18,2)) AS recovered,
       CAST(coalesce(sum(m.written_off), 0) AS DECIMAL(18,2)) AS written_off,
       CAST(coalesce(sum(m.committed), 0) - coalesce(sum(m.paid), 0) AS DECIMAL(18,2))
           AS outstanding"""

# Every view reads each experiment's money from {source}: the ``experiment_money`` view (one
# pass over the ledger), or a snapshot of it that a page slices several ways (see overview).
# Allocation and the ceiling are the kept balances, which every posting moves.

# Ring-fence level: {key} groups ring-fences (one group for the total, one per ring-fence).
_RINGFENCE_LEVEL = """
WITH spent AS (
    SELECT ringfence_id, sum(committed) AS committed, sum(paid) AS paid,
           sum(recovered) AS recovered, sum(written_off) AS written_off,
           count(*) AS experiments
    FROM {source}
    GROUP BY ringfence_id
)
SELECT {key} AS {name},
       CAST(sum(b.ceiling) AS DECIMAL(18,2)) AS ring_fence,
       CAST(sum(b.allocated) AS DECIMAL(18,2)) AS allocated,{money},
       CAST(sum(b.allocated) - coalesce(sum(m.committed), 0) AS DECIMAL(18,2)) AS available,
       CAST(sum(b.ceiling) - sum(b.allocated) AS DECIMAL(18,2)) AS headroom,
       CAST(coalesce(sum(m.experiments), 0) AS BIGINT) AS experiments
FROM ringfence AS r
JOIN ringfence_balance AS b USING (ringfence_id)
LEFT JOIN spent AS m USING (ringfence_id)
GROUP BY 1
ORDER BY 1
"""

_PROGRAMMES = """
WITH spent AS (
    SELECT programme_id, sum(committed) AS committed, sum(paid) AS paid,
           sum(recovered) AS recovered, sum(written_off) AS written_off,
           count(*) AS experiments
    FROM {source}
    GROUP BY programme_id
)
SELECT r.name AS ringfence, p.name AS programme,
       CAST(coalesce(any_value(pb.allocated), 0) AS DECIMAL(18,2)) AS allocated,{money},
       CAST(coalesce(any_value(pb.allocated), 0) - coalesce(sum(m.committed), 0)
            AS DECIMAL(18,2)) AS available,
       CAST(coalesce(sum(m.experiments), 0) AS BIGINT) AS experiments
FROM programme AS p
JOIN ringfence AS r USING (ringfence_id)
LEFT JOIN programme_balance AS pb USING (programme_id)
LEFT JOIN spent AS m USING (programme_id)
GROUP BY r.name, p.programme_id, p.name
ORDER BY r.name, p.name
"""

# One row per possible code (so an empty instrument still shows), in the order given.
_ATTRIBUTE = """
WITH keys AS (
    SELECT unnest(?::VARCHAR[]) AS key, unnest(?::VARCHAR[]) AS name,
           unnest(range(len(?::VARCHAR[]))) AS sort
)
SELECT k.name AS {name}, count(m.experiment_id) AS experiments,{money}
FROM keys AS k
LEFT JOIN {source} AS m ON m.{column}::VARCHAR = k.key
GROUP BY k.name, k.sort
ORDER BY k.sort
"""

_OFFICIALS = """
SELECT m.official, count(m.experiment_id) AS experiments,{money}
FROM {source} AS m
GROUP BY m.official
ORDER BY m.official
"""

_SECTORS = """
WITH involved AS (
    SELECT DISTINCT pt.sector, ep.experiment_id
    FROM experiment_partner AS ep JOIN partner AS pt USING (partner_id)
),
public_money AS (
    SELECT i.sector, count(*) AS experiments, sum(m.committed) AS committed
    FROM involved AS i JOIN {source} AS m USING (experiment_id)
    GROUP BY i.sector
),
match AS (
    SELECT pt.sector, sum(ep.match_cash) AS match_cash, sum(ep.match_in_kind) AS match_in_kind
    FROM experiment_partner AS ep JOIN partner AS pt USING (partner_id)
    GROUP BY pt.sector
)
SELECT pm.sector, pm.experiments,
       CAST(pm.committed AS DECIMAL(18,2)) AS committed_to_their_experiments,
       CAST(mt.match_cash AS DECIMAL(18,2)) AS match_cash,
       CAST(mt.match_in_kind AS DECIMAL(18,2)) AS match_in_kind,
       CAST(mt.match_cash + mt.match_in_kind AS DECIMAL(18,2)) AS match_funding
FROM public_money AS pm JOIN match AS mt USING (sector)
ORDER BY pm.sector
"""


def _codes(name: str, column: str, codes: list[tuple[object, str]]) -> tuple[str, list]:
    sql = _ATTRIBUTE.replace("{name}", name).replace("{column}", column)
    keys = [str(code) for code, _ in codes]
    return sql, [keys, [shown for _, shown in codes], keys]


_QUERIES: dict[Dimension, tuple[str, list]] = {
    Dimension.TOTAL: (
        _RINGFENCE_LEVEL.replace("{key}", "'All ring-fences'").replace("{name}", "scope"),
        [],
    ),
    Dimension.RINGFENCE: (
        _RINGFENCE_LEVEL.replace("{key}", "r.name").replace("{name}", "ringfence"),
        [],
    ),
    Dimension.PROGRAMME: (_PROGRAMMES, []),
    Dimension.INSTRUMENT: _codes(
        "instrument", "instrument", [(i.value, i.label) for i in Instrument]
    ),
    Dimension.PHASE: _codes("phase", "phase", list(PHASE_LABELS.items())),
    Dimension.RISK: _codes(
        "risk_rating", "risk_rating", [(r.value, label(r.value)) for r in RiskRating]
    ),
    Dimension.OFFICIAL: (_OFFICIALS, []),
    Dimension.SECTOR: (_SECTORS, []),
}
# Only these fixed fragments and names are put into the SQL; values travel as parameters.
_QUERIES = {d: (sql.replace("{money}", _MONEY), params) for d, (sql, params) in _QUERIES.items()}
LIVE = "experiment_money"  # the view: each experiment's money, from the ledger now
_SNAPSHOT = "experiment_money_snapshot"  # the same, read once for a page that slices it


def position(con: duckdb.DuckDBPyConnection, actor: User, by: Dimension | str) -> pd.DataFrame:
    """The position sliced by ``by``: ring-fence, allocated, committed, paid, available, headroom.

    Allocation belongs to programmes, so the instrument, phase, risk and official views show
    commitment-level money only. The sector view is not additive: an experiment with partners
    from two sectors counts in both, while its match funding counts once per partner.
    """
    require(con, actor, Permission.READ_SUMMARY)
    return _position(con, actor, by, LIVE)


def _position(con: duckdb.DuckDBPyConnection, actor: User, by, source: str) -> pd.DataFrame:
    dimension = register.choice(Dimension, by, "by")
    if dimension is Dimension.OFFICIAL:
        require(con, actor, Permission.READ_PEOPLE)
    sql, params = _QUERIES[dimension]
    return frame(con, sql.replace("{source}", source), params)


_BURN = """
WITH flows AS (
    SELECT date_trunc('month', value_date)::DATE AS month, sum(committed) AS committed,
           sum(paid) AS paid, sum(recovered) AS recovered
    FROM ledger_effect
    GROUP BY 1
),
months AS (
    SELECT unnest(generate_series(min(month), max(month), INTERVAL 1 MONTH))::DATE AS month
    FROM flows
)
SELECT mo.month,
       CAST(coalesce(f.committed, 0) AS DECIMAL(18,2)) AS committed,
       CAST(coalesce(f.paid, 0) AS DECIMAL(18,2)) AS paid,
       CAST(coalesce(f.recovered, 0) AS DECIMAL(18,2)) AS recovered,
       CAST(sum(coalesce(f.committed, 0)) OVER (ORDER BY mo.month) AS DECIMAL(18,2))
           AS cumulative_committed,
       CAST(sum(coalesce(f.paid, 0)) OVER (ORDER BY mo.month) AS DECIMAL(18,2)) AS cumulative_paid,
       (SELECT CAST(sum(ceiling) AS DECIMAL(18,2)) FROM ringfence_balance) AS ring_fence
FROM months AS mo
LEFT JOIN flows AS f USING (month)
ORDER BY mo.month
"""


def burn_by_month(con: duckdb.DuckDBPyConnection, actor: User) -> pd.DataFrame:
    """Money committed and paid in each month (by value date), cumulative, against the ring-fence."""
    require(con, actor, Permission.READ_SUMMARY)
    return frame(con, _BURN)


# The money figures of the total position, in the order they are shown.
POSITION_FIGURES = (
    "ring_fence",
    "allocated",
    "committed",
    "paid",
    "recovered",
    "written_off",
    "outstanding",
    "available",
    "headroom",
)


@dataclass(frozen=True, kw_only=True)
class Headline:
    """The figures at the top of the dashboard and of `fund position`."""

    ring_fence: Decimal
    allocated: Decimal
    committed: Decimal
    paid: Decimal
    recovered: Decimal
    written_off: Decimal
    outstanding: Decimal
    available: Decimal
    headroom: Decimal
    match_funding: Decimal
    leverage: Decimal | None  # match funding per £1 of public money committed


def headline(con: duckdb.DuckDBPyConnection, actor: User) -> Headline:
    require(con, actor, Permission.READ_SUMMARY)
    return _headline(con, actor, LIVE)


def _headline(con: duckdb.DuckDBPyConnection, actor: User, source: str) -> Headline:
    total = _position(con, actor, Dimension.TOTAL, source)
    row = total.iloc[0] if len(total) else None
    money = {name: (row[name] if row is not None else Decimal("0.00")) for name in POSITION_FIGURES}
    match = con.execute(
        "SELECT CAST(coalesce(sum(match_cash + match_in_kind), 0) AS DECIMAL(18,2))"
        " FROM experiment_partner"
    ).fetchall()[0][0]
    return Headline(**money, match_funding=match, leverage=leverage(match, money["committed"]))


@dataclass(frozen=True, kw_only=True)
class Overview:
    """What the Portfolio page shows at the top: the headline, four slices and the burn."""

    headline: Headline
    by_programme: pd.DataFrame
    by_instrument: pd.DataFrame
    by_phase: pd.DataFrame
    by_risk: pd.DataFrame
    burn: pd.DataFrame


def overview(con: duckdb.DuckDBPyConnection, actor: User) -> Overview:
    """The dashboard's figures, consistent with each other: read in one transaction, with
    each experiment's money summed from the ledger once and sliced five ways from that."""
    with transaction(con):
        require(con, actor, Permission.READ_SUMMARY)
        con.complete()  # the permission check's result, left open, would block the relation
        money = con.sql(f"SELECT * FROM {LIVE}").to_arrow_table()  # noqa: S608 - a fixed name
        con.register(_SNAPSHOT, money)
        try:
            return Overview(
                headline=_headline(con, actor, _SNAPSHOT),
                by_programme=_position(con, actor, Dimension.PROGRAMME, _SNAPSHOT),
                by_instrument=_position(con, actor, Dimension.INSTRUMENT, _SNAPSHOT),
                by_phase=_position(con, actor, Dimension.PHASE, _SNAPSHOT),
                by_risk=_position(con, actor, Dimension.RISK, _SNAPSHOT),
                burn=frame(con, _BURN),
            )
        finally:
            con.unregister(_SNAPSHOT)


def leverage(match_funding: Decimal, public_money: Decimal) -> Decimal | None:
    """Partner match funding ÷ public money, to the penny per pound; None when nothing is committed."""
    if public_money <= 0:
        return None
    return (match_funding / public_money).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


_EXPERIMENTS = """
SELECT m.experiment_id, x.title, p.name AS programme, m.instrument, m.phase, m.risk_rating,
       m.official, x.user_involvement,
       (SELECT s.route FROM scaling_record AS s WHERE s.experiment_id = m.experiment_id
        ORDER BY s.recorded_at DESC LIMIT 1) AS scaling_route,
       CAST(m.committed AS DECIMAL(18,2)) AS committed, CAST(m.paid AS DECIMAL(18,2)) AS paid,
       CAST(m.committed - m.paid AS DECIMAL(18,2)) AS outstanding,
       CAST(coalesce((SELECT sum(ep.match_cash + ep.match_in_kind) FROM experiment_partner AS ep
                      WHERE ep.experiment_id = m.experiment_id), 0) AS DECIMAL(18,2))
           AS match_funding
FROM experiment_money AS m
JOIN experiment AS x USING (experiment_id)
JOIN programme AS p ON p.programme_id = m.programme_id
WHERE (?::VARCHAR IS NULL OR p.name = ?::VARCHAR)
  AND (?::VARCHAR IS NULL OR m.instrument = ?::VARCHAR)
  AND (?::SMALLINT IS NULL OR m.phase = ?::SMALLINT)
  AND (?::VARCHAR IS NULL OR m.risk_rating = ?::VARCHAR)
  AND (?::VARCHAR IS NULL OR m.official = ?::VARCHAR)
ORDER BY p.name, x.title
"""


def experiments(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    *,
    programme: str | None = None,
    instrument: str | None = None,
    phase: int | None = None,
    risk_rating: str | None = None,
    official: str | None = None,
) -> pd.DataFrame:
    """Each experiment with its money and match funding; every filter optional."""
    user = require(con, actor, Permission.READ_SUMMARY)
    named = may(user.role, Permission.READ_PEOPLE)
    filters = [programme, instrument, phase, risk_rating, official if named else None]
    listing = frame(con, _EXPERIMENTS, [value for f in filters for value in (f, f)])
    # Board members read summaries: the responsible officials' names are not theirs to see.
    return listing if named else listing.drop(columns=["official"])


def officials(con: duckdb.DuckDBPyConnection, actor: User) -> list[str]:
    """The responsible officials, for a filter; empty for those who may not see names."""
    user = require(con, actor, Permission.READ_SUMMARY)
    if not may(user.role, Permission.READ_PEOPLE):
        return []
    rows = con.execute("SELECT DISTINCT official FROM experiment ORDER BY 1").fetchall()
    return [row[0] for row in rows]


def changes(before: Headline, after: Headline) -> list[tuple[str, Decimal, Decimal]]:
    """The headline figures a write moved, as (figure, before, after), for 'what changed'."""
    return [
        (
            name.replace("_", " ").capitalize().replace("Ring fence", "Ring-fence"),
            getattr(before, name),
            getattr(after, name),
        )
        for name in POSITION_FIGURES
        if getattr(before, name) != getattr(after, name)
    ]
