"""How the Evidence and Lessons pages word what the evidence services give: a missing value,
a plan's exact figure, a verdict, an estimate with its interval."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

NONE_YET = "None yet"


def missing(value: object) -> bool:
    """None, pandas' NA or NaN: a figure not there yet."""
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def number(value: object) -> str:
    """A plan's figure as typed, without the stored trailing zeros: '0.0500' → '0.05'."""
    if missing(value):
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def verdict(value: object) -> str:
    """'scale' → 'Scale'; 'None yet' while there is no estimate with a target."""
    return NONE_YET if missing(value) else str(value).capitalize()


def figure(value: float, *, signed: bool = False) -> str:
    """An estimate to four significant figures, as the CLI shows it."""
    return f"{value:+,.4g}" if signed else f"{value:,.4g}"


def estimate(effect: float, ci_low: float, ci_high: float) -> str:
    """'+0.07 (95% CI 0.03 to 0.11)'."""
    return f"{figure(effect, signed=True)} (95% CI {figure(ci_low)} to {figure(ci_high)})"
