"""Reading a 360Giving file, in any of the standard's three forms, into checked grants.

A file is read whole and judged whole: :func:`read` either returns every grant (with the
published quirks repaired and each kind of repair counted) or raises
:class:`~fund.errors.FileRefused` naming every problem at once, in file order, the way the
360Giving data checker names them (row and column title for a spreadsheet, JSON path for
JSON). Nothing here writes anywhere.

Flat files (CSV, XLSX) are read as flattentool reads them (titles mapped by
:func:`fund.grants.standard.title_path`, cells converted by the field's JSON type) but
without flattentool, which is too slow for 100,000 rows. They are validated exactly but
fast: a grant's schema errors are either about one leaf's value (checked once per distinct
value of a column against that leaf's sub-schema) or about which fields are present
(checked once per distinct presence pattern on one grant of the pattern);
:func:`grant_by_grant_problems` is the plain grant-by-grant check the fast one is held equal
to by the tests.

Quirks repaired (only on fields that do not decide money; amounts are never touched), each
counted in :attr:`Reading.repairs`: UK dates, spreadsheet date cells, date-times without an
offset, durations in words, Y/N for "from an open call"; a duration that is not a number
and a web address that is not a URI are moved out of the standard field to an extra key
named by its title (never dropped); a blank description takes the grant's title and a
blank recipient organisation identifier is made from the grant's identifier (the Lloyds
Bank Foundation file needs both). A misspelled standard title is named as a likely typo,
in the refusal when the file is refused.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import gc
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import NamedTuple

import duckdb
from python_calamine import CalamineError, CalamineWorkbook

from fund.errors import FileRefused, Problem
from fund.grants import standard
from fund.grants.standard import Field

FORMS = (".csv", ".xlsx", ".json")
Progress = Callable[[float, str], None]
# A caller's own rules for each grant, on top of the schema's (a sterling fund takes GBP
# only): the (JSON path, rule) of each it breaks; reported with the schema's problems.
Extra = Callable[[object], list[tuple[tuple, str]]]


@dataclass(frozen=True)
class Reading:
    """A file read whole: its grants (quirks repaired, file order) and what the report says."""

    grants: list[dict]
    places: list[str]
    extra_fields: list[str]
    typos: list[tuple[str, str]]
    repairs: list[str]


def read(path: Path, progress: Progress | None = None, extra: Extra | None = None) -> Reading:
    """Every grant of a 360Giving file, or :class:`FileRefused` with every problem in it (the
    schema's, and those ``extra`` finds in each grant)."""
    also = extra or (lambda grant: [])
    report = progress or (lambda fraction, words: None)
    suffix = path.suffix.lower()
    if suffix not in FORMS:
        raise _refused(f"'{path.name}' is not a 360Giving file: the forms are CSV, XLSX and JSON")
    if not path.is_file():
        raise _refused(f"'{path.name}' cannot be read: there is no such file")
    if path.stat().st_size == 0:
        raise _refused(f"'{path.name}' is empty")
    report(0.05, "reading the file")
    if suffix == ".json":
        return _read_json(path, report, also)
    return _read_flat(path, report, also)


def _refused(rule: str) -> FileRefused:
    return FileRefused((Problem("file", rule),))


def _no_grants(path: Path) -> FileRefused:
    return _refused(f"'{path.name}' holds no grants")


# ---------------------------------------------------------------- repairs

ABSENT = object()  # a value a repair removed from the grant (or a blank cell)

UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
ISO_DATE = re.compile(r"^[0-9]{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])$")
DATE_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
NAIVE_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$")
MONTHS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*months?\s*$", re.IGNORECASE)
OPEN_CALL = {"Y": "Yes", "YES": "Yes", "N": "No", "NO": "No"}


class Fix(NamedTuple):
    """A value as it goes into the grant; ``note`` says what was repaired ("" if nothing),
    ``kept`` is a removed value to keep under an extra key (else ``ABSENT``)."""

    value: object
    note: str = ""
    kept: object = ABSENT


def repair(field: Field | None, value: object, cell: object = None) -> Fix:
    """The repaired value of one leaf; ``cell`` is the spreadsheet cell it came from, if any."""
    if field is None or value is ABSENT:
        return Fix(value)
    if field.dates:
        return _date(field, value, cell)
    if field.path[-1] == "duration":
        return _duration(value)
    if field.path == ("fromOpenCall",) and isinstance(value, str):
        answer = OPEN_CALL.get(value.strip().upper(), value)
        return Fix(answer, "'Y'/'N' read as 'Yes'/'No'" if answer != value else "")
    if field.schema.get("format") == "uri" and isinstance(value, str) and not _is_uri(value):
        return Fix(ABSENT, f"web addresses that are not URIs {MOVED}", value)
    return Fix(value)


MOVED = "moved out of the standard field, kept under this title as an extra field"


def _is_uri(value: str) -> bool:
    return standard.validator().format_checker.conforms(value, "uri")


def _date(field: Field, value: object, cell: object) -> Fix:
    if isinstance(cell, dt.date) and field.dates == "date":
        day = cell.date() if isinstance(cell, dt.datetime) else cell
        return Fix(day.isoformat(), "spreadsheet date cells read as YYYY-MM-DD")
    if not isinstance(value, str):
        return Fix(value)
    if NAIVE_DATE_TIME.match(value):
        return Fix(value + "+00:00", "date-times without an offset read as UTC (+00:00)")
    moment = uk_date(value)
    if moment is None:
        return Fix(value)
    if field.dates == "date":
        return Fix(moment.date().isoformat(), "UK-style dates (DD/MM/YYYY) read as YYYY-MM-DD")
    note = "UK-style dates (DD/MM/YYYY HH:MM) read as RFC 3339 date-times in UTC"
    return Fix(moment.replace(tzinfo=dt.UTC).isoformat(), note)


def uk_date(value: str) -> dt.datetime | None:
    """A real date written DD/MM/YYYY[ HH:MM[:SS]], or None (not that shape, or not real)."""
    found = UK_DATE.match(value.strip())
    if not found:
        return None
    day, month, year, hour, minute, second = (int(part or 0) for part in found.groups())
    try:
        return dt.datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None


def _duration(value: object) -> Fix:
    if not isinstance(value, str):
        return Fix(value)
    months = MONTHS.match(value)
    if months:
        return Fix(Decimal(months.group(1)), "durations in words ('12 months') read as numbers")
    return Fix(ABSENT, f"durations that are not a number {MOVED}", value)


@dataclass(frozen=True)
class Fill:
    """A required field some published grants leave blank, filled from another field of the
    same grant (only when the grant has ``within``), and reported."""

    path: tuple
    source: tuple
    within: tuple
    suffix: str
    note: str

    def value(self, source: object) -> object:
        return f"{source}{self.suffix}" if self.suffix else source


FILLS = (
    Fill(("description",), ("title",), (), "", "missing, the grant's title used in its place"),
    Fill(
        ("recipientOrganization", 0, "id"),
        ("id",),
        ("recipientOrganization", 0, "name"),  # only for a recipient named in the row
        ":recipient",
        "missing, made from the grant's identifier (its identifier + ':recipient')",
    ),
)


@dataclass(frozen=True)
class Filled:
    """A blank cell a :class:`Fill` gave a value (hashable, so it converts like a cell)."""

    value: object


def unreal_date(field: Field, value: object) -> str:
    """The rule a YYYY-MM-DD date breaks when the schema's pattern lets it through but the
    calendar does not (2020-02-31); "" for any other value."""
    if not (field.dates and isinstance(value, str) and ISO_DATE.match(value)):
        return ""
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return f"{value!r} is not a real date"
    return ""


def looks_like_date(value: object) -> bool:
    """Shaped like a date (DD/MM/YYYY or YYYY-MM-DD), so refusing it means it is not real."""
    return isinstance(value, str) and bool(UK_DATE.match(value.strip()) or DATE_SHAPE.match(value))


# ---------------------------------------------------------------- checking against the schema

Rules = list[tuple[tuple, str]]  # (JSON path within the grant, rule broken)


def grant_problems(grant: object) -> Rules:
    """Every rule one grant breaks: the schema's, and real dates for YYYY-MM-DD values."""
    found = _rules(standard.validator().iter_errors(grant))
    return found + [
        (path, rule) for path, leaf, value in _leaves(grant) if (rule := unreal_date(leaf, value))
    ]


def value_problems(leaf: Field, path: tuple, value: object) -> Rules:
    """Every rule one leaf's value breaks, checked alone against the leaf's sub-schema (a
    value of the one type a plain sub-schema asks for breaks none of its rules)."""
    plain = standard.plain_type(leaf.path)
    if plain and isinstance(value, plain) and not isinstance(value, bool):
        found: Rules = []
    else:
        found = _rules(standard.leaf_validator(leaf.path).iter_errors(value), path)
    rule = unreal_date(leaf, value)
    return [*found, (path, rule)] if rule else found


def _rules(errors: Iterable, prefix: tuple = ()) -> Rules:
    found: Rules = []
    for error in errors:
        path = prefix + tuple(error.absolute_path)
        if error.validator == "required":
            found.append(((*path, _missing(error)), error.message))
        elif _is_recipient_choice(error):
            found.extend(_recipient_rules(error, path))
        else:
            found.append((path, _rule(error)))
    return found


def _missing(error) -> str:
    """The property a ``required`` error is about (jsonschema gives one error per property)."""
    return next(
        name
        for name in error.validator_value
        if error.message == f"{name!r} is a required property"
    )


def _is_recipient_choice(error) -> bool:
    """The grant's top-level oneOf: a recipient organisation or a recipient individual."""
    branches = error.validator_value
    return error.validator == "oneOf" and all("required" in branch for branch in branches)


def _recipient_rules(error, path: tuple) -> Rules:
    """The grant's oneOf said as the data checker says it: the properties every branch
    misses, each as required, and the choice itself when no branch is satisfied."""
    if not error.context:
        return [(path, "a grant has a recipient organisation or a recipient individual, not both")]
    branches = [
        [n for n in b["required"] if n not in error.instance] for b in error.validator_value
    ]
    common = [name for name in branches[0] if all(name in branch for branch in branches)]
    found: Rules = [((*path, name), f"{name!r} is a required property") for name in common]
    choices = [[name for name in branch if name not in common] for branch in branches]
    if all(choices):
        names = " or ".join(repr(name) for choice in choices for name in choice)
        found.append((path, f"{names} is a required property"))
    return found


def _rule(error) -> str:
    """The schema's rule in words a publisher can act on (long codelists named, not listed)."""
    shown = str(error.instance) if isinstance(error.instance, Decimal) else repr(error.instance)
    if error.validator == "enum" and len(error.validator_value) > 12:
        codelist = error.schema.get("codelist", "the standard's").removesuffix(".csv")
        return f"{shown} is not in the {codelist} codelist"
    if error.validator == "oneOf" and standard.date_kind(error.schema):
        if looks_like_date(error.instance):
            return f"{shown} is not a real date"
        return f"{shown} is not a date (YYYY-MM-DD) or a date-time (RFC 3339)"
    if isinstance(error.instance, Decimal):
        return error.message.replace(repr(error.instance), shown)
    return error.message


def _leaves(node: object, path: tuple = ()) -> Iterable[tuple[tuple, Field, object]]:
    """Every standard leaf of a grant with its concrete path."""
    leaf = standard.fields_by_path().get(standard.general(path)) if path else None
    if leaf is not None:
        yield path, leaf, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _leaves(value, (*path, index))


def _duplicate_ids(grants: list) -> list[tuple[int, int]]:
    """(grant, earlier grant with the same identifier) for every repeated identifier."""
    first: dict[str, int] = {}
    repeats = []
    for position, grant in enumerate(grants):
        key = grant.get("id") if isinstance(grant, dict) else None
        if isinstance(key, str):  # " 360G-a-1" is 360G-a-1 again: identifiers are stripped
            earlier = first.setdefault(key.strip(), position)
            if earlier != position:
                repeats.append((position, earlier))
    return repeats


def _typos(names: Iterable[str], known: list[str]) -> list[tuple[str, str]]:
    """Names that are not the standard's but resemble one of its names closely."""
    lowered = {name.lower(): name for name in known}
    found = []
    for name in names:
        close = difflib.get_close_matches(name.lower(), lowered, n=1, cutoff=0.9)
        if close:
            found.append((name, lowered[close[0]]))
    return found


def _repair_lines(notes: Counter) -> list[str]:
    return [f"{title}: {count} {note}" for (title, note), count in notes.items()]


# ---------------------------------------------------------------- flat files (CSV, XLSX)


@dataclass
class Column:
    """One column of a flat file: its title as published, the path it names, its cells, and
    per distinct cell the flattentool value and the repaired one."""

    title: str
    path: tuple
    leaf: Field | None
    cells: list
    converted: dict = dataclass_field(default_factory=dict)  # cell -> (flattentool value, Fix)
    kept: bool = False  # holds values a repair moved out of the standard field of this title

    memo: dict = dataclass_field(default_factory=dict, repr=False)

    def values(self, repaired: bool = True) -> list:
        """The value of each row, repaired or as flattentool gives it (ABSENT when blank)."""
        if repaired not in self.memo:
            table = {
                cell: fix.value if repaired else raw for cell, (raw, fix) in self.converted.items()
            }
            values = list(map(table.__getitem__, self.cells))
            if self.leaf is not None and self.leaf.kind == "string_array":
                values = [list(v) if isinstance(v, list) else v for v in values]
            self.memo[repaired] = values
        return self.memo[repaired]

    def notes(self, indices: list[int]) -> Counter:
        """How many of the given rows each repair note applies to."""
        noted = {cell: pair[1].note for cell, pair in self.converted.items() if pair[1].note}
        if not noted:
            return Counter()
        counts: Counter = Counter()
        for cell, n in Counter(self.cells[index] for index in indices).items():
            if cell in noted:
                counts[noted[cell]] += n
        return counts


@dataclass
class Sheet:
    """A flat file read into columns, and the grants its non-blank rows make."""

    columns: list[Column]
    indices: list[int]  # the data row (0 = the row under the header) of each grant
    grants: list[dict]
    rows: list  # per data row, its grant, or ABSENT for a blank row


def read_sheet(path: Path, repaired: bool = True) -> Sheet:
    """A CSV or XLSX file as flattentool would unflatten it (``repaired=False``), or with the
    quirks repaired (the default)."""
    titles, cells = _xlsx_table(path) if path.suffix.lower() == ".xlsx" else _csv_table(path)
    columns = [_column(title, column) for title, column in zip(titles, cells, strict=True)]
    _refuse_clashing_columns(columns)
    if repaired:
        columns += _fill(columns, len(cells[0]) if cells else 0)
        columns += [kept for column in columns if (kept := _kept(column))]
    members = [(column.path, column.values(repaired)) for column in columns]
    rows = _assemble(members, len(cells[0]) if cells else 0) if columns else []
    indices = [index for index, row in enumerate(rows) if row is not ABSENT]
    if not indices:
        raise _no_grants(path)
    return Sheet(columns, indices, [rows[index] for index in indices], rows)


def _csv_table(path: Path) -> tuple[list[str], list[list]]:
    """The CSV's columns, every cell as text (DuckDB: fast, and handles CRLF and a BOM)."""
    query = (
        "SELECT * FROM read_csv(?, all_varchar = true, header = true,"
        " delim = ',', quote = '\"', escape = '\"')"
    )
    try:
        with duckdb.connect(":memory:") as connection:
            connection.execute("SET enable_progress_bar = false")  # no bar on the app's stdout
            result = connection.execute(query, [str(path)])
            titles = [column[0] for column in result.description]
            data = result.fetchnumpy()
    except duckdb.Error as error:
        reason = str(error).splitlines()[0]
        raise _refused(f"'{path.name}' cannot be read as CSV: {reason}") from error
    return titles, [data[title].tolist() for title in titles]


def _xlsx_table(path: Path) -> tuple[list[str], list[list]]:
    """The columns of the sheet called "grants" (else the first sheet), cells as calamine
    gives them (text, numbers as float, dates as date or datetime); blank cells as None."""
    try:
        book = CalamineWorkbook.from_path(str(path))
        names = book.sheet_names
        name = next((n for n in names if n.strip().lower() == "grants"), names[0])
        table = book.get_sheet_by_name(name).to_python()
    except (CalamineError, OSError, ValueError, IndexError) as error:
        raise _refused(f"'{path.name}' cannot be read as XLSX: {error}") from error
    if not table:
        raise _no_grants(path)
    header = [_text(cell) for cell in table[0]]
    keep = [position for position, title in enumerate(header) if title.strip()]
    body = table[1:]
    columns = [[None if row[i] == "" else row[i] for row in body] for i in keep]
    return [header[i] for i in keep], columns


def _column(title: str, cells: list) -> Column:
    path, leaf = standard.title_path(title)
    if leaf is None and _names_no_value(path):
        path = (title,)  # an object, or a part below a leaf: kept whole, under its title
    column = Column(title, path, leaf, cells)
    for cell in set(cells):
        raw = _convert(leaf, cell)
        column.converted[cell] = (raw, repair(leaf, raw, cell))
    return column


def _names_no_value(path: tuple) -> bool:
    """The path of an object or array of the standard, or of a part below one of its leaves:
    flattentool cannot unflatten a value there."""
    leaves = standard.fields_by_path()
    inside_leaf = any(standard.general(path[:end]) in leaves for end in range(1, len(path)))
    return inside_leaf or standard.general(path) in standard.known_paths()


def _refuse_clashing_columns(columns: list[Column]) -> None:
    """Two columns for one field, or one inside another's field, cannot both be kept."""
    titles = {}
    problems = []
    for column in columns:
        for end in range(1, len(column.path) + 1):
            other = titles.get(column.path[:end])
            if other is not None:
                rule = f"names the same field as the column '{other}'"
                if end < len(column.path):
                    rule = f"names a field inside the column '{other}'"
                problems.append(Problem(f"column '{column.title}'", rule))
                break
        else:
            titles[column.path] = column.title
    if problems:
        raise FileRefused(tuple(problems))


def _fill(columns: list[Column], count: int) -> list[Column]:
    """Fill the blank cells :data:`FILLS` allow; returns the columns it had to add."""
    added = []
    by_path = {column.path: column for column in columns}
    for fill in FILLS:
        source = by_path.get(fill.source)
        if source is None:
            continue
        target = by_path.get(fill.path)
        if target is None:
            target = _column(standard.fields_by_path()[fill.path].title, [None] * count)
            by_path[fill.path] = target
            added.append(target)
        within = [c.values() for c in columns if c.path[: len(fill.within)] == fill.within]
        for index, (value, wanted) in enumerate(zip(source.values(), target.values(), strict=True)):
            if value is ABSENT or wanted is not ABSENT:
                continue
            if fill.within and all(column[index] is ABSENT for column in within):
                continue
            cell = Filled(fill.value(value))
            target.cells[index] = cell
            target.converted[cell] = (ABSENT, Fix(cell.value, fill.note))
        target.memo.clear()
    return added


def _kept(column: Column) -> Column | None:
    """The values a repair removed from a column, kept under the column's title."""
    kept = {cell: pair[1].kept for cell, pair in column.converted.items()}
    if all(value is ABSENT for value in kept.values()):
        return None
    converted = {cell: (value, Fix(value)) for cell, value in kept.items()}
    return Column(column.title, (column.title,), None, column.cells, converted, kept=True)


def _convert(leaf: Field | None, cell: object) -> object:
    """A cell as flattentool converts it for the field's JSON type (blank is ABSENT)."""
    if cell is None or cell == "":
        return ABSENT
    kind = leaf.kind if leaf is not None else "string"
    if kind == "number":
        return _number(cell)
    if kind == "string_array":
        text = _text(cell)
        return [part.split(",") for part in text.split(";")] if "," in text else text.split(";")
    return _text(cell)


def _number(cell: object) -> object:
    """A number as Decimal; text that is not a finite number stays text (the schema refuses it)."""
    if isinstance(cell, float):
        return Decimal(int(cell)) if cell.is_integer() else Decimal(repr(cell))
    if isinstance(cell, int) and not isinstance(cell, bool):
        return Decimal(cell)
    text = _text(cell)
    try:
        number = Decimal(text)
    except InvalidOperation:
        return text
    return number if number.is_finite() else text


def _text(cell: object) -> str:
    """A cell as text, as flattentool gives it (a spreadsheet date as a UTC date-time)."""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, float):
        return repr(cell)
    if isinstance(cell, dt.date) and not isinstance(cell, dt.datetime):
        cell = dt.datetime.combine(cell, dt.time())
    if isinstance(cell, dt.datetime):
        return cell.replace(tzinfo=dt.UTC).isoformat()
    return str(cell)


def _assemble(members: list[tuple[tuple, list]], count: int) -> list:
    """Per row, the object the columns under one path build (ABSENT where all are blank);
    each level is built from its columns zipped, which is what makes 100,000 rows fast."""
    if len(members) == 1 and not members[0][0]:
        return members[0][1]
    groups: dict = {}
    for path, values in members:
        groups.setdefault(path[0], []).append((path[1:], values))
    built = [(key, _assemble(sub, count)) for key, sub in groups.items()]
    if list(groups) == [0]:
        return [ABSENT if value is ABSENT else [value] for value in built[0][1]]
    keys = [key for key, _ in built]
    return [
        {key: value for key, value in zip(keys, row, strict=True) if value is not ABSENT} or ABSENT
        for row in zip(*(values for _, values in built), strict=True)
    ]


def flat_problems(sheet: Sheet) -> list[Problem]:
    """Every schema problem of a flat file, exactly, checking each distinct value of a
    column once and each distinct pattern of present fields once."""
    return _flat_places(sheet, _leaf_problems(sheet) + _structure_problems(sheet))


def grant_by_grant_problems(sheet: Sheet) -> list[Problem]:
    """The same problems found by validating every grant whole (the reference, slow)."""
    found = [(i, p, r) for i in sheet.indices for p, r in grant_problems(sheet.rows[i])]
    return _flat_places(sheet, found)


def _leaf_problems(sheet: Sheet) -> list[tuple[int, tuple, str]]:
    found = []
    for column in sheet.columns:
        if column.leaf is None:
            continue
        bad = {
            cell: rules
            for cell, (_, fix) in column.converted.items()
            if fix.value is not ABSENT
            and (rules := value_problems(column.leaf, column.path, fix.value))
        }
        if bad:
            for index in sheet.indices:
                found.extend((index, *rule) for rule in bad.get(column.cells[index], ()))
    return found


def _structure_problems(sheet: Sheet) -> list[tuple[int, tuple, str]]:
    """Problems of which fields are present (required, the recipient oneOf), judged on one
    grant per presence pattern with the leaves' own errors left to :func:`_leaf_problems`."""
    leaves = {column.path for column in sheet.columns if column.leaf is not None}
    present = [[value is not ABSENT for value in column.values()] for column in sheet.columns]
    patterns: dict[tuple, list[int]] = {}
    for index, pattern in enumerate(zip(*present, strict=True)):
        if sheet.rows[index] is not ABSENT:
            patterns.setdefault(pattern, []).append(index)
    found = []
    for members in patterns.values():
        errors = standard.validator().iter_errors(sheet.rows[members[0]])
        rules = _rules(e for e in errors if not _at_leaf(tuple(e.absolute_path), leaves))
        found.extend((index, *rule) for index in members for rule in rules)
    return found


def _at_leaf(path: tuple, leaves: set[tuple]) -> bool:
    return any(path[:end] in leaves for end in range(1, len(path) + 1))


def _flat_places(sheet: Sheet, found: list[tuple[int, tuple, str]]) -> list[Problem]:
    """Problems named by row (as a person counts them: the header is row 1) and column."""
    order = {column.path: position for position, column in enumerate(sheet.columns)}
    titles = {column.path: column.title for column in sheet.columns}
    known = standard.container_titles()

    def column_of(path: tuple) -> tuple[int, str]:
        for end in range(len(path), 0, -1):
            if path[:end] in titles:
                return order[path[:end]], titles[path[:end]]
        general = standard.general(path)
        return len(order), known.get(general, "/".join(map(str, path)))

    placed = []
    for index, path, rule in found:
        position, title = column_of(path) if path else (-1, "")
        place = f"row {index + 2}, {title}" if title else f"row {index + 2}"
        placed.append(((index, position, rule), Problem(place, rule)))
    return [problem for _, problem in sorted(placed, key=lambda pair: pair[0])]


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: reading 100,000 grants allocates millions of dicts
    and lists, none of them in a cycle, and the collector's passes over them cost ~40% of the
    read. Cycles made meanwhile are collected when it resumes."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _read_flat(path: Path, report: Progress, also: Extra) -> Reading:
    with _collector_paused():
        sheet = read_sheet(path)
        report(0.4, f"read {len(sheet.grants):,} grants")
        found = flat_problems(sheet) + _flat_duplicates(sheet) + _flat_extra(sheet, also)
        problems = sorted(found, key=_row_number)
    report(0.9, "checked against the 360Giving schema")
    published = [c.title for c in sheet.columns if c.leaf is None and not c.kept]
    typos = _typos(published, standard.standard_titles())
    if problems:
        hints = [
            Problem(f"column '{typo}'", f"is not a 360Giving title; is it '{title}'?")
            for typo, title in typos
        ]
        raise FileRefused(tuple(hints + problems))
    notes: Counter = Counter()
    for column in sheet.columns:
        for note, count in column.notes(sheet.indices).items():
            notes[(column.title, note)] += count
    unknown = [
        column.title
        for column in sheet.columns
        if column.leaf is None and any(value is not ABSENT for value in column.values())
    ]
    extra = list(dict.fromkeys(unknown))
    report(1.0, "done")
    return Reading(
        grants=sheet.grants,
        places=[f"row {index + 2}" for index in sheet.indices],
        extra_fields=extra,
        typos=typos,
        repairs=_repair_lines(notes),
    )


def _flat_extra(sheet: Sheet, also: Extra) -> list[Problem]:
    """The caller's own problems with each grant, placed by row and column title."""
    titles = {c.path: c.title for c in sheet.columns}
    return [
        Problem(f"row {sheet.indices[k] + 2}, {titles.get(path, '/'.join(map(str, path)))}", rule)
        for k, grant in enumerate(sheet.grants)
        for path, rule in also(grant)
    ]


def _row_number(problem: Problem) -> int:
    return int(problem.place.split(",")[0].removeprefix("row "))


def _flat_duplicates(sheet: Sheet) -> list[Problem]:
    title = next((c.title for c in sheet.columns if c.path == ("id",)), "Identifier")
    return [
        Problem(
            f"row {sheet.indices[k] + 2}, {title}",
            _repeated(sheet.grants[k]["id"], f"row {sheet.indices[e] + 2}"),
        )
        for k, e in _duplicate_ids(sheet.grants)
    ]


def _repeated(identifier: str, earlier: str) -> str:
    return f"{identifier!r} is already the identifier of the grant in {earlier}"


# ---------------------------------------------------------------- JSON files


def _read_json(path: Path, report: Progress, also: Extra) -> Reading:
    try:
        data = json.loads(path.read_bytes(), parse_float=Decimal, parse_int=Decimal)
    except (ValueError, UnicodeDecodeError) as error:
        raise _refused(f"'{path.name}' cannot be read as JSON: {error}") from error
    grants = data.get("grants") if isinstance(data, dict) else None
    if not isinstance(grants, list) or not grants:
        raise _no_grants(path)
    report(0.3, f"read {len(grants):,} grants")
    notes: Counter = Counter()
    extra: dict[str, None] = {}
    repaired = [_repair_grant(grant, notes, extra) for grant in grants]
    problems = [
        (k, Problem(_json_place(k, p), r))
        for k, g in enumerate(repaired)
        for p, r in [*grant_problems(g), *also(g)]
    ]
    problems += [
        (k, Problem(_json_place(k, ("id",)), _repeated(repaired[k]["id"], f"grants[{e}]")))
        for k, e in _duplicate_ids(repaired)
    ]
    report(0.9, "checked against the 360Giving schema")
    if problems:
        raise FileRefused(tuple(problem for _, problem in sorted(problems, key=lambda x: x[0])))
    known = ["/".join(str(s) for s in f.path if not isinstance(s, int)) for f in standard.fields()]
    report(1.0, "done")
    return Reading(
        grants=repaired,
        places=[f"grants[{k}]" for k in range(len(repaired))],
        extra_fields=list(extra),
        typos=_typos(extra, known),
        repairs=_repair_lines(notes),
    )


def _json_place(index: int, path: tuple) -> str:
    return f"grants[{index}]" + "".join(f"/{step}" for step in path)


def _repair_grant(grant: object, notes: Counter, extra: dict) -> object:
    """A copy of a JSON grant with its quirks repaired, and the values repairs removed kept
    under their titles; keys the standard does not define are kept and listed in ``extra``."""
    if not isinstance(grant, dict):
        return grant
    kept: dict = {}
    out = {}
    for key, value in grant.items():
        value = _repair_json(value, (key,), notes, extra, kept)
        if value is not ABSENT:
            out[key] = value
    for fill in FILLS:
        _fill_json(out, fill, notes)
    return out | {title: value for title, value in kept.items() if title not in out}


def _fill_json(grant: dict, fill: Fill, notes: Counter) -> None:
    source = _get(grant, fill.source)
    holder = _get(grant, fill.path[:-1])
    if source is ABSENT or not isinstance(holder, dict) or fill.path[-1] in holder:
        return
    holder[fill.path[-1]] = fill.value(source)
    notes[(standard.fields_by_path()[fill.path].title, fill.note)] += 1


def _get(node: object, path: tuple) -> object:
    for step in path:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return ABSENT
    return node


def _repair_json(node: object, path: tuple, notes: Counter, extra: dict, kept: dict) -> object:
    general = standard.general(path)
    leaf = standard.fields_by_path().get(general)
    if leaf is not None:
        fix = repair(leaf, node)
        if fix.note:
            notes[(leaf.title, fix.note)] += 1
        if fix.kept is not ABSENT:
            kept[leaf.title] = fix.kept
        return fix.value
    if general not in standard.known_paths():
        extra["/".join(str(step) for step in path if not isinstance(step, int))] = None
        return node
    if isinstance(node, dict):
        items = {k: _repair_json(v, (*path, k), notes, extra, kept) for k, v in node.items()}
        out = {k: v for k, v in items.items() if v is not ABSENT}
    elif isinstance(node, list):
        values = [_repair_json(v, (*path, k), notes, extra, kept) for k, v in enumerate(node)]
        out = [value for value in values if value is not ABSENT]
    else:
        return node
    return out if out or not node else ABSENT
