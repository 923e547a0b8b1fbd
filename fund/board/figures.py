"""Every number in the board pack, under a stable key, as the pack shows it, and the manifest
that carries them, so a pack can later be recomputed from the records and compared.

A figure's value is the exact text the pack stands on: money as a decimal string to the penny
("1234.50"), ratios to two decimals, shares of one to four, counts as whole numbers. The
Monte Carlo band is seeded, so it recomputes to the same two decimals and is a figure too.
Values are compared as text, never as floats, so "the pack says" is exactly what it said.
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import NamedTuple

import pandas as pd

from fund import labels
from fund.board.view import BoardView
from fund.money import format_gbp

MONEY, RATIO, LEVERAGE, SHARE, PERCENT, COUNT, NUMBER, TEXT = (
    "money",
    "ratio",
    "leverage",
    "share",
    "percent",
    "count",
    "number",
    "text",
)
_OWN = object()  # text() of the figure's own value


class Figure(NamedTuple):
    """One number of the pack: its key, where it sits, what it is called, its exact value
    (None where there is nothing to show, e.g. a ratio with no inputs) and its kind, which
    says how it is shown (:func:`text`) and written to a spreadsheet."""

    key: str
    section: str
    label: str
    value: str | None
    kind: str


def figures(view: BoardView) -> list[Figure]:
    """Every figure of the pack, in the order the pack shows them."""
    return [
        *_money(view),
        *_ventures(view),
        *_sroi(view),
        *_learning(view),
        *_risk(view),
        *_audit(view),
    ]


def manifest(view: BoardView) -> bytes:
    """The pack's manifest as canonical JSON (sorted keys, no spaces, UTF-8): the date, the
    audit chain's head as at it, and every figure by key. The same view gives the same bytes."""
    document = {
        "as_at": view.as_at.isoformat(),
        "audit_head": {"row": view.audit_head[0], "hash": view.audit_head[1]},
        "figures": {figure.key: figure.value for figure in figures(view)},
    }
    return canonical(document)


def canonical(document: dict) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def text(figure: Figure, value: object = _OWN) -> str:
    """A figure as people read it (£1,234.50, 2.37 : 1, 66.67%); ``value`` shows another value
    of the same figure (what a pack said, beside what the records say now), as it was written
    when it is not a value of this kind."""
    shown = figure.value if value is _OWN else value
    if shown is None:
        return "–"
    try:
        return _shown(figure.kind, str(shown))
    except (InvalidOperation, ValueError):
        return str(shown)


def _shown(kind: str, value: str) -> str:
    if kind == MONEY:
        return format_gbp(Decimal(value))
    if kind == RATIO:
        return f"{Decimal(value)} : 1"
    if kind == LEVERAGE:
        return labels.leverage(Decimal(value))
    if kind == SHARE:
        return f"{Decimal(value) * 100:.2f}%"
    if kind == PERCENT:
        return f"{Decimal(value)}%"
    if kind == COUNT:
        return f"{int(value):,}"
    return value


# --- how values are written -----------------------------------------------------------------


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or value != value


def _places(value: object, places: str) -> str | None:
    """A number to fixed decimals, rounded half-up from its shortest exact text."""
    if _missing(value):
        return None
    return str(Decimal(str(value)).quantize(Decimal(places), rounding=ROUND_HALF_UP))


def _value(kind: str, value: object) -> str | None:
    if _missing(value):
        return None
    if kind in (MONEY, LEVERAGE, RATIO, NUMBER, PERCENT):
        return _places(value, "0.01")
    if kind == SHARE:
        return _places(value, "0.0001")
    if kind == COUNT:
        return str(int(value))
    return str(value)


def _figure(key: str, section: str, label: str, value: object, kind: str) -> Figure:
    return Figure(key, section, label, _value(kind, value), kind)


# --- the sections ---------------------------------------------------------------------------

_MONEY_HEADLINE = (
    ("ring_fence", "Ring-fence"),
    ("allocated", "Allocated"),
    ("committed", "Committed"),
    ("paid", "Paid"),
    ("recovered", "Recovered"),
    ("written_off", "Written off"),
    ("available", "Available to commit"),
    ("unallocated", "Not yet allocated"),
    ("match_funding", "Partners' match funding"),
)
_PROGRAMME_MONEY = (
    ("allocated", "allocated"),
    ("committed", "committed"),
    ("paid", "paid"),
    ("available", "available"),
)


def _money(view: BoardView) -> list[Figure]:
    held = view.money
    found = [
        _figure(f"money.{name}", "Money", label, getattr(held, name), MONEY)
        for name, label in _MONEY_HEADLINE
    ]
    found.append(
        _figure("money.leverage", "Money", "Leverage of match funding", held.leverage, LEVERAGE)
    )
    several = held.by_programme["ringfence"].nunique() > 1  # else the fence goes unsaid
    for row in held.by_programme.itertuples(index=False):
        where = f"{row.ringfence} / {row.programme}"
        named = where if several else row.programme
        found += [
            _figure(
                f"money.programme.{where}.{name}",
                "Money",
                f"{named}: {label}",
                getattr(row, name),
                MONEY,
            )
            for name, label in _PROGRAMME_MONEY
        ]
    if not held.burn.empty:
        last = held.burn.iloc[-1]
        found += [
            _figure(
                "burn.paid_to_date", "Money", "Burn: paid to date", last["cumulative_paid"], MONEY
            ),
            _figure(
                "burn.planned_to_date", "Money", "Burn: planned to date", last["planned"], MONEY
            ),
        ]
    return found


_VENTURES = (
    ("investments", "Investments", COUNT),
    ("paid_in", "Paid in", MONEY),
    ("distributions", "Distributions (money back)", MONEY),
    ("written_off", "Written off", MONEY),
    ("residual_value", "Residual value", MONEY),
    ("dpi", "DPI (distributions ÷ paid in)", NUMBER),
    ("rvpi", "RVPI (residual value ÷ paid in)", NUMBER),
    ("tvpi", "TVPI (total value ÷ paid in)", NUMBER),
    ("irr", "IRR (dated flows, residual value last)", SHARE),
)


def _ventures(view: BoardView) -> list[Figure]:
    """The fund's social venture investments: what was paid in and got back, what the rest
    is worth, the multiples and the rate, or why there is none."""
    fund = view.ventures
    found = [
        _figure(f"ventures.{name}", "Social ventures", label, fund[name], kind)
        for name, label, kind in _VENTURES
    ]
    if _missing(fund["irr"]):
        found.append(
            _figure(
                "ventures.irr_reason", "Social ventures", "No IRR because", fund["irr_reason"], TEXT
            )
        )
    return found


_SROI_SLICE = (
    ("ratio", "SROI ratio", "sroi_ratio", RATIO),
    ("inputs", "inputs", "inputs", MONEY),
    ("present_value", "present value", "present_value", MONEY),
    ("maps", "impact maps", "experiments", COUNT),
    ("incomplete", "incomplete maps", "incomplete", COUNT),
)


def _sroi(view: BoardView) -> list[Figure]:
    sroi = view.sroi
    fund = sroi.fund.iloc[0] if not sroi.fund.empty else {}
    found = [
        _figure("sroi.ratio", "Social return", "Fund SROI ratio", sroi.ratio, RATIO),
        _figure("sroi.inputs", "Social return", "Inputs", fund.get("inputs"), MONEY),
        _figure(
            "sroi.present_value", "Social return", "Present value", fund.get("present_value"), MONEY
        ),
        _figure(
            "sroi.net_present_value",
            "Social return",
            "Net present value",
            fund.get("net_present_value"),
            MONEY,
        ),
        _figure("sroi.maps", "Social return", "Impact maps counted", sroi.maps, COUNT),
        _figure(
            "sroi.incomplete", "Social return", "Impact maps incomplete", sroi.incomplete, COUNT
        ),
    ]
    band = sroi.band
    if band is not None:
        found += [
            _figure("sroi.band.p5", "Social return", "Monte Carlo 5th percentile", band.p5, RATIO),
            _figure("sroi.band.p50", "Social return", "Monte Carlo median", band.p50, RATIO),
            _figure(
                "sroi.band.p95", "Social return", "Monte Carlo 95th percentile", band.p95, RATIO
            ),
            _figure(
                "sroi.band.p_above_one",
                "Social return",
                "Chance the ratio is above 1",
                band.p_above_one,
                SHARE,
            ),
            _figure("sroi.band.draws", "Social return", "Monte Carlo draws", band.draws, COUNT),
        ]
    for by, frame, name in (
        ("programme", sroi.by_programme, "programme"),
        ("instrument", sroi.by_instrument, "instrument"),
    ):
        for _, row in frame.iterrows():
            subject = labels.value(name, row[name])
            found += [
                _figure(
                    f"sroi.{by}.{subject}.{key}",
                    "Social return",
                    f"{subject}: {label}",
                    row[column],
                    kind,
                )
                for key, label, column, kind in _SROI_SLICE
            ]
    return found


_LEARNING = (
    ("experiments", "Experiments", COUNT),
    ("ended", "Experiments ended", COUNT),
    ("lessons", "Lessons documented", COUNT),
    ("ended_with_lesson", "Ended with a lesson", COUNT),
    ("share_with_lesson", "Share of ended experiments with a lesson", SHARE),
    ("failures_documented", "Failures documented", COUNT),
    ("median_days_to_lesson", "Median days from end to lesson", NUMBER),
    ("cost_per_lesson", "Cost per lesson", MONEY),
    *((f"level_{n}", f"Evidence level {n}", COUNT) for n in range(6)),
    ("highest_level", "Highest evidence level", COUNT),
    *(
        (f"verdict_{v}", f"Verdict: {v}", COUNT)
        for v in ("scale", "adapt", "stop", "inconclusive", "none")
    ),
)


def _learning(view: BoardView) -> list[Figure]:
    learning = view.learning
    found = [
        _figure(f"learning.{name}", "Learning", label, learning.figure(name), kind)
        for name, label, kind in _LEARNING
        if name in learning.figures.columns
    ]
    found.append(
        _figure(
            "learning.lessons_per_million",
            "Learning",
            "Lessons per £1m at risk",
            learning.lessons_per_million,
            NUMBER,
        )
    )
    return found


_APPETITE = (
    ("limit_amount", "limit", MONEY),
    ("position", "position", MONEY),
    ("share", "share of the ring-fence", PERCENT),
    ("headroom", "headroom", MONEY),
)


def _risk(view: BoardView) -> list[Figure]:
    found = []
    for _, row in view.risk.appetite.iterrows():
        where = f"{row['ringfence']}.{row['limit']}.{row['subject']}"
        named = f"{row['ringfence']}, {row['limit']}, {row['subject']}"
        found += [
            _figure(f"risk.appetite.{where}.{key}", "Risk", f"{named}: {label}", row[key], kind)
            for key, label, kind in _APPETITE
        ]
    found.append(
        _figure(
            "risk.awaiting_decision",
            "Risk",
            "Experiments awaiting a decision",
            len(view.risk.awaiting_decision),
            COUNT,
        )
    )
    return found


def _audit(view: BoardView) -> list[Figure]:
    row, row_hash = view.audit_head
    return [
        _figure("audit.head_row", "Audit", "Audit chain head: row", row, COUNT),
        _figure("audit.head_hash", "Audit", "Audit chain head: hash (SHA-256)", row_hash, TEXT),
    ]
