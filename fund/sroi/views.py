"""What the SROI page reads, in the shapes it draws: the experiments to pick from, a map's
versions, the ledger entries behind its inputs, the editable table of its outcomes and the
document that table becomes when saved.

Each read checks its permission here, so the page decides nothing about roles: a board member
gets versions without names and no ledger entries, and only a role that may assess gets an
editable map. The table is text throughout, so that what a person types reaches the impact
map checker (:mod:`fund.sroi.impact_file`) exactly as typed and is refused there, with every
problem named at once, rather than rounded by a number column on the way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import duckdb
import pandas as pd
import pyarrow as pa

from fund import register
from fund.auth import Permission, User, may, require
from fund.db import frame
from fund.labels import DATE
from fund.ledger.queries import EntryFilter, ledger
from fund.ledger.rules import Kind
from fund.sroi import reference, sensitivity, store
from fund.sroi import report as reports
from fund.sroi.discount import FLAT
from fund.sroi.impact_file import TEXTS
from fund.sroi.model import DEDUCTIONS, ImpactMap, Outcome, gap_text, ranges_json
from fund.sroi.report import Report

MONEY = pd.ArrowDtype(pa.decimal128(38, 2))  # a fund's sums may pass DECIMAL(18,2)


# --- choosing an experiment and a version ---------------------------------------------------

_CHOICES = """
SELECT x.experiment_id, format('#{} · {} ({})', x.experiment_id, x.title, p.name) AS label,
       coalesce(m.versions, 0) AS versions
FROM experiment AS x
JOIN programme AS p USING (programme_id)
LEFT JOIN (SELECT experiment_id, max(version) AS versions FROM impact_map GROUP BY ALL) AS m
    USING (experiment_id)
ORDER BY m.versions IS NULL, p.name, x.title
"""


def choices(con: duckdb.DuckDBPyConnection, actor: User) -> pd.DataFrame:
    """Every experiment with a label to pick it by and how many versions its map has: those
    with a map first, then the rest."""
    require(con, actor, Permission.READ_SUMMARY)
    return frame(con, _CHOICES)


@dataclass(frozen=True, kw_only=True)
class Version:
    """A saved version of a map as a report names it."""

    number: int
    saved_at: datetime
    saved_by: str  # blank for a reader who may not see officials' names
    reason: str
    outcomes: int

    def words(self) -> str:
        """'version 3, saved 01/12/2026 by Jane Doe: more young people reached'."""
        by = f" by {self.saved_by}" if self.saved_by else ""
        return f"version {self.number}, saved {self.saved_at:{DATE}}{by}: {self.reason}"


def versions(con: duckdb.DuckDBPyConnection, actor: User, experiment_id: object) -> list[Version]:
    """Every version of the experiment's map, newest first; names only for those who may
    see who is responsible (board members read summaries)."""
    user = require(con, actor, Permission.READ_SUMMARY)
    named = may(user.role, Permission.READ_PEOPLE)
    rows = store.versions(con, register.parse_id(experiment_id, "experiment"))
    return [
        Version(
            number=number,
            saved_at=saved_at,
            saved_by=by if named else "",
            reason=reason,
            outcomes=outcomes,
        )
        for number, saved_at, by, reason, outcomes in rows
    ]


def editable(con: duckdb.DuckDBPyConnection, actor: User) -> bool:
    """Whether the person may edit impact maps (fund managers), rather than read them."""
    user = require(con, actor, Permission.READ_SUMMARY)
    return may(user.role, Permission.ASSESS)


def schedule_names(con: duckdb.DuckDBPyConnection, actor: User) -> list[str]:
    """The named discount schedules a map may use, and ``flat`` for a rate of its own."""
    require(con, actor, Permission.READ_SUMMARY)
    return [*sorted(reference.schedule_names(con)), FLAT]


# --- the result, in the page's words ----------------------------------------------------------


def inputs(report: Report) -> pd.DataFrame:
    """The inputs the ratio divides by, each with where its figure comes from."""
    rows = report.impact_map.inputs
    return pd.DataFrame(
        {
            "description": pd.Series([i.description for i in rows], dtype="string"),
            "amount": pd.array([i.amount for i in rows], dtype=MONEY),
            "source": pd.Series([i.source for i in rows], dtype="string"),
        }
    )


_ENTRY_COLUMNS = ["entry_id", "value_date", "kind", "amount", "commitment_id", "counterparty"]
_ENTRY_COLUMNS += ["reason", "reverses", "reversed_by"]


def ledger_entries(
    con: duckdb.DuckDBPyConnection, actor: User, experiment_id: object
) -> pd.DataFrame | None:
    """The disbursements and recoveries behind the experiment's inputs, newest first; None
    for a reader who may not read the ledger (board members see the inputs' totals)."""
    user = require(con, actor, Permission.READ_SUMMARY)
    if not may(user.role, Permission.READ_LEDGER):
        return None
    chosen = register.parse_id(experiment_id, "experiment")
    found = [
        ledger(con, user, EntryFilter(experiment_id=chosen, kind=kind)).entries[_ENTRY_COLUMNS]
        for kind in (Kind.DISBURSEMENT, Kind.RECOVERY)
    ]
    both = pd.concat(found, ignore_index=True)
    return both.sort_values("entry_id", ascending=False, ignore_index=True)


def outcome_names(impact_map: ImpactMap) -> list[str]:
    """Each outcome by its place in the map, as problems name it: '0 · Young people: into work'."""
    return [f"{n} · {o.stakeholder}: {o.outcome}" for n, o in enumerate(impact_map.outcomes)]


def values_by_year(report: Report) -> pd.DataFrame:
    """Each outcome's value in each year (undiscounted), long: outcome, year, value. Years are
    words ('Year 1'): a chart must not read them as dates."""
    names = outcome_names(report.impact_map)
    rows = [
        (name, f"Year {year}", value)
        for name, values in zip(names, report.result.values_by_outcome, strict=True)
        for year, value in enumerate(values, 1)
    ]
    found = pd.DataFrame(rows, columns=["outcome", "year", "value"])
    return found.astype({"outcome": "string", "year": "string", "value": MONEY})


def gap_lines(report: Report) -> list[str]:
    """Each thing the map leaves unsaid, in words: 'outcomes/2/attribution has no
    justification'."""
    return [gap_text(gap) for gap in report.result.gaps]


def discount_words(report: Report) -> str:
    """Which schedule discounted the outcomes, which edition, and from which year."""
    discount = report.impact_map.discount
    if discount.schedule == FLAT:
        schedule = f"a flat rate of {(discount.rate * 100).normalize():f}%"
    else:
        schedule = f"{discount.schedule} (edition of {report.schedule.effective_from:{DATE}})"
    first = (
        "year 1 discounted (the Guide's convention)"
        if discount.first_year_discounted
        else "year 1 not discounted (the Green Book's convention)"
    )
    return f"{schedule}; {first}"


def payback_words(months: float | None) -> str:
    return "–" if months is None else f"{months:,.1f} months"


# --- sensitivity -----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Sensitivity:
    """How sure the ratio is: the tornado (widest swing first), the switching values, and the
    Monte Carlo distribution of the ratio."""

    tornado: pd.DataFrame  # bar, ratio_low, ratio_high, low, high, default_range
    switching: pd.DataFrame  # outcome_row, assumption, point, switching_value, change, why_none
    monte_carlo: sensitivity.MonteCarlo


def sensitivities(
    report: Report, *, draws: int = 10_000, seed: int = sensitivity.SEED, default_ranges: bool
) -> Sensitivity:
    """The sensitivity of the report's ratio (a map without inputs is refused: a ratio to
    nothing cannot be tested). ``default_ranges`` draws the assumptions the map gives no
    range for from :data:`fund.sroi.sensitivity.DEFAULT_RANGE` too."""
    analysed = reports.analyse(report, draws=draws, seed=seed, default_ranges=default_ranges)
    names = outcome_names(report.impact_map)
    swings = analysed.tornado
    tornado = pd.DataFrame(
        {
            "bar": [_bar(names[s.outcome], s.assumption, s.default_range) for s in swings],
            "ratio_low": [s.ratio_low for s in swings],
            "ratio_high": [s.ratio_high for s in swings],
            "low": [_figure(s.assumption, s.low) for s in swings],
            "high": [_figure(s.assumption, s.high) for s in swings],
            "default_range": [s.default_range for s in swings],
        }
    )
    return Sensitivity(
        tornado=tornado,
        switching=_switching(analysed.switching, names),
        monte_carlo=analysed.monte_carlo,
    )


def has_ranges(impact_map: ImpactMap) -> bool:
    return any(o.ranges for o in impact_map.outcomes)


def _bar(outcome: str, assumption: str, default: bool) -> str:
    return f"{outcome} – {sensitivity.LABEL[assumption]}" + (" *" if default else "")


def _switching(rows: tuple[sensitivity.SwitchingValue, ...], names: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "outcome_row": [names[r.outcome] for r in rows],
            "assumption": [sensitivity.LABEL[r.assumption] for r in rows],
            "point": [_figure(r.assumption, r.point) for r in rows],
            "switching_value": [_figure(r.assumption, r.value) for r in rows],
            "change": [_change(r) for r in rows],
            "why_none": [r.reason or "" for r in rows],
        },
        dtype="string",
    )


def _figure(assumption: str, value: float | None) -> str:
    """An assumption's value as its kind is read: £ for a proxy, % for a fraction."""
    if value is None:
        return "–"
    if assumption == "proxy":
        return f"{'-' if value < 0 else ''}£{abs(value):,.2f}"
    if assumption == "quantity":
        return f"{value:,.2f}"
    return f"{value:.1%}"


def _change(row: sensitivity.SwitchingValue) -> str:
    if row.change_percent is None:
        return "–"
    return f"{row.change_percent:+,.1f}%"


# --- the table a fund manager edits -------------------------------------------------------

LIBRARY_VALUE = "library_value"  # the library's value in the map's prices (read-only)
JUSTIFIED = tuple(f"{d}_why" for d in DEDUCTIONS)
EDITOR_COLUMNS = (
    *TEXTS,
    "quantity",
    "proxy_code",
    LIBRARY_VALUE,
    "proxy",
    "proxy_source",
    "duration_years",
    "start_year",
    *(name for pair in zip(DEDUCTIONS, JUSTIFIED, strict=True) for name in pair),
    "ranges",
)


def editor_rows(impact_map: ImpactMap | None) -> pd.DataFrame:
    """The map's outcomes as text, one row each: a proxy from the library shows its code and
    its value in the map's prices, a typed proxy its value and source."""
    outcomes = impact_map.outcomes if impact_map is not None else ()
    rows = [_editor_row(o) for o in outcomes]
    return pd.DataFrame(rows, columns=list(EDITOR_COLUMNS), dtype="object")


def _editor_row(outcome: Outcome) -> dict[str, object]:
    coded = outcome.proxy_code is not None
    row: dict[str, object] = {name: getattr(outcome, name) for name in TEXTS}
    row |= {
        "quantity": str(outcome.quantity),
        "proxy_code": outcome.proxy_code,
        LIBRARY_VALUE: str(outcome.proxy) if coded else None,
        "proxy": None if coded else str(outcome.proxy),
        "proxy_source": outcome.proxy_source,
        "duration_years": str(outcome.duration_years),
        "start_year": str(outcome.start_year),
    }
    for deduction, why in zip(DEDUCTIONS, JUSTIFIED, strict=True):
        row[deduction] = str(outcome.value(deduction))
        row[why] = outcome.justifications.get(deduction)
    ranges = ranges_json(outcome.ranges)
    row["ranges"] = json.dumps(ranges) if ranges else None
    return row


def with_proxy(rows: pd.DataFrame, row: int, code: str, restated: Decimal) -> pd.DataFrame:
    """The table with row ``row`` valued by library proxy ``code``: its value in the map's
    prices shown beside it, and no typed value or source left to contradict it."""
    changed = rows.copy()
    changed.loc[row, ["proxy_code", LIBRARY_VALUE, "proxy", "proxy_source"]] = [
        code,
        str(restated),
        None,
        None,
    ]
    return changed


def document(
    rows: pd.DataFrame,
    *,
    schedule: str,
    rate: str | None,
    first_year_discounted: bool,
    price_year: str | None,
) -> dict[str, object]:
    """The table and settings as an impact map file's JSON (DESIGN.md §4), every cell as
    typed; a row left wholly blank is no outcome. The library value column is not sent: a
    coded proxy takes the library's value when it is saved."""
    outcomes = [_outcome(row) for row in _typed(rows) if any(row.values())]
    chosen: object = {"rate": (rate or "").strip()} if schedule == FLAT else schedule
    found: dict[str, object] = {
        "discount": {"schedule": chosen, "first_year_discounted": first_year_discounted},
        "outcomes": outcomes,
    }
    if (price_year or "").strip():
        found["price_year"] = price_year.strip()
    return found


def _typed(rows: pd.DataFrame) -> list[dict[str, str]]:
    """Each row's cells as text, blanks left out (a blank is a missing field)."""
    cells = rows.reindex(columns=list(EDITOR_COLUMNS)).drop(columns=[LIBRARY_VALUE])
    cells = cells.astype("object").where(cells.notna(), None)
    return [
        {k: str(v).strip() for k, v in row.items() if v is not None and str(v).strip()}
        for row in cells.to_dict("records")
    ]


def _outcome(row: dict[str, str]) -> dict[str, object]:
    why = {d: row.pop(f"{d}_why") for d in DEDUCTIONS if f"{d}_why" in row}
    if why:
        row["justifications"] = why
    if "ranges" in row:
        row["ranges"] = _json(row["ranges"])
    return row


def _json(text: str) -> object:
    """Typed JSON, or the text itself for the checker to refuse at its place."""
    try:
        return json.loads(text, parse_float=Decimal)
    except ValueError:
        return text


# --- SROI by programme and instrument ---------------------------------------------------------


def positions(con: duckdb.DuckDBPyConnection, actor: User) -> dict[str | None, pd.DataFrame]:
    """The fund's SROI (None), by programme and by instrument, as tables: money exact, the
    ratio left as a number for the screen to word ('2.74 : 1')."""
    money = ["inputs", "present_value", "net_present_value"]
    return {
        by: found.rename(columns={"experiments": "impact_maps"}).astype(
            {column: MONEY for column in money} | {"sroi_ratio": "float64"}
        )
        for by, found in reports.positions(con, actor).items()
    }
