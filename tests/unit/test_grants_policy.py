"""A ring-fence's small-grant policy refuses bad settings naming the field and the rule, never
widens what one fund manager may commit beyond the ring-fence's own delegated limit, and is
not declared twice the same."""

from __future__ import annotations

import pytest

from fund.errors import ValidationError
from fund.grants import policy
from tests.conftest import key
from tests.integration.helpers import nothing_written

GOOD = {
    "min_amount": "500",
    "max_amount": "10000",
    "delegated_limit": "5000",
    "id_prefix": "northborough",
    "funder_id": "GB-LAE-NBR",
    "report_days": 30,
}


def declare(con, people, portfolio, **changes):
    return policy.declare(
        con,
        people.manager,
        ringfence_id=portfolio.ringfence_id,
        reason="small grants open",
        key=key(),
        **(GOOD | changes),
    )


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"min_amount": "2000", "max_amount": "1000"}, "largest grant", "must not be below"),
        ({"delegated_limit": "-1"}, "delegated limit", "must not be negative"),
        ({"id_prefix": "Northborough"}, "360Giving prefix", "lower-case letters"),
        ({"id_prefix": "NBR"}, "360Giving prefix", "lower-case letters"),
        ({"funder_id": "Northborough Council"}, "funder identifier", "organisation identifier"),
        ({"funder_id": "gb-lae-nbr"}, "funder identifier", "organisation identifier"),
        ({"funder_id": "GB-LAE"}, "funder identifier", "organisation identifier"),
        ({"report_days": 0}, "report due after", "from 1 to 730"),
        ({"report_days": 1000}, "report due after", "from 1 to 730"),
        ({"report_days": "ten"}, "report due after", "from 1 to 730"),
        ({"report_days": "-5"}, "report due after", "from 1 to 730"),
    ],
)
def test_a_bad_setting_is_refused_naming_the_field_and_the_rule(
    con, people, portfolio, changes, field, rule
):
    with nothing_written(con), pytest.raises(ValidationError) as refused:
        declare(con, people, portfolio, **changes)
    assert refused.value.field == field
    assert rule in refused.value.rule


def test_the_limit_never_exceeds_the_ring_fences_own_delegated_limit(con, people, portfolio):
    with nothing_written(con), pytest.raises(ValidationError) as refused:
        declare(con, people, portfolio, delegated_limit="10000.01", max_amount="20000")
    assert refused.value.field == "delegated limit"
    assert "£10,000.00" in refused.value.rule and "£10,000.01" in refused.value.rule
    declare(con, people, portfolio, delegated_limit="10000.00")
    assert policy.current(con, portfolio.ringfence_id).delegated_limit == 10000


def test_the_same_declaration_twice_is_refused_and_a_change_is_the_next_version(
    con, people, portfolio
):
    declare(con, people, portfolio)
    with nothing_written(con), pytest.raises(ValidationError) as refused:
        declare(con, people, portfolio, min_amount="500.00", report_days="30")
    assert refused.value.field == "small-grant policy"
    assert "same as version 1" in refused.value.rule
    declare(con, people, portfolio, report_days=60)
    latest = policy.current(con, portfolio.ringfence_id)
    assert (latest.version, latest.report_days) == (2, 60)
