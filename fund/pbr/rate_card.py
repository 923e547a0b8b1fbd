"""A rate card: the price of each outcome a payment-by-results contract pays for, and its caps.

Pure arithmetic, no database: what a participant's outcomes are worth on a card (the check
the DWP Innovation Fund's price list publishes), and the outcome payments an expected
profile of outcomes would bring, within each cap. The ledger's own limit is the same
arithmetic in SQL (the views of migration 0010), judged in the payment's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from fund.errors import ValidationError
from fund.money import PENNY, ZERO, to_money
from fund.unit_of_work import required_text


@dataclass(frozen=True, kw_only=True)
class Rate:
    """One line of a rate card: an outcome metric, what it means, what one verified outcome
    earns, and the most the metric may earn in all (None: no cap of its own)."""

    metric: str
    definition: str
    unit_price: Decimal
    cap: Decimal | None = None


def rate(*, metric: object, definition: object, unit_price: object, cap: object = None) -> Rate:
    """A rate card line as typed; a refusal names the field."""
    blank_cap = cap is None or (isinstance(cap, str) and not cap.strip())
    return Rate(
        metric=required_text(_text(metric), "metric", max_length=200),
        definition=required_text(_text(definition), "definition", max_length=2000),
        unit_price=to_money(unit_price, "unit price"),
        cap=None if blank_cap else to_money(cap, "cap"),
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def card(lines: list[Rate]) -> tuple[Rate, ...]:
    """The lines as one card: at least one, each metric once."""
    if not lines:
        raise ValidationError("rate card", "needs at least one outcome metric with its price")
    seen: set[str] = set()
    for line in lines:
        if line.metric.casefold() in seen:
            raise ValidationError("rate card", f"prices the metric {line.metric!r} twice")
        seen.add(line.metric.casefold())
    return tuple(lines)


def forecast(
    lines: tuple[Rate, ...],
    expected: pd.DataFrame,
    earned_by_metric: dict[str, Decimal],
    room: Decimal,
) -> pd.DataFrame:
    """Outcome payments an expected profile would bring, period by period: expected outcomes
    × price, each metric within what its cap leaves after what it has earned, and the whole
    within ``room`` (the contract's maximum liability less what is earned). ``expected`` has
    columns metric, period_end, quantity; the result adds ``payment`` in pounds (exact), in
    period order. Vectorised: cumulative sums clipped at each cap, then differenced."""
    if expected.empty:
        return expected.assign(payment=pd.Series(dtype=object))
    by_metric = {line.metric: line for line in lines}
    rows = expected.sort_values(["period_end", "metric"], kind="stable").reset_index(drop=True)
    metric = rows["metric"].to_numpy()
    # Whole pence as Python integers (an object array): exact at any size, and a profile is
    # a few dozen rows.
    pence = np.array(
        [
            _pence(by_metric[m].unit_price) * int(q)
            for m, q in zip(metric, rows["quantity"], strict=True)
        ],
        dtype=object,
    )
    left = np.array(
        [_metric_room(by_metric[m], earned_by_metric.get(m, ZERO)) for m in metric], dtype=object
    )
    metric_total = _running(pence, metric)
    within_metric = np.minimum(metric_total, left)
    this_row = within_metric - _previous(within_metric, metric)
    overall = np.minimum(np.cumsum(this_row), _pence(room))
    paid = np.diff(overall, prepend=0)
    return rows.assign(payment=[(Decimal(int(p)) / 100).quantize(PENNY) for p in paid])


def _running(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Running totals of ``values`` within each group, in row order: numpy's cumulative sum
    restarted at each group's first row, which works on object arrays (pandas' grouped one
    does not)."""
    order, first = _grouped(groups)
    ordered = values[order]
    total = np.cumsum(ordered)
    start = np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))
    return _unsorted(order, total - (total[start] - ordered[start]))


def _previous(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Each row's previous value in its group (0 for a group's first row)."""
    order, first = _grouped(groups)
    ordered = values[order]
    before = np.where(first, 0, np.r_[0, ordered[:-1]])
    return _unsorted(order, before.astype(object))


def _grouped(groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows in group order (stable), and which of them begins its group."""
    order = np.argsort(groups, kind="stable")
    ranked = groups[order]
    return order, np.r_[True, ranked[1:] != ranked[:-1]]


def _unsorted(order: np.ndarray, ordered: np.ndarray) -> np.ndarray:
    result = np.empty_like(ordered)
    result[order] = ordered
    return result


def _pence(amount: Decimal) -> int:
    return int(amount * 100)


def _metric_room(line: Rate, earned: Decimal) -> int | None:
    """Pence the metric may still earn under its cap (no cap: more than any profile brings)."""
    if line.cap is None:
        return 10**30
    return max(_pence(line.cap - earned), 0)
