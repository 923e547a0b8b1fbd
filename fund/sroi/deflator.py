"""The GDP deflator: restating a value from one price year to another, exactly.

A financial proxy costed in 2002/03 pounds is worth more 2002/03 pounds than 2024/25 ones,
so before proxies of different years are added up they are restated to the report's price
year: value × index(to) ÷ index(from), rounded half-up to the penny. The index is the ONS
series YBGB (GDP at market prices, implied deflator, 2022 = 100), as the ONS time-series
CSV lays it out. A calendar year ("2013") takes the annual value; a financial year
("2013/14") the mean of its four quarters (Q2, Q3 and Q4 of 2013 and Q1 of 2014), as HM
Treasury computes its own series. Pure: the series is read from text or rows, never here.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

from fund.errors import ValidationError
from fund.money import PENNY

SERIES = "YBGB"
METADATA_ROWS = 8  # Title, CDID, Source dataset ID, PreUnit, Unit, Release date, …, notes
PRECISION = 40  # digits kept while restating, far beyond the penny it is rounded to

_CALENDAR = re.compile(r"(\d{4})")
_FINANCIAL = re.compile(r"(\d{4})[/-](\d{2})")
_PERIOD = re.compile(r"(\d{4})( Q[1-4])?")


def price_year(text: object, field: str = "price year") -> str:
    """A price year as the fund writes it: '2013/14' for a financial year ('2013-14' is
    read as that too), '2013' for a calendar year; anything else is refused."""
    typed = str(text or "").strip()
    financial = _FINANCIAL.fullmatch(typed)
    if financial:
        first, second = int(financial.group(1)), int(financial.group(2))
        if (first + 1) % 100 != second:
            rule = f"{typed!r} is not a financial year: {first} is followed by {first + 1}"
            raise ValidationError(field, rule)
        return f"{first}/{second:02d}"
    if _CALENDAR.fullmatch(typed):
        return typed
    rule = (
        f"must be a financial year such as 2013/14 or a calendar year such as 2013, not {typed!r}"
    )
    raise ValidationError(field, rule)


def parse_ons_csv(text: str) -> dict[str, Decimal]:
    """The values of an ONS time-series CSV by period ('2013', '2013 Q2'), exactly as typed.

    Eight metadata rows come first; every row after them must be a period and a number.
    """
    rows = list(csv.reader(io.StringIO(text)))
    found: dict[str, Decimal] = {}
    problems = []
    for number, row in enumerate(rows[METADATA_ROWS:], start=METADATA_ROWS + 1):
        period, value = [*row, "", ""][:2]
        if not _PERIOD.fullmatch(period) or period in found:
            problems.append(f"row {number}: {period!r} is not a new year or quarter")
            continue
        try:
            found[period] = Decimal(value)
        except InvalidOperation:
            problems.append(f"row {number}: {value!r} is not a number")
    if problems or not found:
        raise ValidationError("GDP deflator", "; ".join(problems) or "holds no values")
    return found


@dataclass(frozen=True)
class Deflator:
    """One deflator series: its values by period ('2013' annual, '2013 Q2' quarterly)."""

    periods: Mapping[str, Decimal]
    series: str = SERIES

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, Decimal]], series: str = SERIES) -> Deflator:
        """The series from (period, value) rows, as the database keeps them."""
        return cls(periods=dict(rows), series=series)

    def index(self, year: str, field: str = "price year") -> Decimal:
        """The deflator of a price year: the annual value of a calendar year, the exact mean
        of the four quarters of a financial year."""
        normal = price_year(year, field)
        if "/" not in normal:
            quarters = [normal]
        else:
            first = int(normal[:4])
            quarters = [f"{first} Q2", f"{first} Q3", f"{first} Q4", f"{first + 1} Q1"]
        if not all(quarter in self.periods for quarter in quarters):
            raise ValidationError(field, f"{normal} is not covered: {self.covered()}")
        return sum((self.periods[quarter] for quarter in quarters), Decimal(0)) / len(quarters)

    def restate(
        self, value: Decimal, from_year: str, to_year: str, field: str = "price year"
    ) -> Decimal:
        """``value`` in ``from_year``'s prices restated to ``to_year``'s, half-up to the penny."""
        return self.factor(from_year, to_year, field).apply(value)

    def factor(self, from_year: str, to_year: str, field: str = "price year") -> Restatement:
        """What restating from one price year to another multiplies by, kept as its two
        indexes so that each value is divided only once (a rounded ratio would drift)."""
        return Restatement(
            to_index=self.index(to_year, field), from_index=self.index(from_year, field)
        )

    def latest_financial_year(self) -> str:
        """The newest financial year whose four quarters are all published: the price year
        an SROI report is stated in unless it says otherwise."""
        return self._financial_years()[-1]

    def covered(self) -> str:
        """The price years the series covers, in words, for a refusal."""
        years = sorted(int(period) for period in self.periods if " " not in period)
        financial = self._financial_years()
        spans = []
        if years:
            spans.append(f"calendar years {years[0]}–{years[-1]}")
        if financial:
            spans.append(f"financial years {financial[0]}–{financial[-1]}")
        return f"the GDP deflator ({self.series}) covers " + (" and ".join(spans) or "no years")

    def _financial_years(self) -> list[str]:
        firsts = sorted(int(p[:4]) for p in self.periods if p.endswith(" Q2"))
        return [
            f"{first}/{(first + 1) % 100:02d}"
            for first in firsts
            if {f"{first} Q3", f"{first} Q4", f"{first + 1} Q1"} <= self.periods.keys()
        ]


@dataclass(frozen=True, kw_only=True)
class Restatement:
    """Multiply by ``to_index`` ÷ ``from_index`` and round half-up to the penny."""

    to_index: Decimal
    from_index: Decimal

    def apply(self, value: Decimal) -> Decimal:
        with localcontext() as context:
            context.prec = PRECISION
            exact = value * self.to_index / self.from_index
        return exact.quantize(PENNY, rounding=ROUND_HALF_UP)
