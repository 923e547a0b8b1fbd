"""Impact maps saved per experiment, versioned, audited, and computed on the ledger's money."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from fund import audit, ledger, register
from fund.errors import FileRefused, PermissionDenied, ValidationError
from fund.sroi import report, service
from tests.conftest import key
from tests.integration.helpers import nothing_written

OUTCOME = {
    "stakeholder": "young people",
    "outcome": "into sustained work",
    "indicator": "in work at 26 weeks",
    "quantity": "4",
    "proxy": "5000.00",
    "proxy_source": "fiscal saving per person into work (DWP)",
    "duration_years": 3,
    "start_year": 1,
    "deadweight": "0.25",
    "displacement": "0.1",
    "attribution": "0.2",
    "drop_off": "0.1",
    "justifications": {
        "deadweight": "a quarter would have found work anyway (DWP cohort)",
        "displacement": "new vacancies, few jobs displaced",
        "attribution": "a fifth is the college's work",
        "drop_off": "a tenth leave work each year",
    },
}
MAP = {"price_year": "2024/25", "outcomes": [OUTCOME]}


def save(con, actor, experiment_id, document=MAP, reason="first assessment"):
    return service.save_document(con, actor, experiment_id, document, key=key(), reason=reason)


@pytest.fixture
def trial(con, people, funded):
    """The small-grant trial with £20,000.00 committed, £12,000.00 paid, £2,000.00 recovered."""
    experiment_id = funded.experiments["small_grant"]
    manager = people.manager
    commitment = ledger.commit(
        con,
        manager,
        experiment_id=experiment_id,
        amount="9000.00",
        counterparty="Youth Trust",
        reason="award",
        key=key(),
    ).entity_id
    ledger.pay(con, manager, commitment_id=commitment, amount="6000.00", reason="first", key=key())
    ledger.recover(
        con, manager, commitment_id=commitment, amount="1000.00", reason="back", key=key()
    )
    return experiment_id


def test_inputs_are_payments_less_recoveries_and_partners_match_funding(con, people, trial):
    inputs = report.ledger_inputs(con, trial)[trial]
    assert [(i.description, i.amount) for i in inputs] == [
        ("Paid to Youth Trust, less recoveries", Decimal("5000.00")),
        ("Match funding (cash) from Youth Trust", Decimal("2500.00")),
        ("Match funding (in kind) from Northborough University", Decimal("1500.00")),
    ]
    assert inputs[0].source.startswith("ledger: commitment #")
    assert "paid £6,000.00, recovered £1,000.00" in inputs[0].source


def test_a_saved_map_computes_on_the_ledgers_inputs(con, people, trial):
    written = save(con, people.manager, trial)
    assert written.said.startswith(
        f"Impact map of experiment #{trial} (Trial of small_grant) saved as version 1"
    )
    found = report.report(con, people.auditor, trial)
    assert found.stored.version == 1 and found.stored.saved_by == "Mo Manager"
    assert found.result.inputs_total == Decimal("9000.00")
    # 4 × £5,000 × 0.75 × 0.9 × 0.8 = £10,800 in year 1, less a tenth a year after.
    assert found.result.values_by_year == (
        Decimal("10800.00"),
        Decimal("9720.00"),
        Decimal("8748.00"),
    )
    assert found.result.complete
    assert found.schedule.name == "green-book-standard"


def test_every_save_is_a_new_version_and_an_old_one_still_computes_as_it_was(con, people, trial):
    save(con, people.manager, trial)
    revised = copy.deepcopy(MAP)
    revised["outcomes"][0]["quantity"] = "6"
    written = save(con, people.manager, trial, revised, reason="six into work, not four")
    assert "version 2" in written.said
    assert report.report(con, people.board, trial).stored.version == 2
    first = report.report(con, people.board, trial, version=1)
    assert first.result.values_by_year[0] == Decimal("10800.00")
    assert first.versions == 2


def test_saving_the_same_map_again_is_refused_and_writes_nothing(con, people, trial):
    save(con, people.manager, trial)
    with nothing_written(con), pytest.raises(ValidationError, match="same as version 1"):
        save(con, people.manager, trial)


def test_a_bad_map_is_refused_whole_and_nothing_is_stored(con, people, trial):
    broken = copy.deepcopy(MAP)
    broken["outcomes"][0]["deadweight"] = "1.2"
    broken["outcomes"].append(dict(OUTCOME, proxy_code="NO-SUCH", proxy=None))
    with nothing_written(con), pytest.raises(FileRefused) as refused:
        save(con, people.manager, trial, broken)
    assert [p.message() for p in refused.value.problems] == [
        "outcomes/0/deadweight: 1.2 is not a fraction between 0 and 1",
        "outcomes/1/proxy_code: no proxy 'NO-SUCH' in the library",
    ]


def test_a_library_proxy_is_restated_to_the_maps_price_year(con, people, trial):
    coded = copy.deepcopy(MAP)
    del coded["outcomes"][0]["proxy"]
    coded["outcomes"][0]["proxy_code"] = "CR1.0"  # £500.00 in 2002/03 prices
    save(con, people.manager, trial, coded)
    outcome = report.report(con, people.manager, trial).impact_map.outcomes[0]
    assert outcome.proxy_code == "CR1.0"
    assert outcome.proxy > Decimal("500.00")


@pytest.mark.parametrize("who", ["auditor", "board"])
def test_only_fund_managers_edit_impact_maps(con, people, trial, who):
    with nothing_written(con), pytest.raises(PermissionDenied):
        save(con, getattr(people, who), trial)


def test_board_members_read_the_result_without_who_saved_it(con, people, trial):
    save(con, people.manager, trial)
    assert report.report(con, people.board, trial).stored.saved_by == ""


def test_an_experiment_without_a_map_has_no_report(con, people, trial):
    assert report.report(con, people.manager, trial) is None
    with pytest.raises(Exception, match="no version"):
        report.report(con, people.manager, trial, version=3)


def test_a_replayed_save_writes_once(con, people, trial):
    same_key = key()
    first = service.save_document(con, people.manager, trial, MAP, key=same_key, reason="r")
    again = service.save_document(con, people.manager, trial, MAP, key=same_key, reason="r")
    assert again.replayed and again.entity_id == first.entity_id


def test_the_fund_ratio_is_total_value_over_total_inputs_never_an_average(
    con, people, trial, funded
):
    save(con, people.manager, trial)
    other = funded.experiments["pbr_contract"]  # no money paid: only partners' £4,000.00
    small = copy.deepcopy(MAP)
    small["outcomes"][0]["quantity"] = "1"
    save(con, people.manager, other, small)
    rows = report.experiment_results(con, people.manager).set_index("experiment_id")
    fund = report.position(con, people.manager).iloc[0]
    assert fund["inputs"] == rows["inputs"].sum() == Decimal("13000.00")
    assert fund["present_value"] == rows["present_value"].sum()
    assert fund["sroi_ratio"] == pytest.approx(float(fund["present_value"] / fund["inputs"]))
    assert fund["sroi_ratio"] != pytest.approx(rows["sroi_ratio"].mean())
    by_instrument = report.position(con, people.manager, by="instrument")
    assert len(by_instrument) == 2 and by_instrument["incomplete"].sum() == 0


def test_an_impact_map_changed_outside_the_services_is_named_by_verify(con, people, trial):
    save(con, people.manager, trial)
    assert audit.verify(con, people.auditor).ok
    con.execute("UPDATE impact_outcome SET quantity = 40")
    check = audit.verify(con, people.auditor)
    assert "the outcomes of impact map #1 is not what audit row" in check.problem


def test_a_revised_schedule_applies_to_new_versions_and_old_ones_compute_as_they_were(
    con, people, trial
):
    save(con, people.manager, trial)
    before = report.report(con, people.manager, trial)
    # A revision as a later migration would load it: a new edition of the same schedule.
    con.execute(
        "INSERT INTO discount_schedule VALUES (99, 'green-book-standard', DATE '2026-06-01',"
        " 'a revised schedule'); INSERT INTO discount_band VALUES (99, 0, NULL, 0.02)"
    )
    again = report.report(con, people.manager, trial)
    assert again.schedule.effective_from.isoformat() == "2003-01-01"
    assert again.result.present_value == before.result.present_value
    revised = copy.deepcopy(MAP)
    revised["outcomes"][0]["quantity"] = "5"
    save(con, people.manager, trial, revised, reason="after the revision")
    latest = report.report(con, people.manager, trial)
    assert latest.schedule.effective_from.isoformat() == "2026-06-01"
    assert latest.schedule.rate(1) == Decimal("0.02")
    old = report.report(con, people.manager, trial, version=1)
    assert old.result.present_value == before.result.present_value


def test_the_present_value_stored_with_a_version_is_what_the_engine_computes(con, people, trial):
    save(con, people.manager, trial)
    stored = con.execute("SELECT present_value, gaps FROM impact_map").fetchone()
    computed = report.report(con, people.manager, trial).result
    assert stored == (computed.present_value, len(computed.gaps))


def test_a_map_worth_more_than_the_fund_can_record_is_refused_plainly(con, people, trial):
    huge = copy.deepcopy(MAP)
    huge["outcomes"][0] |= {"quantity": "1000000000", "proxy": "9999999999999.99"}
    with nothing_written(con), pytest.raises(ValidationError, match="largest amount the fund"):
        save(con, people.manager, trial, huge)


def test_a_map_whose_experiment_has_no_inputs_yet_counts_in_no_ratio(con, people, trial, funded):
    save(con, people.manager, trial)
    before = report.position(con, people.manager).iloc[0]
    empty = register.add_experiment(
        con,
        people.manager,
        programme_id=funded.programme_id,
        title="Nothing paid yet",
        instrument="small_grant",
        phase=1,
        risk_rating="low",
        official="Pat",
        user_involvement="informed",
        key=key(),
    ).entity_id
    save(con, people.manager, empty)
    fund = report.position(con, people.manager).iloc[0]
    assert (fund["experiments"], fund["without_inputs"]) == (2, 1)
    assert (fund["inputs"], fund["present_value"]) == (before["inputs"], before["present_value"])
    assert fund["sroi_ratio"] == before["sroi_ratio"]
    assert fund["price_years"] == "2024/25"


def test_board_members_read_the_total_paid_not_each_commitment(con, people, trial):
    save(con, people.manager, trial)
    board = report.report(con, people.board, trial).impact_map.inputs
    auditor = report.report(con, people.auditor, trial).impact_map.inputs
    assert board[0].description == "Paid by the fund, less recoveries"
    assert board[0].source == "ledger: 1 commitment of the experiment"
    assert "Youth Trust, less" not in " ".join(i.description for i in board)
    assert sum(i.amount for i in board) == sum(i.amount for i in auditor)
    assert board[1:] == auditor[1:]  # partners' match funding, the same for both
