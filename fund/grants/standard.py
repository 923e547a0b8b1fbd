"""The 360Giving Data Standard as shipped in ``../shared/data/360giving/schema``.

Everything the readers and writers know about the standard comes from the schema itself:
the flat column titles (derived the way flattentool's ``--convert-titles`` derives them, so
a spreadsheet that flattentool reads is read the same here), the JSON type of each field
(so cells are converted as flattentool converts them) and the sub-schema of each leaf (so a
cell can be validated alone). Nothing is fetched: the package schema's ``$ref`` to the
grant schema's 1.4.2 address is served by the local grant schema.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from fund.sroi.reference import shared_folder

SCHEMA_FOLDER = Path("data/360giving/schema")
GRANT_SCHEMA = "360-giving-schema.json"
PACKAGE_SCHEMA = "360-giving-package-schema.json"
# The package schema's items point at the 1.4.2 grant schema; the shipped one is 1.4.3.
GRANT_SCHEMA_1_4_2 = "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.2/schema/360-giving-schema.json"


@dataclass(frozen=True)
class Field:
    """One leaf of a grant: where it sits, its flat title, its flat type and its sub-schema.

    ``path`` uses ``0`` for an array of objects (the one item a flat row holds); ``kind`` is
    flattentool's flat type (``string``, ``number``, ``integer``, ``boolean``,
    ``string_array``, ``number_array``); ``dates`` is ``"date"`` for a field that takes a
    date or a date-time, ``"date-time"`` for one that takes only a date-time, else ``""``.
    """

    path: tuple[str | int, ...]
    title: str
    kind: str
    schema: dict
    dates: str


def schema_path(name: str) -> Path:
    """Where a shipped schema file is."""
    return shared_folder() / SCHEMA_FOLDER / name


@functools.cache
def grant_schema() -> dict:
    """The schema of one grant (draft 2020-12)."""
    return json.loads(schema_path(GRANT_SCHEMA).read_text("utf-8"))


@functools.cache
def package_schema() -> dict:
    """The schema of a package ``{"grants": [...]}``."""
    return json.loads(schema_path(PACKAGE_SCHEMA).read_text("utf-8"))


def _registry() -> Registry:
    """The grant schema under both its own address and the 1.4.2 one the package names
    (its ``$schema`` is the http:// spelling, which referencing does not detect)."""
    resource = DRAFT202012.create_resource(grant_schema())
    return Registry().with_resources([(resource.id(), resource), (GRANT_SCHEMA_1_4_2, resource)])


@functools.cache
def validator() -> Draft202012Validator:
    """The full grant validator; the format checker makes ``awardDate``'s oneOf decidable."""
    return Draft202012Validator(grant_schema(), format_checker=FormatChecker())


@functools.cache
def package_validator() -> Draft202012Validator:
    """The package validator, resolving the grant schema locally (no network)."""
    return Draft202012Validator(
        package_schema(), registry=_registry(), format_checker=FormatChecker()
    )


@functools.cache
def leaf_validator(path: tuple[str | int, ...]) -> Draft202012Validator:
    """A validator of one leaf's value alone, with the root's ``$ref`` resolution kept."""
    return validator().evolve(schema=fields_by_path()[path].schema)


# Keywords that only describe a value: a sub-schema with nothing else but "type" accepts
# every value of that type, so checking it is only checking the type.
_ANNOTATIONS = frozenset({"title", "description", "$comment", "codelist", "openCodelist"})
_PYTHON_TYPES = {"string": (str,), "number": (int, float, Decimal)}


@functools.cache
def plain_type(path: tuple[str | int, ...]) -> tuple[type, ...] | None:
    """The Python types whose every value the leaf's sub-schema accepts, when it asks for
    nothing but one JSON type (a string, a number); None when it asks for more (a format, a
    pattern, a codelist). :func:`fund.grants.reading.value_problems` skips the validator for
    such values: the answer is known. A test holds the result to the validator's."""
    schema = fields_by_path()[path].schema
    if set(schema) - _ANNOTATIONS != {"type"} or not isinstance(schema["type"], str):
        return None
    return _PYTHON_TYPES.get(schema["type"])


def _resolve(node: dict) -> tuple[dict, str | None]:
    """The node a ``$ref`` points at, and the title the referring node gives itself."""
    if "$ref" not in node:
        return node, node.get("title")
    target = grant_schema()
    for part in node["$ref"].removeprefix("#/").split("/"):
        target = target[part]
    return target, node.get("title", target.get("title"))


def _types(node: dict) -> set[str]:
    kind = node.get("type", [])
    return set(kind) if isinstance(kind, list) else {kind}


def _flat_kind(node: dict) -> str:
    """flattentool's order: array, then string (or untyped), number, integer, boolean."""
    types = _types(node)
    if "array" in types:
        items = _types(node.get("items", {}))
        return "number_array" if "number" in items and "string" not in items else "string_array"
    for kind in ("string", "number", "integer", "boolean"):
        if kind in types or (kind == "string" and not types):
            return kind
    return "string"


def date_kind(node: dict) -> str:
    """ "date" for a field taking a date or a date-time, "date-time" for one taking only a
    date-time, else ""."""
    if node.get("format") == "date-time":
        return "date-time"
    if any(branch.get("format") == "date-time" for branch in node.get("oneOf", ())):
        return "date"
    return ""


class Titles(dict):
    """flattentool's TitleLookup: titles compared without spaces and case, each with the
    property it names and the titles beneath it."""

    def __init__(self, name: str | None = None) -> None:
        super().__init__()
        self.name = name

    @staticmethod
    def key(title: str) -> str:
        return title.replace(" ", "").lower()


def _walk(node: dict, path: tuple, prefix: str | None, lookup: Titles, out: list[Field]) -> None:
    """Every leaf beneath ``node``, registering titles in ``lookup`` as flattentool does.

    ``prefix`` is the parent's flat title and a colon ("" at the root); None below a
    property without a title, whose leaves then have no flat title (and whose titles
    flattentool registers at the root, which is copied here).
    """
    for name, child in node.get("properties", {}).items():
        target, title = _resolve(child)
        full = prefix + title if prefix is not None and title else ""
        sub = Titles(name)
        if title:
            lookup[Titles.key(title)] = sub
        below = (sub if title else _schema_tree_root(), full + ":" if full else None)
        items = _resolve(target.get("items", {}))[0]
        if "object" in _types(target):
            _walk(target, (*path, name), below[1], below[0], out)
        elif "array" in _types(target) and "properties" in items:
            _walk(items, (*path, name, 0), below[1], below[0], out)
        else:
            out.append(Field((*path, name), full, _flat_kind(target), child, date_kind(target)))


@functools.cache
def _schema_tree_root() -> Titles:
    return Titles()


@functools.cache
def _schema_tree() -> tuple[tuple[Field, ...], Titles]:
    lookup = _schema_tree_root()
    out: list[Field] = []
    _walk(grant_schema(), (), "", lookup, out)
    return tuple(out), lookup


def fields() -> tuple[Field, ...]:
    """Every leaf of a grant, in the schema's order."""
    return _schema_tree()[0]


@functools.cache
def fields_by_path() -> dict[tuple, Field]:
    """Each leaf by its path (arrays of objects at index 0)."""
    return {field.path: field for field in fields()}


@functools.cache
def container_titles() -> dict[tuple, str]:
    """Titles of every path, leaves and the objects and arrays above them, for naming places."""
    titles: dict[tuple, str] = {}
    for field in fields():
        parts = field.title.split(":")
        steps = [step for step in field.path if not isinstance(step, int)]
        for depth in range(1, len(steps) + 1):
            prefix = _prefix_path(field.path, depth)
            titles.setdefault(prefix, ":".join(parts[:depth]))
    return titles


def _prefix_path(path: tuple, names: int) -> tuple:
    """The path up to and including its ``names``-th property name (indexes kept)."""
    seen = 0
    for position, step in enumerate(path):
        if not isinstance(step, int):
            seen += 1
            if seen == names:
                return path[: position + 1]
    return path


def general(path: tuple) -> tuple:
    """A concrete path with every array index as 0, the form :func:`fields_by_path` keys."""
    return tuple(0 if isinstance(step, int) else step for step in path)


def title_path(title: str) -> tuple[tuple, Field | None]:
    """The JSON path a flat column title names, as flattentool's title lookup gives it.

    Unknown titles (or unknown parts below a known one) become keys as written, stripped of
    surrounding spaces, and a "/" in them nests (as flattentool's path separator does); a
    known array of objects contributes its index 0. Returns the path and
    the standard leaf it is, if any.
    """
    lookup, path = _schema_tree()[1], []
    parts = title.split(":")
    for position, part in enumerate(parts):
        found = lookup.get(Titles.key(part)) if lookup is not None else None
        if found is None:
            path.extend("/".join(rest.strip(" ") for rest in parts[position:]).split("/"))
            break
        path.append(found.name)
        if _is_object_array(general(tuple(path))):
            path.append(0)
        lookup = found
    key = tuple(path)
    return key, fields_by_path().get(key)


@functools.cache
def _object_arrays() -> frozenset[tuple]:
    return frozenset(
        field.path[:position]
        for field in fields()
        for position, step in enumerate(field.path)
        if isinstance(step, int)
    )


@functools.cache
def known_paths() -> frozenset[tuple]:
    """Every path the standard defines (leaves and the objects and arrays above them)."""
    return frozenset(
        field.path[:end] for field in fields() for end in range(1, len(field.path) + 1)
    )


def _is_object_array(path: tuple) -> bool:
    return path in _object_arrays()


def standard_titles() -> list[str]:
    """The flat title of every leaf, for spotting likely typos of them."""
    return [field.title for field in fields() if field.title]
