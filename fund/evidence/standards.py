"""The Nesta Standards of Evidence as published (``reference/nesta_standards_of_evidence.json``
in the shared folder): the label and meaning of each level, so that a level reached is read
in the standard's own words, never in words of our own.

Which level an experiment reached is derived by :mod:`fund.evidence.verdict`; this module
only names the levels.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

from fund.errors import ValidationError
from fund.sroi.reference import shared_folder

NESTA = Path("reference/nesta_standards_of_evidence.json")
HIGHEST = 5


@dataclass(frozen=True, kw_only=True)
class Level:
    """One level of the standard: 1 'account of impact' to 5 'scaled'."""

    level: int
    label: str
    meaning: str


NONE_YET = Level(
    level=0,
    label="not yet level 1",
    meaning="no registered evaluation plan: level 1 needs one",
)


def level(number: int) -> Level:
    """The standard's level ``number`` (0: none reached yet)."""
    return NONE_YET if number == 0 else levels()[number]


def levels() -> dict[int, Level]:
    """Every level of the standard, by number."""
    return _levels_in(shared_folder())


@functools.cache
def _levels_in(folder: Path) -> dict[int, Level]:
    """The file read once per process and folder: it is published, never edited."""
    path = folder / NESTA
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValidationError("reference data", f"{path} is missing") from None
    found = {
        item["level"]: Level(level=item["level"], label=item["label"], meaning=item["meaning"])
        for item in document["levels"]
    }
    if sorted(found) != list(range(1, HIGHEST + 1)):
        raise ValidationError("reference data", f"{path} must give levels 1 to {HIGHEST}")
    return found
