"""The shortcut in :func:`fund.grants.reading.value_problems` never changes the answer: for
every leaf whose sub-schema asks for nothing but one JSON type, and values of many Python
types, the rules it gives are those the leaf's own validator gives."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fund.grants import reading, standard

PLAIN = [field for field in standard.fields() if standard.plain_type(field.path) is not None]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(["", "2026-05-01", "https://example.org", "GBP", "0", "1e3", "NaN"]),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


def without_shortcut(leaf, path: tuple, value: object) -> list:
    """What ``value_problems`` computes when it does not take the shortcut: the validator's
    rules, and a YYYY-MM-DD date that the calendar refuses."""
    found = reading._rules(standard.leaf_validator(leaf.path).iter_errors(value), path)
    rule = reading.unreal_date(leaf, value)
    return [*found, (path, rule)] if rule else found


def test_some_leaves_take_the_shortcut_for_strings_and_numbers():
    kinds = {standard.plain_type(field.path) for field in PLAIN}
    assert PLAIN and kinds <= {(str,), (int, float, Decimal)}
    assert (str,) in kinds


@pytest.mark.parametrize("leaf", PLAIN, ids=lambda field: "/".join(map(str, field.path)))
@settings(max_examples=60, deadline=None)
@given(value=values)
def test_the_shortcut_gives_what_the_leaf_validator_gives(leaf, value):
    path = ("grants", 0, *leaf.path)
    assert reading.value_problems(leaf, path, value) == without_shortcut(leaf, path, value)
