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


def payable(
    lines: tuple[Rate, ...], outcomes: list[str], max_per_participant: Decimal | None
) -> tuple[Decimal, Decimal]:
    """What one participant's outcomes are worth on the card: (uncapped, payable), payable
    within the most one participant may earn. An outcome not on the card is refused."""
    prices = {line.metric: line.unit_price for line in lines}
    unknown = [o for o in outcomes if o not in prices]
    if unknown:
        raise ValidationError("metric", f"{unknown[0]!r} is not on the rate card")
    uncapped = sum((prices[o] for o in outcomes), ZERO)
    if max_per_participant is None:
        return uncapped, uncapped
    return uncapped, min(uncapped, max_per_participant)


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
    pence = np.array(
        [int(by_metric[m].unit_price * 100) for m in rows["metric"]], dtype=np.int64
    ) * rows["quantity"].to_numpy(dtype=np.int64)
    left = np.array(
        [_metric_room(by_metric[m], earned_by_metric.get(m, ZERO)) for m in rows["metric"]],
        dtype=np.int64,
    )
    metric_total = pd.Series(pence).groupby(rows["metric"].to_numpy()).cumsum().to_numpy()
    within_metric = np.minimum(metric_total, left)
    per_row = (
        within_metric
        - pd.Series(within_metric).groupby(rows["metric"].to_numpy()).shift(fill_value=0).to_numpy()
    )
    overall = np.minimum(np.cumsum(per_row), int(room * 100))
    paid = np.diff(overall, prepend=0)
    return rows.assign(payment=[(Decimal(int(p)) / 100).quantize(PENNY) for p in paid])


_NO_CAP = np.iinfo(np.int64).max // 4


def _metric_room(line: Rate, earned: Decimal) -> int:
    """Pence the metric may still earn under its cap (no cap: as good as unlimited)."""
    if line.cap is None:
        return _NO_CAP
    return max(int((line.cap - earned) * 100), 0)
