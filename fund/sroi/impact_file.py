"""The impact map file (DESIGN.md §4): read, checked whole, and written back.

One format serves `fund sroi compute FILE`, imports and exports: JSON, or a CSV with one
outcome per row under the same names. A file is checked whole before anything uses it and
every problem is reported at once with its place, the way the 360Giving data checker reports
them (``outcomes/3/deadweight: 1.2 is not a fraction between 0 and 1``); JSON places count
from 0 like a JSON pointer, CSV rows as a spreadsheet numbers them (the header is row 1).
Numbers are read exactly (JSON with ``parse_float=Decimal``), so 0.1 stays 0.1.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Protocol

from fund.errors import FileRefused, Problem, ValidationError
from fund.money import MAX_AMOUNT
from fund.sroi import deflator
from fund.sroi.discount import FLAT
from fund.sroi.model import (
    ASSUMPTIONS,
    DEDUCTIONS,
    DISTRIBUTIONS,
    Discount,
    ImpactMap,
    Input,
    Outcome,
    Range,
    ranges_json,
)

TEXTS = ("stakeholder", "outcome", "indicator")
OUTCOME_FIELDS = (
    *TEXTS,
    "quantity",
    "proxy",
    "proxy_code",
    "proxy_source",
    "duration_years",
    "start_year",
    *DEDUCTIONS,
    "justifications",
    "ranges",
)
MAX_DURATION = 100
MAX_QUANTITY = Decimal(1_000_000_000)
MAX_TEXT = 500
_NUMBER = re.compile(r"[-+]?[0-9]+(\.[0-9]+)?", re.ASCII)
_DIGITS = 18  # no figure of an impact map has more digits before its point than money does


class LibraryProxy(Protocol):
    """A proxy of the library as an impact map uses it: its value in the map's price year."""

    restated: Decimal
    price_year: str


# Resolves library codes in a price year (None: the default); unknown codes are left out.
Library = Callable[[Sequence[str], str | None], Mapping[str, LibraryProxy]]


@dataclass(frozen=True, kw_only=True)
class Context:
    """What a file is checked against: the schedules known, the library, whether it must
    carry its own inputs (a file computed alone) or takes them from the ledger (an import)."""

    schedules: Collection[str]
    library: Library | None = None
    inputs_required: bool = True


def read(text: str, suffix: str, context: Context) -> ImpactMap:
    """An impact map from a file's text; ``suffix`` (".json" or ".csv") says which form."""
    if suffix.lower() == ".csv":
        return from_csv(text, context)
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise FileRefused((Problem("file", f"is not JSON: {error}"),)) from None
    except (ValueError, RecursionError):  # a number of thousands of digits, nesting too deep
        raise FileRefused(
            (Problem("file", "is not an impact map: too deep or too long"),)
        ) from None
    return from_json(data, context)


def decode(data: bytes) -> str:
    """A file's text: UTF-8, with or without the byte-order mark Excel writes."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        rule = "must be text in UTF-8 (in Excel, save as CSV UTF-8)"
        raise FileRefused((Problem("file", rule),)) from None


def from_json(data: object, context: Context) -> ImpactMap:
    """An impact map from parsed JSON (a dict), or every problem in it."""
    checker = _Checker()
    if not isinstance(data, dict):
        checker.problem("file", "must be a JSON object with inputs, discount and outcomes")
        checker.raise_if_any()
    checker.unknown(data, ("inputs", "discount", "outcomes", "price_year"), "")
    price_year = _price_year(checker, checker.optional_text(data, "price_year", ""))
    inputs = _inputs(checker, data.get("inputs"), context.inputs_required)
    discount = _discount(checker, data.get("discount"), context.schedules)
    rows = data.get("outcomes")
    if not isinstance(rows, list) or not rows:
        checker.problem("outcomes", "must be a list of at least one outcome")
        rows = []
    outcomes = [_outcome(checker, row, f"outcomes/{i}") for i, row in enumerate(rows)]
    outcomes = _library_values(checker, outcomes, context.library, price_year, "outcomes/{}")
    checker.raise_if_any()
    return ImpactMap(
        inputs=tuple(inputs), discount=discount, outcomes=tuple(outcomes), price_year=price_year
    )


def from_csv(
    text: str,
    context: Context,
    *,
    inputs: Sequence[Input] = (),
    discount: Discount | None = None,
    price_year: str | None = None,
) -> ImpactMap:
    """An impact map from a CSV of outcomes; its inputs and discount come from elsewhere (the
    ledger on import, options when computed alone)."""
    checker = _Checker()
    price_year = _price_year(checker, price_year)
    rows = _csv_rows(checker, text)
    if not rows:
        checker.problem("file", "has no outcomes (one outcome per row under a header row)")
    outcomes = [_outcome(checker, _nested(row), f"row {n}") for n, row in rows]
    if context.inputs_required and not inputs:
        checker.problem("inputs", "are required: give at least one input with its amount")
    outcomes = _library_values(checker, outcomes, context.library, price_year, "row {}", 2)
    checker.raise_if_any()
    return ImpactMap(
        inputs=tuple(inputs),
        discount=discount or Discount(schedule="green-book-standard"),
        outcomes=tuple(outcomes),
        price_year=price_year,
    )


def discount(data: object, context: Context) -> Discount:
    """A discount setting alone (``{"schedule", "first_year_discounted"}``), checked."""
    checker = _Checker()
    found = _discount(checker, data, context.schedules)
    checker.raise_if_any()
    return found


def _price_year(checker: _Checker, given: str | None) -> str | None:
    """A price year as the deflator names it ("2013/14"), or None for the default."""
    if given is None:
        return None
    try:
        return deflator.price_year(given, "price_year")
    except ValidationError as error:
        checker.problem("price_year", error.rule)
        return None


def _csv_rows(checker: _Checker, text: str) -> list[tuple[int, dict[str, str]]]:
    """The rows under the header, numbered as a spreadsheet numbers them, each a dict by
    column; unknown or repeated columns and rows with more cells than columns are problems,
    never silently dropped or overwritten. Blank lines are skipped."""
    try:
        header, *body = list(csv.reader(io.StringIO(text.lstrip("\ufeff")))) or [[]]
    except csv.Error as error:
        raise FileRefused((Problem("file", f"is not a CSV file: {error}"),)) from None
    known = set(_csv_columns())
    for n, column in enumerate(header):
        if column not in known:
            checker.problem("columns", f"{column!r} is not a column of an impact map")
        elif column in header[:n]:
            checker.problem("columns", f"{column!r} is given twice")
    rows = []
    for n, cells in enumerate(body, 2):
        if len(cells) > len(header):
            checker.problem(
                f"row {n}", f"has {len(cells)} cells, more than the {len(header)} columns"
            )
        if any(cell.strip() for cell in cells):
            rows.append((n, dict(zip(header, cells, strict=False))))
    return rows


def as_json(impact_map: ImpactMap) -> dict[str, object]:
    """The map in the file format, money and fractions as decimal strings."""
    discount = impact_map.discount
    schedule: object = (
        {"rate": str(discount.rate)} if discount.schedule == FLAT else discount.schedule
    )
    document: dict[str, object] = {}
    if impact_map.price_year:
        document["price_year"] = impact_map.price_year
    document["inputs"] = [
        {"description": i.description, "amount": str(i.amount)}
        | ({"source": i.source} if i.source else {})
        for i in impact_map.inputs
    ]
    document["discount"] = {
        "schedule": schedule,
        "first_year_discounted": discount.first_year_discounted,
    }
    document["outcomes"] = [_outcome_json(o) for o in impact_map.outcomes]
    return document


def _outcome_json(outcome: Outcome) -> dict[str, object]:
    row: dict[str, object] = {name: getattr(outcome, name) for name in TEXTS}
    row["quantity"] = str(outcome.quantity)
    row["proxy"] = str(outcome.proxy)
    if outcome.proxy_code:
        row["proxy_code"] = outcome.proxy_code
    if outcome.proxy_source:
        row["proxy_source"] = outcome.proxy_source
    row["duration_years"] = outcome.duration_years
    row["start_year"] = outcome.start_year
    row |= {d: str(outcome.value(d)) for d in DEDUCTIONS}
    if outcome.justifications:
        row["justifications"] = dict(outcome.justifications)
    if outcome.ranges:
        row["ranges"] = ranges_json(outcome.ranges)
    return row


def _csv_columns() -> list[str]:
    nested = [f"{d}_justification" for d in DEDUCTIONS]
    nested += [f"{a}_{end}" for a in ASSUMPTIONS for end in ("low", "high", "distribution")]
    return [f for f in OUTCOME_FIELDS if f not in ("justifications", "ranges")] + nested


def _nested(row: dict[str, str | None]) -> dict[str, object]:
    """A CSV row in the JSON shape: justification and range columns gathered, blanks absent."""
    flat = {k: v.strip() for k, v in row.items() if k and v is not None and v.strip()}
    justified = {
        d: flat.pop(f"{d}_justification") for d in DEDUCTIONS if f"{d}_justification" in flat
    }
    ranges: dict[str, dict[str, str]] = {}
    for assumption in ASSUMPTIONS:
        for end in ("low", "high", "distribution"):
            if f"{assumption}_{end}" in flat:
                ranges.setdefault(assumption, {})[end] = flat.pop(f"{assumption}_{end}")
    return (
        flat
        | ({"justifications": justified} if justified else {})
        | ({"ranges": ranges} if ranges else {})
    )


def _inputs(checker: _Checker, rows: object, required: bool) -> list[Input]:
    if rows is None and not required:
        return []
    if not isinstance(rows, list) or (required and not rows):
        checker.problem("inputs", "must be a list of at least one input (description, amount)")
        return []
    found = []
    for i, row in enumerate(rows):
        place = f"inputs/{i}"
        if not isinstance(row, dict):
            checker.problem(place, "must be an object with description and amount")
            continue
        checker.unknown(row, ("description", "amount", "source"), place)
        description = checker.text(row, "description", place)
        amount = checker.money(row, "amount", place, negative=False)
        source = checker.optional_text(row, "source", place)
        if description is not None and amount is not None:
            found.append(Input(description=description, amount=amount, source=source or ""))
    return found


def _discount(checker: _Checker, data: object, schedules: Collection[str]) -> Discount:
    default = Discount(schedule="green-book-standard")
    if data is None:
        return default
    if not isinstance(data, dict):
        checker.problem("discount", "must be an object with schedule and first_year_discounted")
        return default
    checker.unknown(data, ("schedule", "first_year_discounted"), "discount")
    first = data.get("first_year_discounted", True)
    if not isinstance(first, bool):
        checker.problem("discount/first_year_discounted", f"must be true or false, not {first!r}")
        first = True
    schedule = data.get("schedule", "green-book-standard")
    if isinstance(schedule, dict):
        checker.unknown(schedule, ("rate",), "discount/schedule")
        rate = checker.fraction(schedule, "rate", "discount/schedule", below_one=True)
        return Discount(schedule=FLAT, rate=rate, first_year_discounted=first)
    if not isinstance(schedule, str):
        checker.problem(
            "discount/schedule", f'must be a schedule\'s name or {{"rate": …}}, not {schedule!r}'
        )
        return Discount(schedule="green-book-standard", first_year_discounted=first)
    if schedule not in schedules:
        known = ", ".join(sorted(schedules))
        checker.problem(
            "discount/schedule",
            f'unknown schedule {schedule!r}; known: {known}, or {{"rate": 0.035}}',
        )
    return Discount(schedule=str(schedule), first_year_discounted=first)


def _outcome(checker: _Checker, row: object, place: str) -> Outcome | None:
    if not isinstance(row, dict):
        checker.problem(place, "must be an object with the fields of an outcome")
        return None
    checker.unknown(row, OUTCOME_FIELDS, place)
    values: dict[str, object] = {name: checker.text(row, name, place) for name in TEXTS}
    values["quantity"] = checker.quantity(row, "quantity", place)
    code = checker.optional_text(row, "proxy_code", place)
    values["proxy_code"] = code
    values["proxy_source"] = checker.optional_text(row, "proxy_source", place)
    has_proxy = row.get("proxy") not in (None, "")
    values["proxy"] = checker.money(row, "proxy", place) if has_proxy or not code else None
    values["duration_years"] = checker.whole(row, "duration_years", place, 1, MAX_DURATION)
    values["start_year"] = checker.whole(row, "start_year", place, 1, 2)
    for deduction in DEDUCTIONS:
        values[deduction] = checker.fraction(row, deduction, place)
    values["justifications"] = _justifications(checker, row.get("justifications"), place)
    if checker.failed_at(place):
        return None
    ranges = _ranges(checker, row.get("ranges"), values, place)
    return Outcome(**values, ranges=ranges)  # type: ignore[arg-type]


def _justifications(checker: _Checker, data: object, place: str) -> Mapping[str, str]:
    if data is None:
        return MappingProxyType({})
    here = f"{place}/justifications"
    if not isinstance(data, dict):
        checker.problem(here, "must be an object giving a line for any of " + ", ".join(DEDUCTIONS))
        return MappingProxyType({})
    checker.unknown(data, DEDUCTIONS, here)
    lines = {
        name: checker.text(data, name, here, max_length=300) for name in data if name in DEDUCTIONS
    }
    for name, line in lines.items():
        if line is not None and "\n" in line:
            checker.problem(f"{here}/{name}", "must be one line")
    return MappingProxyType({k: v for k, v in lines.items() if v})


def _ranges(
    checker: _Checker, data: object, values: dict[str, object], place: str
) -> Mapping[str, Range]:
    if data is None:
        return MappingProxyType({})
    here = f"{place}/ranges"
    if not isinstance(data, dict):
        checker.problem(
            here, "must be an object of ranges by assumption: " + ", ".join(ASSUMPTIONS)
        )
        return MappingProxyType({})
    checker.unknown(data, ASSUMPTIONS, here)
    found = {}
    for name, spec in data.items():
        if name not in ASSUMPTIONS:
            continue
        checked = _range(checker, spec, values.get(name), name, f"{here}/{name}")
        if checked is not None:
            found[name] = checked
    return MappingProxyType(found)


def _range(checker: _Checker, spec: object, point: object, name: str, place: str) -> Range | None:
    if not isinstance(spec, dict):
        checker.problem(place, "must be an object with low, high and distribution")
        return None
    checker.unknown(spec, ("low", "high", "distribution"), place)
    if name in DEDUCTIONS:
        low, high = (checker.fraction(spec, end, place) for end in ("low", "high"))
    elif name == "quantity":
        low, high = (checker.quantity(spec, end, place) for end in ("low", "high"))
    else:
        low, high = (checker.money(spec, end, place) for end in ("low", "high"))
    distribution = spec.get("distribution", "triangular")
    if distribution not in DISTRIBUTIONS:
        known = ", ".join(DISTRIBUTIONS)
        checker.problem(f"{place}/distribution", f"must be one of {known}, not {distribution!r}")
        return None
    if low is None or high is None:
        return None
    if point is not None and not low <= point <= high:  # type: ignore[operator]
        checker.problem(place, f"must hold the value {point}: low {low} ≤ value ≤ high {high}")
        return None
    return Range(low=low, high=high, distribution=distribution)


def _library_values(
    checker: _Checker,
    outcomes: list[Outcome | None],
    library: Library | None,
    price_year: str | None,
    place: str,
    first: int = 0,
) -> list[Outcome | None]:
    """Outcomes whose proxy names a library code get the library's value in the map's price
    year; a typed value that disagrees with it is a problem, never silently replaced."""
    coded = sorted({o.proxy_code for o in outcomes if o is not None and o.proxy_code})
    found: Mapping[str, LibraryProxy] = {}
    if coded and library:
        try:
            found = library(coded, price_year)
        except ValidationError as error:  # a price year the deflator does not cover
            checker.problem("price_year", error.rule)
            return [None]
    resolved = []
    for n, outcome in enumerate(outcomes, first):
        code = outcome.proxy_code if outcome is not None else None
        if not code:
            resolved.append(outcome)
            continue
        here = place.format(n) + "/proxy"
        if code not in found:
            checker.problem(place.format(n) + "/proxy_code", f"no proxy {code!r} in the library")
            continue
        value = found[code].restated
        if outcome.proxy is not None and outcome.proxy != value:
            checker.problem(
                here,
                f"{outcome.proxy} is not library proxy {code}'s {value} in "
                f"{found[code].price_year} prices; leave it out to use the library's",
            )
            continue
        resolved.append(replace(outcome, proxy=value))
    return resolved


def _at(place: str, name: str) -> str:
    """Where a field is: "outcomes/3/deadweight", or just "price_year" at the top."""
    return f"{place}/{name}" if place else name


class _Checker:
    """Gathers every problem of a file with its place; values come back None when refused."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def problem(self, place: str, rule: str) -> None:
        self.problems.append(Problem(place, rule))

    def failed_at(self, place: str) -> bool:
        return any(p.place == place or p.place.startswith(place + "/") for p in self.problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise FileRefused(tuple(self.problems))

    def unknown(self, data: dict, known: Sequence[str], place: str) -> None:
        for name in data:
            if name not in known:
                self.problem(_at(place, name), f"is not a field here (known: {', '.join(known)})")

    def text(self, data: dict, name: str, place: str, *, max_length: int = MAX_TEXT) -> str | None:
        value = data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            self.problem(_at(place, name), "is required")
            return None
        if not isinstance(value, str):
            self.problem(_at(place, name), f"must be text, not {value!r}")
            return None
        if len(value.strip()) > max_length:
            self.problem(_at(place, name), f"must be at most {max_length} characters")
            return None
        return value.strip()

    def optional_text(self, data: dict, name: str, place: str) -> str | None:
        if data.get(name) in (None, ""):
            return None
        return self.text(data, name, place)

    def _number(self, data: dict, name: str, place: str) -> Decimal | None:
        value = data.get(name)
        here = _at(place, name)
        if value is None or value == "":
            self.problem(here, "is required")
            return None
        if isinstance(value, bool):
            self.problem(here, f"must be a number, not {value!r}")
            return None
        if isinstance(value, float):  # a dict built in Python: read as it would be written
            value = repr(value)
        if isinstance(value, str):
            if not _NUMBER.fullmatch(value.strip()):
                self.problem(here, f"{value!r} is not a number")
                return None
            value = value.strip()
        try:
            number = Decimal(value)
        except (InvalidOperation, TypeError, ValueError):
            self.problem(here, f"{value!r} is not a number")
            return None
        if not number.is_finite() or number.adjusted() >= _DIGITS:
            self.problem(here, f"{value} is too large a number")
            return None
        return number

    def money(self, data: dict, name: str, place: str, *, negative: bool = True) -> Decimal | None:
        amount = self._number(data, name, place)
        here = _at(place, name)
        if amount is None:
            return None
        if amount != amount.quantize(Decimal("0.01")):
            self.problem(here, f"{amount} has more than two decimals")
        elif abs(amount) > MAX_AMOUNT:
            self.problem(here, f"{amount} is more than the largest amount, {MAX_AMOUNT}")
        elif amount < 0 and not negative:
            self.problem(here, f"{amount} is negative")
        else:
            return amount.quantize(Decimal("0.01"))
        return None

    def fraction(
        self, data: dict, name: str, place: str, *, below_one: bool = False
    ) -> Decimal | None:
        value = self._number(data, name, place)
        if value is None:
            return None
        top = "below 1" if below_one else "1"
        if not (0 <= value <= 1) or (below_one and value == 1):
            self.problem(_at(place, name), f"{value} is not a fraction between 0 and {top}")
            return None
        if value != value.quantize(Decimal("0.000001")):
            self.problem(_at(place, name), f"{value} has more than six decimals")
            return None
        return value

    def quantity(self, data: dict, name: str, place: str) -> Decimal | None:
        value = self._number(data, name, place)
        if value is None:
            return None
        if value < 0:
            self.problem(_at(place, name), f"{value} is negative; a quantity counts what changed")
        elif value > MAX_QUANTITY:
            self.problem(_at(place, name), f"{value} is more than {MAX_QUANTITY:,}")
        elif value != value.quantize(Decimal("0.0001")):
            self.problem(_at(place, name), f"{value} has more than four decimals")
        else:
            return value
        return None

    def whole(self, data: dict, name: str, place: str, low: int, high: int) -> int | None:
        value = self._number(data, name, place)
        if value is None:
            return None
        if value != value.to_integral_value() or not low <= value <= high:
            rule = "1 or 2" if (low, high) == (1, 2) else f"a whole number from {low} to {high}"
            self.problem(_at(place, name), f"{value} is not {rule}")
            return None
        return int(value)
