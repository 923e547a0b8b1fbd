"""Investment returns: the rate of return on cash flows and the money multiples.

Shared by the social investors of a payment-by-results bond and by social venture
investments. The rate is pyxirr's, a maintained library, never a solver of our own; what is
ours is saying why there is no rate when there is none. A rate needs at least two flows and a
change of sign between paying in and getting back. Flows whose signs change more than once
can have several rates that each make the net present value zero, and a library silently
returns whichever one its iteration happens to reach: so the net present value is scanned on
a dense grid of rates first, every root found is reported, and only a single root is
returned as the rate. Pure calculations: floats at the edge of the analytics, money in,
nothing written.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np
import pyxirr
from scipy.optimize import brentq

DAYS_IN_YEAR = 365  # actual/365 from the first date, as Excel's XIRR and XNPV
FEWER_THAN_TWO = "fewer than two cash flows"
NO_SIGN_CHANGE = "no sign change"
NO_ROOT = "no rate makes the net present value zero"
MORE_THAN_ONE = "more than one rate makes the net present value zero"
# The rates scanned for roots: above -99% and up to 1,000%, evenly spaced in log(1 + r), so
# the grid is finest where rates are ordinary and still reaches the extremes. Two roots
# closer than one step (about 0.2 percentage points near 10%) can show as one; a rate beyond
# the range is still found where pyxirr finds it.
LOWEST, HIGHEST = -0.99, 10.0
GRID = np.linspace(math.log1p(LOWEST), math.log1p(HIGHEST), 4001)[1:]
NPV_TOLERANCE = 1e-6  # of the flows' total size, for a rate to count as a root
SAME_ROOT = 1e-6


@dataclass(frozen=True)
class Rate:
    """A rate of return, or why there is none (``reason``); ``roots`` holds every rate found
    to make the net present value zero (the rate itself when there is one)."""

    rate: float | None
    reason: str = ""
    roots: tuple[float, ...] = ()


def xirr(dates: Sequence[object], amounts: Sequence[object]) -> Rate:
    """The annual rate of dated flows (payments in negative, money back positive), as
    Excel's XIRR: years are actual days from the first date over 365."""
    days = _dates(dates)
    flows = _flows(amounts, len(days))
    years = _years(days)
    return _rate(years, flows, lambda: pyxirr.xirr(days, flows, silent=True))


def xirr_each(groups: np.ndarray, days: np.ndarray, amounts: np.ndarray) -> list[Rate]:
    """:func:`xirr` of many series at once, given as rows (the series each row belongs to,
    numbered 0, 1, …; its day; its amount): one :class:`Rate` per series, in their order.

    Thousands of investments each need a root of their own, so the checks run on all rows at
    once: the common series, which pays in and then gets back (one change of sign), takes
    pyxirr's rate once it is shown to zero the net present value, exactly as :func:`xirr`
    would; every other series goes through :func:`xirr` itself."""
    order = np.lexsort((days, groups))
    groups, days = groups[order], days.astype("datetime64[D]")[order]
    flows = np.asarray(amounts, dtype=float)[order]
    count = int(groups.max()) + 1 if len(groups) else 0
    starts = np.searchsorted(groups, np.arange(count))
    ends = np.searchsorted(groups, np.arange(count), side="right")
    years = (days - days[starts][groups]).astype(float) / DAYS_IN_YEAR
    found = np.full(count, np.nan)
    for n in np.flatnonzero(_one_change_each(groups, flows, count)):
        rate = pyxirr.xirr(days[starts[n] : ends[n]], flows[starts[n] : ends[n]], silent=True)
        found[n] = np.nan if rate is None else rate
    rooted = _roots_each(found, groups, years, flows, count)
    return [
        Rate(float(found[n]), "", (float(found[n]),))
        if rooted[n]
        else xirr(days[starts[n] : ends[n]].astype(object), flows[starts[n] : ends[n]])
        for n in range(count)
    ]


def _one_change_each(groups: np.ndarray, flows: np.ndarray, count: int) -> np.ndarray:
    """Which series (rows in time order) change sign exactly once (:func:`_one_sign_change`)."""
    kept = flows != 0
    signs, owners = np.sign(flows[kept]), groups[kept]
    changed = (signs[1:] != signs[:-1]) & (owners[1:] == owners[:-1])
    return np.bincount(owners[1:][changed], minlength=count) == 1


def _roots_each(
    rates: np.ndarray, groups: np.ndarray, years: np.ndarray, flows: np.ndarray, count: int
) -> np.ndarray:
    """Which series' ``rates`` make their net present value zero (:func:`_is_root`, for all
    rows at once; each series' discount factors scaled so that none overflows)."""
    usable = np.isfinite(rates) & (rates > -1)
    x = np.log1p(np.where(usable, rates, 0.0))
    longest = np.zeros(count)
    np.maximum.at(longest, groups, years)
    factors = np.exp((longest * np.minimum(x, 0))[groups] - x[groups] * years)
    npv = np.bincount(groups, factors * flows, minlength=count)
    size = np.bincount(groups, factors * np.abs(flows), minlength=count)
    return usable & (np.abs(npv) <= NPV_TOLERANCE * size)


def irr(amounts: Sequence[object]) -> Rate:
    """The rate per period of equally spaced flows, the first at period 0."""
    flows = _flows(amounts, None)
    periods = np.arange(len(flows), dtype=float)
    return _rate(periods, flows, lambda: pyxirr.irr(flows, silent=True))


def multiple(paid_in: Decimal, returned: Decimal) -> Decimal | None:
    """The money multiple, returned over paid in, exactly; None when nothing was paid in."""
    if paid_in <= 0:
        return None
    return Decimal(returned) / Decimal(paid_in)


def multiples(
    paid_in: Decimal, distributions: Decimal, residual: Decimal
) -> dict[str, float | None]:
    """A fund's multiples of paid-in capital: distributed (DPI), residual value (RVPI) and
    their total (TVPI), as floats for showing; each None when nothing was paid in."""
    if paid_in <= 0:
        return {"DPI": None, "RVPI": None, "TVPI": None}
    paid = Decimal(paid_in)
    return {
        "DPI": float(Decimal(distributions) / paid),
        "RVPI": float(Decimal(residual) / paid),
        "TVPI": float((Decimal(distributions) + Decimal(residual)) / paid),
    }


def _dates(dates: Sequence[object]) -> np.ndarray:
    """The days of ``dates`` (date objects or ISO text; a time of day is dropped)."""
    if all(type(value) is date for value in dates):  # the common case, converted at once
        return np.array(dates, dtype="datetime64[D]")
    return np.array([_day(value) for value in dates], dtype="datetime64[D]")


def _years(days: np.ndarray) -> np.ndarray:
    """Years from the first date: actual days over 365."""
    if len(days) == 0:
        return np.zeros(0)
    return (days - days[0]).astype(float) / DAYS_IN_YEAR


def _day(value: object) -> np.datetime64:
    if isinstance(value, date):  # a datetime (or pandas Timestamp) counts by its day
        return np.datetime64(date(value.year, value.month, value.day), "D")
    return np.datetime64(str(value), "D")


def _flows(amounts: Sequence[object], expected: int | None) -> np.ndarray:
    flows = np.array([float(amount) for amount in amounts], dtype=float)
    if expected is not None and len(flows) != expected:
        raise ValueError(f"{expected} dates but {len(flows)} amounts")
    if not np.isfinite(flows).all():
        raise ValueError("every cash flow must be a finite number")
    return flows


def _rate(years: np.ndarray, flows: np.ndarray, library: Callable[[], float | None]) -> Rate:
    """The one rate that makes the net present value zero, or why there is not one."""
    if len(flows) < 2:
        return Rate(None, FEWER_THAN_TWO)
    if not ((flows > 0).any() and (flows < 0).any()):
        return Rate(None, NO_SIGN_CHANGE)
    if _one_sign_change(years, flows):  # exactly one rate: no scan needed to be sure
        found = library()
        if found is not None and _is_root(found, years, flows):
            return Rate(float(found), "", (float(found),))
    roots = _scan(years, flows)
    found = library()
    beyond = found is not None and not any(_same(found, root) for root in roots)
    if beyond and _is_root(found, years, flows):  # outside the grid, or a double root
        roots = tuple(sorted((*roots, float(found))))
    if not roots:
        return Rate(None, NO_ROOT)
    if len(roots) > 1:
        return Rate(None, f"{MORE_THAN_ONE}: {_percentages(roots)}", roots)
    # One root: the library's value where it agrees with the bracketed root, else the root.
    rate = float(found) if found is not None and _same(found, roots[0]) else roots[0]
    return Rate(rate, "", (rate,))


def _one_sign_change(years: np.ndarray, flows: np.ndarray) -> bool:
    """Whether the flows, in time order, change sign once (paying in, then only getting
    back, or the reverse). Descartes' rule of signs, which holds for sums of powers with any
    real exponents, then allows at most one rate (netting flows at one time can only remove
    changes), so the library's rate, once checked to be a root, is the only one, as most
    investments' is."""
    signs = np.sign(flows[np.argsort(years, kind="stable")])
    signs = signs[signs != 0]
    return int(np.count_nonzero(signs[1:] != signs[:-1])) == 1


def _scan(years: np.ndarray, flows: np.ndarray) -> tuple[float, ...]:
    """Every rate of the grid's range where the net present value changes sign, each
    refined within its bracket by Brent's method."""
    values = _npv(GRID, years, flows)
    signs = np.sign(values)
    exact = GRID[signs == 0]
    brackets = np.flatnonzero(signs[:-1] * signs[1:] < 0)

    def npv_at(x: float) -> float:
        return float(_npv(np.array([x]), years, flows)[0])

    refined = [brentq(npv_at, GRID[i], GRID[i + 1], xtol=1e-14, rtol=1e-14) for i in brackets]
    return tuple(sorted(float(np.expm1(x)) for x in (*exact, *refined)))


def _npv(x: np.ndarray, years: np.ndarray, flows: np.ndarray) -> np.ndarray:
    """The net present value at each log(1 + r) of ``x``, times a positive factor (so with
    the sign and the roots of the true value)."""
    return _discount(x, years) @ flows


def _discount(x: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Discount factors (1 + r)^-t for each log(1 + r) of ``x`` (rows) and each flow's years
    (columns), each row scaled by a positive factor that keeps its largest at 1: nothing
    overflows however far below zero the rate or however long the flows last."""
    shift = years.max() * np.minimum(x, 0) + years.min() * np.maximum(x, 0)
    return np.exp(shift[:, None] - np.outer(x, years))


def _is_root(rate: float, years: np.ndarray, flows: np.ndarray) -> bool:
    """Whether ``rate`` makes the net present value zero, relative to the size of the
    discounted flows (so the factor :func:`_discount` scales by does not matter)."""
    if not (math.isfinite(rate) and rate > -1):
        return False
    factors = _discount(np.array([math.log1p(rate)]), years)[0]
    return abs(factors @ flows) <= NPV_TOLERANCE * (factors @ np.abs(flows))


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= SAME_ROOT * (1 + abs(b))


def _percentages(roots: tuple[float, ...]) -> str:
    """The roots as percentages, with the fewest decimals (at least one) that tell them apart."""
    for places in range(1, 7):
        shown = [f"{root:.{places}%}" for root in roots]
        if len(set(shown)) == len(shown):
            return ", ".join(shown)
    return ", ".join(f"{root:.6%}" for root in roots)
