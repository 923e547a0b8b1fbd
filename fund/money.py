"""Money as exact pounds and pence.

Every amount that enters the ledger passes through :func:`to_money`, so the rules for what
counts as money live in one place: no floats (they cannot hold 0.10 exactly), no more than
two decimals (DuckDB would silently round them), and nothing outside ``DECIMAL(18,2)``.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from fund.errors import ValidationError

PENNY = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("9999999999999999.99")  # the largest value DECIMAL(18,2) holds
# Pounds as people type them: an optional sign and £, digits with commas only between
# thousands, an optional decimal part. No exponents, underscores or stray commas ('12,34'),
# and only the digits 0-9: Python's Decimal() would also read '１２３' or '١٢٣' as 123.
_POUNDS = re.compile(
    r"[-+]?£?[-+]?([0-9]{1,3}(,[0-9]{3})+|[0-9]+)(\.[0-9]+)?|[-+]?£?\.[0-9]+", re.ASCII
)


def to_money(value: object, field: str, *, positive: bool = True) -> Decimal:
    """Turn user input (a string, int or Decimal) into an exact amount, or say which rule it breaks.

    ``positive`` demands an amount above zero, which every ledger operation does: the
    direction of a movement comes from the operation, never from the sign the user typed.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError(field, "is required")
    if isinstance(value, (bool, float)):
        raise ValidationError(field, "must be given as a decimal string, not a float")
    if isinstance(value, str):
        typed = value.strip()
        if not _POUNDS.fullmatch(typed):
            raise ValidationError(
                field, f"must be a number of pounds such as 1,234.56{_digits(typed)}, not {value!r}"
            )
        value = typed.replace(",", "").replace("£", "")
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError(field, f"must be a number of pounds, not {value!r}") from None
    if not amount.is_finite():
        raise ValidationError(field, "must be a finite number of pounds")
    if abs(amount) > MAX_AMOUNT:
        raise ValidationError(field, f"must not exceed {format_gbp(MAX_AMOUNT)}")
    if amount != amount.quantize(PENNY):
        raise ValidationError(field, f"must have at most two decimal places, not {value}")
    amount = amount.quantize(PENNY)
    if positive and amount <= 0:
        raise ValidationError(field, f"must be more than £0.00, not {format_gbp(amount)}")
    return amount


def other_digits(text: str) -> bool:
    """Whether ``text`` holds digits other than 0-9 (full-width, Arabic-Indic, superscript …),
    which Python's int() and Decimal() would read as numbers but the fund does not."""
    return any(c.isdigit() and not c.isascii() for c in text)


def _digits(text: str) -> str:
    """The clause a refusal adds when the number was written with digits other than 0-9."""
    return ", written with the digits 0-9" if other_digits(text) else ""


def format_gbp(amount: Decimal) -> str:
    """£1,234.56, with a leading minus for negatives: the one way money is printed."""
    sign = "-" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.2f}"
