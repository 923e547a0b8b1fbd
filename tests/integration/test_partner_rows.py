"""An experiment's partner rows as people type them: a row left wholly blank is no partner,
any other gap is refused naming the row and the field, every bad row at once, and nothing
is written; match funding is read as people write pounds."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fund import audit, register
from fund.errors import RowsRefused, ValidationError, describe
from fund.register import PartnerShare
from tests.conftest import key
from tests.integration.helpers import nothing_written

BUS_CO = {"name": "Bus Co", "sector": "business", "role": "investor"}
PEER_TRUST = {"name": "Peer Trust", "sector": "civil society", "role": "Broker"}  # as shown


def add(con, people, funded, partners, title="Peer mentors"):
    return register.add_experiment(
        con,
        people.manager,
        programme_id=funded.programme_id,
        title=title,
        instrument="small_grant",
        phase=1,
        risk_rating="low",
        official="Pat Official",
        user_involvement="consulted",
        partners=partners,
        key=key(),
    )


def refusal(con, people, funded, partners) -> str:
    with nothing_written(con), pytest.raises(RowsRefused) as refused:
        add(con, people, funded, partners)
    return describe(refused.value)


def partners_of(con, experiment_id):
    return con.execute(
        "SELECT pt.name, pt.sector, ep.role, ep.match_cash, ep.match_in_kind"
        " FROM experiment_partner AS ep JOIN partner AS pt USING (partner_id)"
        " WHERE ep.experiment_id = ? ORDER BY pt.name, ep.role",
        [experiment_id],
    ).fetchall()


def test_a_partner_with_name_and_money_but_no_sector_or_role_is_refused(con, people, funded):
    typed = [PartnerShare(**BUS_CO), PartnerShare(name="Peer Trust", match_cash="12,500.00")]

    assert refusal(con, people, funded, typed) == ("row 2: partner sector and role: are required")


def test_every_bad_partner_row_is_named_at_once(con, people, funded):
    typed = [
        PartnerShare(sector="business", role="investor"),
        PartnerShare(**BUS_CO),
        PartnerShare(name="Peer Trust", role="broker"),
        PartnerShare(name="Tech Ltd", sector="business", role="investor", match_cash="1.005"),
        PartnerShare(name="Shop", sector="shops", role="investor"),
    ]

    assert refusal(con, people, funded, typed) == (
        "row 1: partner name: is required; "
        "row 3: partner sector: is required; "
        "row 4: match funding (cash): must have at most two decimal places, not 1.005; "
        "row 5: partner sector: must be one of government, business, civil_society, "
        "university, service_users, not 'shops'"
    )


def test_a_wholly_blank_row_is_no_partner_and_rows_keep_their_numbers(con, people, funded):
    typed = [
        PartnerShare(),
        PartnerShare(name=" ", sector="", role=None, match_cash="", match_in_kind=None),
        PartnerShare(name="Peer Trust"),
    ]
    assert refusal(con, people, funded, typed) == ("row 3: partner sector and role: are required")

    written = add(con, people, funded, [PartnerShare(), PartnerShare(**BUS_CO)])

    assert partners_of(con, written.entity_id) == [
        ("Bus Co", "business", "investor", Decimal("0.00"), Decimal("0.00"))
    ]


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("£12,500", "12500.00"),
        ("12500.00", "12500.00"),
        ("12,500.50", "12500.50"),
        ("£12,500.00", "12500.00"),
        ("", "0.00"),
        (None, "0.00"),
    ],
)
def test_match_funding_is_read_as_people_write_pounds(con, people, funded, typed, amount):
    written = add(con, people, funded, [PartnerShare(**BUS_CO, match_cash=typed)])

    ((*_, cash, in_kind),) = partners_of(con, written.entity_id)
    assert (cash, in_kind) == (Decimal(amount), Decimal("0.00"))


def test_a_partner_may_hold_a_role_once_and_the_clash_names_both_rows(con, people, funded):
    typed = [PartnerShare(**BUS_CO), PartnerShare(**PEER_TRUST), PartnerShare(**BUS_CO)]

    assert refusal(con, people, funded, typed) == (
        "row 3: partner: 'Bus Co' is already listed as investor in row 1"
    )


def test_a_partner_keeps_one_sector_and_every_clash_is_named(con, people, funded):
    typed = [
        PartnerShare(name="Youth Trust", sector="business", role="investor"),
        PartnerShare(name="Bus Co", sector="business", role="investor"),
        PartnerShare(name="Bus Co", sector="government", role="broker"),
    ]

    assert refusal(con, people, funded, typed) == (
        "row 1: partner sector: 'Youth Trust' is already registered as civil society; "
        "row 3: partner sector: 'Bus Co' is given in row 2 as business"
    )


def test_editing_refuses_incomplete_rows_and_keeps_the_partners_it_had(con, people, funded):
    grant = funded.experiments["small_grant"]
    before = partners_of(con, grant)

    with nothing_written(con), pytest.raises(RowsRefused) as refused:
        register.update_experiment(
            con,
            people.manager,
            experiment_id=grant,
            programme_id=funded.programme_id,
            title="Trial of small_grant",
            instrument="small_grant",
            risk_rating="medium",
            official="Pat Official",
            user_involvement="co-designed",
            partners=[PartnerShare(**BUS_CO), PartnerShare(name="Peer Trust", match_cash="10")],
            reason="add partners",
            key=key(),
        )

    assert describe(refused.value) == "row 2: partner sector and role: are required"
    assert partners_of(con, grant) == before


def test_the_audit_row_records_every_partner_written_and_says_how_many(con, people, funded):
    typed = [
        PartnerShare(**BUS_CO, match_cash="£12,500"),
        PartnerShare(),
        PartnerShare(**PEER_TRUST),
    ]

    written = add(con, people, funded, typed)

    (details,) = con.execute(
        "SELECT details FROM audit_log WHERE entity_id = ? AND operation = 'add experiment'",
        [written.entity_id],
    ).fetchone()
    assert [p["name"] for p in json.loads(details)["partners"]] == ["Bus Co", "Peer Trust"]
    assert written.said == (
        f"Experiment #{written.entity_id} 'Peer mentors' added to programme "
        "'Young people into work' with 2 partners."
    )
    assert audit.verify(con, people.auditor).ok


# --- the rule as a property -----------------------------------------------------------------

FIELDS = ("name", "sector", "role")
rows = st.lists(
    st.fixed_dictionaries(
        {field: st.sampled_from([None, "", " ", "valid"]) for field in FIELDS}
        | {"match_cash": st.sampled_from([None, "", "0.00", "£1,000"])}
    ),
    max_size=6,
)
VALID = {"name": None, "sector": "university", "role": "evaluator"}


def _typed(row: dict, n: int) -> PartnerShare:
    """The row with its 'valid' fields made real (names distinct, so no row clashes)."""
    real = {f: (f"Partner {n}" if f == "name" else VALID[f]) for f in FIELDS}
    return PartnerShare(**{f: real[f] if v == "valid" else v for f, v in row.items()})


@given(rows)
def test_exactly_the_rows_typed_in_but_incomplete_are_refused(typed_rows):
    shares = [_typed(row, n) for n, row in enumerate(typed_rows, start=1)]
    blank = [s.is_blank() for s in shares]
    complete = [all(getattr(s, f) not in (None, "", " ") for f in FIELDS) for s in shares]
    expected = [n for n, (b, c) in enumerate(zip(blank, complete, strict=True), 1) if not (b or c)]
    if expected:
        with pytest.raises(RowsRefused) as refused:
            register.partner_rows(shares)
        assert refused.value.rows == expected
    else:
        kept = register.partner_rows(shares)
        assert [row for row, _ in kept] == [n for n, b in enumerate(blank, 1) if not b]


def test_a_refused_row_carries_its_field_for_the_form():
    with pytest.raises(RowsRefused) as refused:
        register.partner_rows([PartnerShare(name="Peer Trust", sector="university")])
    (only,) = refused.value.refusals
    assert isinstance(only.error, ValidationError)
    assert (only.row, only.error.field) == (1, "partner role")
