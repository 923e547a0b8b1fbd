"""The results file of an experiment: one observation per row, checked whole.

Columns: ``unit`` (optional: who or what was measured, so repeated measures can be paired),
``group`` (``treated`` or ``comparison``), ``period`` (a label such as ``2024-Q1``), ``post``
(1 when the experiment had begun, else 0) and ``value``. Every bad row is reported at once
with its row (as a spreadsheet numbers it: the header is row 1) and field, the way
:mod:`fund.sroi.impact_file` reports an impact map; nothing of a refused file is used.
Values are read exactly as decimals; the estimate converts them to floats at its edge.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal

from fund.errors import FileRefused, Problem

GROUPS = ("treated", "comparison")
REQUIRED = ("group", "period", "post", "value")
COLUMNS = ("unit", *REQUIRED)
MAX_TEXT = 200
NUMBER = re.compile(r"[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]{1,3})?", re.ASCII)


@dataclass(frozen=True)
class Observation:
    """One measured value: which row of the file it came from, and where it sits."""

    row: int
    unit: str | None
    group: str
    period: str
    post: bool
    value: Decimal


def read(text: str) -> tuple[Observation, ...]:
    """Every observation of a results file's text, or every problem in it (FileRefused)."""
    problems: list[Problem] = []
    header, body = table(text)
    problems += header_problems(header, REQUIRED, COLUMNS, "a results file")
    if problems:  # without the right columns no row can be read
        raise FileRefused(tuple(problems))
    found = []
    for n, cells in enumerate(body, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            problems.append(
                Problem(f"row {n}", f"has {len(cells)} cells, more than the {len(header)} columns")
            )
            continue
        row = {k: v.strip() for k, v in zip(header, cells, strict=False)}
        observation = _observation(n, row, "unit" in header, problems)
        if observation is not None:
            found.append(observation)
    problems += _period_problems(found)
    if not found and not problems:
        problems.append(Problem("file", "has no observations (one per row under a header row)"))
    if problems:
        raise FileRefused(tuple(problems))
    return tuple(found)


def table(text: str) -> tuple[list[str], list[list[str]]]:
    """A CSV file's header (trimmed, lower-cased) and rows; refused if it is not CSV. Shared
    with the other files measured as results (a zone's outcome series)."""
    try:
        header, *body = list(csv.reader(io.StringIO(text.lstrip("\ufeff")))) or [[]]
    except csv.Error as error:
        raise FileRefused((Problem("file", f"is not a CSV file: {error}"),)) from None
    return [column.strip().lower() for column in header], body


def header_problems(
    header: list[str], required: tuple[str, ...], columns: tuple[str, ...], noun: str
) -> list[Problem]:
    """Every column of ``required`` missing, and every column not of ``columns`` or given
    twice, of a file that is ``noun``."""
    problems = [
        Problem("columns", f"{column!r} is required (columns: {', '.join(columns)})")
        for column in required
        if column not in header
    ]
    for n, column in enumerate(header):
        if column not in columns:
            problems.append(Problem("columns", f"{column!r} is not a column of {noun}"))
        elif column in header[:n]:
            problems.append(Problem("columns", f"{column!r} is given twice"))
    return problems


def _observation(
    n: int, row: dict[str, str], has_units: bool, problems: list[Problem]
) -> Observation | None:
    """The row as an observation, or None with its problems added (every field checked)."""
    before = len(problems)
    unit = _text(n, row, "unit", problems) if has_units else None
    group = _text(n, row, "group", problems)
    if group is not None and group.lower() not in GROUPS:
        problems.append(Problem(f"row {n}/group", f"{group!r} is not treated or comparison"))
    period = _text(n, row, "period", problems)
    post = row.get("post", "")
    if post not in ("0", "1"):
        rule = "is required" if not post else f"{post!r} is not 0 or 1"
        problems.append(Problem(f"row {n}/post", f"{rule} (1: after the experiment began)"))
    value = _value(n, row.get("value", ""), problems)
    if len(problems) > before:
        return None
    return Observation(
        row=n, unit=unit, group=group.lower(), period=period, post=post == "1", value=value
    )


def _text(n: int, row: dict[str, str], name: str, problems: list[Problem]) -> str | None:
    text = row.get(name, "")
    if not text:
        problems.append(Problem(f"row {n}/{name}", "is required"))
        return None
    if len(text) > MAX_TEXT:
        problems.append(Problem(f"row {n}/{name}", f"must be at most {MAX_TEXT} characters"))
        return None
    return text


def _value(n: int, text: str, problems: list[Problem]) -> Decimal | None:
    if not text:
        problems.append(Problem(f"row {n}/value", "is required"))
        return None
    if not NUMBER.fullmatch(text):
        problems.append(Problem(f"row {n}/value", f"{text!r} is not a number"))
        return None
    return Decimal(text)


def _period_problems(found: list[Observation]) -> list[Problem]:
    """A period is either before or after the start: a row saying otherwise is wrong."""
    first: dict[str, Observation] = {}
    problems = []
    for observation in found:
        seen = first.setdefault(observation.period, observation)
        if seen.post != observation.post:
            problems.append(
                Problem(
                    f"row {observation.row}/post",
                    f"period {observation.period!r} is post {int(seen.post)} in row {seen.row}",
                )
            )
    return problems
