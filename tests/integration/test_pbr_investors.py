"""Social investors of a bond: what each committed, their drawdowns and repayments, refusals
that write nothing, and their returns (money multiple and XIRR on dated flows)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest
import pyxirr

from fund import audit
from fund.errors import InvariantBroken, NotFound, PermissionDenied, ValidationError
from fund.pbr import contracts, investors
from fund.pbr.rate_card import rate
from fund.returns import NO_SIGN_CHANGE
from tests.conftest import key
from tests.integration.helpers import nothing_written, pbr_commitment

D = Decimal


@pytest.fixture
def contract_id(con, people, portfolio) -> int:
    """A PbR contract on a £9,000.00 commitment (within the delegated limit)."""
    commitment_id = pbr_commitment(con, people, portfolio, "9000.00")
    terms = contracts.ContractTerms(
        commitment_id=commitment_id,
        name="Reoffending bond",
        provider="Outcomes Provider Ltd",
        outcome_payer="Northborough Council",
        starts_on="2021-01-01",
        ends_on="2024-12-31",
        baseline_rule="Reconvictions against a matched national comparison group",
        verifier="Independent assessor",
        rates=[rate(metric="Reduced reconviction", definition="10% fewer", unit_price="900.00")],
        cohorts=[contracts.cohort(name="Cohort 1", starts_on="2021-01-01", participants=100)],
    )
    return contracts.add_contract(
        con, people.manager, terms, reason="bond signed", key=key()
    ).entity_id


def add(con, people, contract_id, name="Social Finance Fund", committed="1000000.00"):
    return investors.add_investor(
        con,
        people.manager,
        contract_id=contract_id,
        name=name,
        committed=committed,
        reason="investment agreement signed",
        key=key(),
    )


def flow(con, people, investor_id, kind, amount, on):
    return investors.record_flow(
        con,
        people.manager,
        investor_id=investor_id,
        kind=kind,
        amount=amount,
        on=on,
        reason="bank statement",
        key=key(),
    )


def rows(con, table):
    return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


@contextmanager
def nothing_of_investors_written(con):
    """Neither investors nor their flows, nor anything else, nor an audit row, is written."""
    before = rows(con, "pbr_investor"), rows(con, "pbr_investor_flow")
    with nothing_written(con):
        yield
    assert (rows(con, "pbr_investor"), rows(con, "pbr_investor_flow")) == before


def test_an_investor_is_added_and_audited(con, people, contract_id):
    written = add(con, people, contract_id)
    assert written.entity == "PbR investor"
    assert "£1,000,000.00" in written.said
    stored = con.execute(
        "SELECT contract_id, name, committed, created_by FROM pbr_investor WHERE investor_id = ?",
        [written.entity_id],
    ).fetchone()
    assert stored == (contract_id, "Social Finance Fund", D("1000000.00"), people.manager.user_id)
    assert audit.verify(con, people.auditor).ok


def test_the_same_key_adds_an_investor_once(con, people, contract_id):
    same = key()
    given = dict(contract_id=contract_id, name="Trust", committed="500.00", reason="r", key=same)
    first = investors.add_investor(con, people.manager, **given)
    again = investors.add_investor(con, people.manager, **given)
    assert again.replayed and again.entity_id == first.entity_id
    assert rows(con, "pbr_investor") == 1


def test_an_investor_of_an_unknown_contract_is_refused(con, people, contract_id):
    with nothing_of_investors_written(con), pytest.raises(NotFound) as refused:
        add(con, people, contract_id + 99)
    assert refused.value.field == "contract"
    assert str(refused.value) == f"contract: no PbR contract {contract_id + 99}"


def test_an_investor_named_twice_on_one_contract_is_refused(con, people, contract_id):
    add(con, people, contract_id, name="Bridges Fund")
    for same in ("Bridges Fund", " bridges fund "):
        with nothing_of_investors_written(con), pytest.raises(ValidationError) as refused:
            add(con, people, contract_id, name=same)
        assert refused.value.field == "name"
        assert "already has an investor called" in refused.value.rule


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "  "}, "name"),
        ({"committed": "0"}, "committed"),
        ({"committed": "-5.00"}, "committed"),
        ({"committed": 10.5}, "committed"),
        ({"committed": "1.234"}, "committed"),
    ],
)
def test_an_investor_without_a_name_or_capital_is_refused(con, people, contract_id, changes, field):
    given = {"name": "Trust", "committed": "500.00"} | changes
    with nothing_of_investors_written(con), pytest.raises(ValidationError) as refused:
        add(con, people, contract_id, **given)
    assert refused.value.field == field


def test_only_a_fund_manager_adds_investors(con, people, contract_id):
    with nothing_of_investors_written(con), pytest.raises(PermissionDenied):
        investors.add_investor(
            con,
            people.auditor,
            contract_id=contract_id,
            name="Trust",
            committed="500.00",
            reason="r",
            key=key(),
        )


def test_drawdowns_stop_at_the_capital_committed(con, people, contract_id):
    investor_id = add(con, people, contract_id, committed="1000.00").entity_id
    flow(con, people, investor_id, "drawdown", "600.00", "2021-01-01")
    flow(con, people, investor_id, "repayment", "300.00", "2021-06-01")  # frees nothing
    with nothing_of_investors_written(con), pytest.raises(InvariantBroken) as refused:
        flow(con, people, investor_id, "drawdown", "400.01", "2021-07-01")
    assert refused.value.field == "amount"
    assert (refused.value.limit, refused.value.attempted) == (D("1000.00"), D("1000.01"))
    assert "£1,000.01" in refused.value.rule and "£1,000.00" in refused.value.rule
    flow(con, people, investor_id, "drawdown", "400.00", "2021-07-01")  # exactly to the limit
    assert rows(con, "pbr_investor_flow") == 3
    assert audit.verify(con, people.auditor).ok


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "dividend"}, "kind"),
        ({"kind": None}, "kind"),
        ({"amount": "-100.00"}, "amount"),
        ({"amount": "0.00"}, "amount"),
        ({"on": "01/02/2021"}, "date"),
        ({"on": ""}, "date"),
        ({"on": "2999-01-01"}, "date"),
    ],
)
def test_a_bad_flow_is_refused_naming_the_field(con, people, contract_id, changes, field):
    investor_id = add(con, people, contract_id).entity_id
    given = {"kind": "drawdown", "amount": "100.00", "on": "2021-01-01"} | changes
    with nothing_of_investors_written(con), pytest.raises(ValidationError) as refused:
        flow(con, people, investor_id, **given)
    assert refused.value.field == field


def test_a_flow_of_an_unknown_investor_is_refused(con, people, contract_id):
    with nothing_of_investors_written(con), pytest.raises(NotFound) as refused:
        flow(con, people, 4242, "drawdown", "100.00", date(2021, 1, 1))
    assert refused.value.field == "investor"


def test_returns_show_the_multiple_and_the_rate_of_dated_flows(con, people, contract_id):
    investor_id = add(con, people, contract_id, name="Big Society Capital").entity_id
    flow(con, people, investor_id, "drawdown", "1000000.00", date(2021, 1, 1))
    flow(con, people, investor_id, "repayment", "1100000.00", "2023-01-01")
    waiting = add(con, people, contract_id, name="Another Trust", committed="900.00").entity_id
    flow(con, people, waiting, "drawdown", "400.00", "2022-03-31")
    flow(con, people, waiting, "drawdown", "100.00", "2022-06-30")

    table = investors.investor_returns(con, people.auditor, contract_id)

    assert list(table.columns) == investors.RETURN_COLUMNS
    assert list(table["name"]) == ["Another Trust", "Big Society Capital"]
    bsc = table.set_index("name").loc["Big Society Capital"]
    assert (bsc["committed"], bsc["drawn"], bsc["repaid"]) == (
        D("1000000.00"),
        D("1000000.00"),
        D("1100000.00"),
    )
    for column in ("committed", "drawn", "repaid"):
        assert all(isinstance(value, Decimal) for value in table[column])
    assert bsc["multiple"] == D("1.1")
    days = (date(2023, 1, 1) - date(2021, 1, 1)).days  # 730
    exact = pyxirr.xirr([date(2021, 1, 1), date(2023, 1, 1)], [-1_000_000, 1_100_000])
    assert bsc["irr"] == exact
    assert bsc["irr"] == pytest.approx(1.1 ** (365 / days) - 1, abs=1e-12)
    assert bsc["irr"] == pytest.approx(0.0488, abs=1e-4)
    assert bsc["irr_reason"] == ""
    other = table.set_index("name").loc["Another Trust"]
    assert (other["drawn"], other["repaid"], other["multiple"]) == (D("500.00"), D("0.00"), 0)
    assert pd.isna(other["irr"])
    assert other["irr_reason"] == NO_SIGN_CHANGE


def test_an_investor_with_no_flows_has_no_rate(con, people, contract_id):
    add(con, people, contract_id)
    table = investors.investor_returns(con, people.auditor, contract_id)
    assert len(table) == 1
    row = table.iloc[0]
    assert (row["drawn"], row["repaid"]) == (D("0.00"), D("0.00"))
    assert row["multiple"] is None
    assert row["irr_reason"] == "fewer than two cash flows"


def test_returns_of_a_contract_without_investors_are_empty(con, people, contract_id):
    table = investors.investor_returns(con, people.auditor, contract_id)
    assert table.empty and list(table.columns) == investors.RETURN_COLUMNS


def test_returns_of_an_unknown_contract_are_refused(con, people, contract_id):
    with pytest.raises(NotFound):
        investors.investor_returns(con, people.auditor, contract_id + 99)


def test_a_flow_changed_outside_the_services_is_found(con, people, contract_id):
    investor_id = add(con, people, contract_id).entity_id
    flow_id = flow(con, people, investor_id, "drawdown", "1000.00", "2021-01-01").entity_id
    con.execute("UPDATE pbr_investor_flow SET amount = 9000.00 WHERE flow_id = ?", [flow_id])
    found = audit.verify(con, people.auditor)
    assert not found.ok
    assert f"PbR investor flow #{flow_id}" in found.problem
