"""One line for every refusal: :func:`fund.errors.describe` names the field and the rule,
so the app's st.error and the CLI's stderr say exactly the same thing."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from fund import errors
from fund.errors import (
    AuthenticationFailed,
    DatabaseBusy,
    FileRefused,
    IdempotencyConflict,
    InvariantBroken,
    NotFound,
    PermissionDenied,
    Problem,
    RingfenceError,
    RowRefused,
    RowsRefused,
    SecondPersonRequired,
    SignInLocked,
    ValidationError,
    describe,
)

EXAMPLES = [
    (
        ValidationError("amount", "must be a number of pounds, not 'abc'"),
        "amount",
        "amount: must be a number of pounds, not 'abc'",
    ),
    (NotFound("programme", "programme", 99), "programme", "programme: no programme 99"),
    (NotFound("commitment", "commitment", 12), "commitment", "commitment: no commitment 12"),
    (
        InvariantBroken(
            "amount",
            "commitment £60,000.00 exceeds programme 'Young people into work' available £45,000.00",
            Decimal("100000.00"),
            Decimal("60000.00"),
        ),
        "amount",
        "amount: commitment £60,000.00 exceeds programme 'Young people into work' "
        "available £45,000.00",
    ),
    (
        PermissionDenied("board", "allocate money to programmes"),
        "user",
        "user: board is not permitted to allocate money to programmes",
    ),
    (
        SecondPersonRequired(
            "approver", "request #3 was made by manager; a different fund manager must approve it"
        ),
        "approver",
        "approver: request #3 was made by manager; a different fund manager must approve it",
    ),
    (
        IdempotencyConflict("form-17"),
        "idempotency key",
        "idempotency key: 'form-17' was already used for a different operation; "
        "use a new key for a new operation",
    ),
    (AuthenticationFailed(), "password", "password: the user name or password is not right"),
    (
        SignInLocked(15),
        "password",
        "password: too many failed sign-ins for this user name; try again in 15 minutes",
    ),
    (
        SignInLocked(1),
        "password",
        "password: too many failed sign-ins for this user name; try again in 1 minute",
    ),
    (
        RowRefused(3, ValidationError("amount", "must be more than £0.00")),
        "row 3",
        "row 3: amount: must be more than £0.00",
    ),
    (
        RowsRefused(
            (
                RowRefused(2, NotFound("commitment", "commitment", 9)),
                RowRefused(5, ValidationError("amount", "must be more than £0.00")),
            )
        ),
        "row 2",
        "row 2: commitment: no commitment 9; row 5: amount: must be more than £0.00",
    ),
    (
        FileRefused(
            (
                Problem("outcomes/3/deadweight", "1.2 is not a fraction between 0 and 1"),
                Problem("discount/schedule", "unknown schedule 'green'"),
            )
        ),
        "outcomes/3/deadweight",
        "outcomes/3/deadweight: 1.2 is not a fraction between 0 and 1; "
        "discount/schedule: unknown schedule 'green'",
    ),
    (
        DatabaseBusy("data/fund.duckdb is in use by another process (PID 42)"),
        "database",
        "database: data/fund.duckdb is in use by another process (PID 42)",
    ),
]


@pytest.mark.parametrize(("error", "field", "line"), EXAMPLES, ids=lambda v: type(v).__name__)
def test_each_refusal_is_described_in_one_line_naming_field_and_rule(error, field, line):
    assert error.field == field
    assert describe(error) == line
    assert str(error) == line
    assert "\n" not in describe(error)


@pytest.mark.parametrize(("error", "field", "line"), EXAMPLES, ids=lambda v: type(v).__name__)
def test_every_refusal_is_a_ringfence_error_that_can_be_raised_and_caught(error, field, line):
    with pytest.raises(RingfenceError) as caught:
        raise error
    assert describe(caught.value) == line


def _every_error_type() -> list[type[RingfenceError]]:
    found, todo = [], list(RingfenceError.__subclasses__())
    while todo:
        kind = todo.pop()
        found.append(kind)
        todo.extend(kind.__subclasses__())
    return sorted(found, key=lambda k: k.__name__)


def _sample(kind: type[RingfenceError]) -> RingfenceError:
    """An instance of any error type, with plain values for whatever it carries."""
    values = {}
    for f in dataclasses.fields(kind):
        if f.default is not dataclasses.MISSING:
            continue
        values[f.name] = {
            "field": "amount",
            "limit": Decimal("10.00"),
            "attempted": Decimal("12.00"),
            "minutes": 15,
            "row": 3,
            "error": ValidationError("amount", "must be more than £0.00"),
            "refusals": (RowRefused(2, NotFound("commitment", "commitment", 9)),),
            "problems": (
                Problem("outcomes/3/deadweight", "1.2 is not a fraction between 0 and 1"),
            ),
        }.get(f.name, f"some {f.name}")
    return kind(**values)


@pytest.mark.parametrize("kind", _every_error_type(), ids=lambda k: k.__name__)
def test_every_error_type_names_its_field_first_in_a_single_line(kind):
    assert dataclasses.is_dataclass(kind), "errors carry their evidence as dataclass fields"
    error = _sample(kind)
    line = describe(error)
    assert line.startswith(f"{error.field}: ")
    assert len(line) > len(error.field) + 2
    assert "\n" not in line


def test_every_error_type_is_declared_in_the_errors_module():
    # One documented hierarchy, in one place.
    assert {k.__module__ for k in _every_error_type()} == {errors.__name__}


def test_the_amounts_travel_with_an_invariant_refusal():
    error = InvariantBroken(
        "amount",
        "payment £5.00 exceeds commitment #1 unpaid £4.00",
        Decimal("10.00"),
        Decimal("5.00"),
    )
    assert (error.limit, error.attempted) == (Decimal("10.00"), Decimal("5.00"))
    assert isinstance(error.limit, Decimal)
