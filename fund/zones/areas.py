"""Areas as the Office for National Statistics codes them, and how they are typed.

An ONS (GSS) code is a letter for the nation (E England, W Wales, S Scotland, N Northern
Ireland, K a cross-border area) then eight digits, the first two the kind of area:
E08000035 is Leeds, a metropolitan district. Only the shape is checked here: the register
of codes changes, and a zone's area is named beside its code for people to read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fund.errors import ValidationError
from fund.unit_of_work import required_text

_CODE = re.compile(r"[EKNSW][0-9]{8}", re.ASCII)
MAX_NAME = 200


@dataclass(frozen=True)
class Area:
    """An area: its ONS code and the name people know it by."""

    code: str
    name: str


def code(value: object, field: str = "area code") -> str:
    """An ONS area code as typed (spaces trimmed, letters upper-cased), or refused naming the
    rule."""
    text = "" if value is None else str(value).strip().upper()
    if not text:
        raise ValidationError(field, "is required (an ONS area code such as E08000035)")
    if not _CODE.fullmatch(text):
        raise ValidationError(
            field,
            f"{str(value).strip()!r} is not an ONS area code: a letter E, W, S, N or K and"
            " eight digits, such as E08000035",
        )
    return text


def area(code_value: object, name: object, field: str = "area") -> Area:
    """An area from its code and name, both required."""
    return Area(
        code=code(code_value, f"{field} code"),
        name=required_text(
            None if name is None else str(name), f"{field} name", max_length=MAX_NAME
        ),
    )


def parse(text: str, field: str = "comparison area") -> Area:
    """An area typed as ``CODE=Name`` (as the CLI takes comparison areas)."""
    given, sign, name = str(text).partition("=")
    if not sign:
        raise ValidationError(field, f"{text!r} must be CODE=Name, such as 'E08000036=Wakefield'")
    return area(given, name, field)


def distinct(zone: Area, comparisons: list[Area]) -> list[Area]:
    """The comparison areas, each checked as typed (a caller may build an :class:`Area`
    directly), refused when one is the zone itself or given twice."""
    checked = [area(each.code, each.name, "comparison area") for each in comparisons]
    seen: set[str] = set()
    for each in checked:
        if each.code == zone.code:
            raise ValidationError(
                "comparison area", f"{each.code} is the zone's own area; compare it with others"
            )
        if each.code in seen:
            raise ValidationError("comparison area", f"{each.code} is given twice")
        seen.add(each.code)
    return checked
