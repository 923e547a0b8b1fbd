"""Money arithmetic for the demo's plan: whole pennies, and shares rounded to the pound."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

PENNY = Decimal("0.01")
POUND = Decimal("1")


def share_of(amount: Decimal, fraction: str) -> Decimal:
    """A fraction of an amount, to the whole pound (half up), as money."""
    return (amount * Decimal(fraction)).quantize(POUND, rounding=ROUND_HALF_UP).quantize(PENNY)


def ceil_to(amount: Decimal, step: int) -> Decimal:
    """An amount rounded up to a whole multiple of ``step`` pounds, as money."""
    return ((amount / step).to_integral_value(rounding=ROUND_CEILING) * step).quantize(PENNY)
