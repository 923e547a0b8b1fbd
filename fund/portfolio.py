"""The portfolio position: how much of the ring-fence is allocated, committed and paid,
sliced every way a fund manager, auditor or board asks for it.

Every figure shown anywhere (app, CLI, export) comes from these functions, and each view
is one set-based DuckDB query over the balance views of the first migration, so the views
add up to the same totals. Money columns stay exact: they arrive as Arrow decimals whose
values are :class:`decimal.Decimal`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

import duckdb
import pandas as pd
import pyarrow as pa

from fund import labels, register
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

# Each view reads money from a source: the ledger now (one pass), or a snapshot of each
# experiment's money that a page reads once and slices several ways (see overview). {source}
# is each experiment's money; {spent by ringfence_id} and {spent by programme_id} the money
# and experiments of each ring-fence or programme. Allocation and the ceiling are the kept
# balances, which every posting moves.

# Ring-fence level: {key} groups ring-fences (one group for the total, one per ring-fence).
_RINGFENCE_LEVEL = """
WITH spent AS ({spent by ringfence_id})
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
WITH spent AS ({spent by programme_id})
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


@dataclass(frozen=True, kw_only=True)
class _Source:
    """Where a view reads money: each experiment's, and each ring-fence's or programme's."""

    experiments: str
    spent: str  # {scope} is ringfence_id or programme_id

    def sql(self, template: str) -> str:
        """``template`` reading from this source (only fixed names and fragments go in)."""
        for scope in ("ringfence_id", "programme_id"):
            template = template.replace(
                "{spent by " + scope + "}", self.spent.replace("{scope}", scope)
            )
        return template.replace("{source}", self.experiments)


# The ledger now: a ring-fence's or programme's money is one GROUP BY over the entries.
LIVE = _Source(
    experiments="experiment_money",
    spent="""
    SELECT {scope}, m.committed, m.paid, m.recovered, m.written_off,
           coalesce(n.experiments, 0) AS experiments
    FROM (SELECT {scope}, sum(committed) AS committed, sum(paid) AS paid,
                 sum(recovered) AS recovered, sum(written_off) AS written_off
          FROM ledger_effect WHERE {scope} IS NOT NULL GROUP BY {scope}) AS m
    FULL JOIN (SELECT p.{scope}, count(*) AS experiments
               FROM experiment AS x JOIN programme AS p USING (programme_id)
               GROUP BY p.{scope}) AS n USING ({scope})
    """,
)
# Each experiment's money as a page read it once: every slice is summed from it.
_SNAPSHOT_NAME = "experiment_money_snapshot"
_SNAPSHOT = _Source(
    experiments=_SNAPSHOT_NAME,
    spent=f"""
    SELECT {{scope}}, sum(committed) AS committed, sum(paid) AS paid,
           sum(recovered) AS recovered, sum(written_off) AS written_off,
           count(*) AS experiments
    FROM {_SNAPSHOT_NAME} GROUP BY {{scope}}
    """,  # noqa: S608 - a fixed name
)


def position(con: duckdb.DuckDBPyConnection, actor: User, by: Dimension | str) -> pd.DataFrame:
    """The position sliced by ``by``: ring-fence, allocated, committed, paid, available, headroom.

    Allocation belongs to programmes, so the instrument, phase, risk and official views show
    commitment-level money only. The sector view is not additive: an experiment with partners
    from two sectors counts in both, while its match funding counts once per partner.
    """
    require(con, actor, Permission.READ_SUMMARY)
    return _position(con, actor, by, LIVE)


def _position(con: duckdb.DuckDBPyConnection, actor: User, by, source: _Source) -> pd.DataFrame:
    dimension = register.choice(Dimension, by, "by")
    if dimension is Dimension.OFFICIAL:
        require(con, actor, Permission.READ_PEOPLE)
    sql, params = _QUERIES[dimension]
    return frame(con, source.sql(sql), params)


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


def _headline(con: duckdb.DuckDBPyConnection, actor: User, source: _Source) -> Headline:
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
    money: pa.Table = field(repr=False)  # each experiment's money, as it was read


def overview(con: duckdb.DuckDBPyConnection, actor: User) -> Overview:
    """The dashboard's figures, consistent with each other: read in one transaction, with
    each experiment's money summed from the ledger once and sliced five ways from that."""
    with transaction(con):
        require(con, actor, Permission.READ_SUMMARY)
        con.complete()  # the permission check's result, left open, would block the relation
        money = con.sql(f"SELECT * FROM {LIVE.experiments}").to_arrow_table()  # noqa: S608
        with _snapshot(con, money):
            return Overview(
                headline=_headline(con, actor, _SNAPSHOT),
                by_programme=_position(con, actor, Dimension.PROGRAMME, _SNAPSHOT),
                by_instrument=_position(con, actor, Dimension.INSTRUMENT, _SNAPSHOT),
                by_phase=_position(con, actor, Dimension.PHASE, _SNAPSHOT),
                by_risk=_position(con, actor, Dimension.RISK, _SNAPSHOT),
                burn=frame(con, _BURN),
                money=money,
            )


@contextmanager
def _snapshot(con: duckdb.DuckDBPyConnection, money: pa.Table) -> Iterator[None]:
    """Each experiment's money, as read once, readable as the snapshot source for a while."""
    con.complete()  # a result left open (the permission check's) would block registering
    con.register(_SNAPSHOT_NAME, money)
    try:
        yield
    finally:
        con.unregister(_SNAPSHOT_NAME)


def leverage(match_funding: Decimal, public_money: Decimal) -> Decimal | None:
    """Partner match funding ÷ public money, to the penny per pound; None when nothing is committed."""
    if public_money <= 0:
        return None
    return (match_funding / public_money).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


_EXPERIMENTS = """
WITH routes AS (
    SELECT experiment_id, arg_max(route, recorded_at) AS scaling_route
    FROM scaling_record GROUP BY experiment_id
),
matched AS (
    SELECT experiment_id, sum(match_cash + match_in_kind) AS match_funding
    FROM experiment_partner GROUP BY experiment_id
)
SELECT m.experiment_id, x.title, p.name AS programme, m.instrument, m.phase, m.risk_rating,
       m.official, x.user_involvement, r.scaling_route,
       CAST(m.committed AS DECIMAL(18,2)) AS committed, CAST(m.paid AS DECIMAL(18,2)) AS paid,
       CAST(m.committed - m.paid AS DECIMAL(18,2)) AS outstanding,
       CAST(coalesce(mt.match_funding, 0) AS DECIMAL(18,2)) AS match_funding
FROM {source} AS m
JOIN experiment AS x USING (experiment_id)
JOIN programme AS p ON p.programme_id = m.programme_id
LEFT JOIN routes AS r USING (experiment_id)
LEFT JOIN matched AS mt USING (experiment_id)
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
    within: Overview | None = None,
) -> pd.DataFrame:
    """Each experiment with its money and match funding; every filter optional. ``within``
    an overview already read, its money is listed rather than the ledger summed again."""
    user = require(con, actor, Permission.READ_SUMMARY)
    named = may(user.role, Permission.READ_PEOPLE)
    filters = [programme, instrument, phase, risk_rating, official if named else None]
    params = [value for f in filters for value in (f, f)]
    if within is None:
        listing = frame(con, LIVE.sql(_EXPERIMENTS), params)
    else:
        with _snapshot(con, within.money):
            listing = frame(con, _SNAPSHOT.sql(_EXPERIMENTS), params)
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
    """The headline figures a write moved, as (figure, before, after), for 'what changed';
    each named as the Portfolio page names it."""
    return [
        (labels.FIGURES[name], getattr(before, name), getattr(after, name))
        for name in POSITION_FIGURES
        if getattr(before, name) != getattr(after, name)
    ]
