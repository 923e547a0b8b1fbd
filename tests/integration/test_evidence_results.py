"""An experiment's results on the database: a file or a summary, estimated by the design of
the registered plan, stored whole with its observations (or cells) in one audited write, or
refused with nothing written."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from fund import audit, ledger
from fund.errors import (
    FileRefused,
    NotFound,
    PermissionDenied,
    RingfenceError,
    ValidationError,
    describe,
)
from fund.evidence import estimate, observations, plans, results
from tests.conftest import FULL_PLAN, key
from tests.integration.helpers import nothing_written

TREATED = [12.0, 15.0, 11.0, 14.0, 16.0, 13.0]
COMPARISON = [10.0, 9.0, 12.0, 8.0, 11.0, 10.0]
EVIDENCE_TABLES = ("result_set", "result_observation", "result_cell")


def results_file(treated=TREATED, comparison=COMPARISON, post: int = 1) -> str:
    rows = [f"treated,2026-Q1,{post},{v}" for v in treated]
    rows += [f"comparison,2026-Q1,{post},{v}" for v in comparison]
    return "group,period,post,value\n" + "\n".join(rows) + "\n"


def stored(con) -> dict[str, int]:
    return {
        table: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in EVIDENCE_TABLES
    }


@pytest.fixture
def contract(portfolio) -> int:
    """The payment-by-results contract: a full test whose registered design is two-group."""
    return portfolio.experiments["pbr_contract"]


def test_a_results_file_is_stored_with_its_estimate_and_audited(con, people, contract):
    text = results_file()
    written = results.upload_results(con, people.manager, contract, text, key=key(), reason="Q1")
    expected = estimate.estimate(observations.read(text), "two-group")
    (row,) = con.execute(
        "SELECT experiment_id, plan_id, source, file_sha256, design, method, effect, ci_low,"
        " ci_high, n, treated_post_mean, evaluator FROM result_set WHERE result_id = ?",
        [written.entity_id],
    ).fetchall()
    registered = plans.registered_plan(con, contract)
    assert row[:6] == (
        contract,
        registered.plan_id,
        "file",
        hashlib.sha256(text.encode()).hexdigest(),
        "two-group",
        "Welch t",
    )
    assert row[6:9] == pytest.approx((expected.effect, expected.ci_low, expected.ci_high))
    assert row[9:] == (12, pytest.approx(np.mean(TREATED)), None)
    assert stored(con)["result_observation"] == 12
    assert written.said == (
        f"Results #{written.entity_id} of experiment #{contract} (Trial of pbr_contract), judged"
        " against plan version 1: effect +3.500 (95% CI 1.345 to 5.655) on 12 observations,"
        " by Welch t."
    )
    (states,) = con.execute(
        "SELECT list(tbl ORDER BY tbl) FROM audit_state WHERE audit_seq ="
        " (SELECT max(seq) FROM audit_log)"
    ).fetchone()
    assert states == ["result_observation", "result_set"]
    assert audit.verify(con, people.auditor).ok


def test_the_observations_are_read_back_in_the_files_order(con, people, contract):
    text = "unit,group,period,post,value\n" + "".join(
        f"u{n},{'treated' if n % 2 else 'comparison'},2026-Q1,1,{v}\n"
        for n, v in enumerate([3, 4, 5, 6, 7, 9, 2, 8])
    )
    result_id = results.upload_results(
        con, people.manager, contract, text, key=key(), reason="r"
    ).entity_id
    found = results.observations(con, people.auditor, result_id)
    assert list(found.columns) == ["group", "period", "post", "value", "unit"]
    assert found["value"].tolist() == [3, 4, 5, 6, 7, 9, 2, 8]
    assert found["unit"].tolist()[:2] == ["u0", "u1"]
    assert found["group"].tolist()[:2] == ["comparison", "treated"]
    assert "unit" not in results.observations(con, people.board, result_id).columns
    with pytest.raises(NotFound):
        results.observations(con, people.board, 999)


def test_the_same_upload_with_the_same_key_writes_once(con, people, contract):
    k = key()
    first = results.upload_results(con, people.manager, contract, results_file(), key=k, reason="r")
    with nothing_written(con):
        again = results.upload_results(
            con, people.manager, contract, results_file(), key=k, reason="r"
        )
    assert again.replayed and again.entity_id == first.entity_id
    assert again.said == f"Results #{first.entity_id} were recorded before."


def test_a_refused_file_writes_nothing_and_names_every_bad_row(con, people, contract):
    text = "group,period,post,value\ncontrol,1,1,3\ntreated,1,1,lots\ntreated,1,2,4\n"
    before = stored(con)
    with nothing_written(con), pytest.raises(FileRefused) as refused:
        results.upload_results(con, people.manager, contract, text, key=key(), reason="r")
    said = describe(refused.value)
    assert "row 2/group: 'control' is not treated or comparison" in said
    assert "row 3/value: 'lots' is not a number" in said
    assert "row 4/post: '2' is not 0 or 1" in said
    assert stored(con) == before


def test_a_file_the_registered_design_cannot_estimate_writes_nothing(con, people, contract):
    with nothing_written(con), pytest.raises(FileRefused) as refused:
        results.upload_results(
            con, people.manager, contract, results_file(post=0), key=key(), reason="r"
        )
    assert "belong to a did design; a two-group design compares the groups after it" in describe(
        refused.value
    )


def test_results_are_judged_by_the_registered_design_not_a_later_amendment(
    con, people, funded, contract
):
    fm = people.manager
    ledger.commit(
        con, fm, experiment_id=contract, amount="5000", counterparty="A", reason="r", key=key()
    )
    did = {**FULL_PLAN, "design": "did", "target_effect": "0.01"}
    plans.amend_plan(con, fm, contract, did, key=key(), reason="change of heart")
    written = results.upload_results(con, fm, contract, results_file(), key=key(), reason="r")
    design, version = con.execute(
        "SELECT r.design, p.version FROM result_set AS r JOIN evaluation_plan AS p"
        " USING (plan_id) WHERE result_id = ?",
        [written.entity_id],
    ).fetchone()
    assert (design, version) == ("two-group", 1)
    assert "judged against plan version 1" in written.said


def test_a_plan_changed_between_the_estimate_and_the_write_refuses_it(
    con, people, contract, monkeypatch
):
    """Before money the latest version is the registered one: an amendment made while the
    estimate was being made would leave it judged by a design no longer registered."""
    fm = people.manager
    real = estimate.estimate

    def amended_meanwhile(found, design):
        changed = {**FULL_PLAN, "design": "did"}
        plans.amend_plan(con, fm, contract, changed, key=key(), reason="meanwhile")
        return real(found, design)

    monkeypatch.setattr(estimate, "estimate", amended_meanwhile)
    before = stored(con)
    with pytest.raises(ValidationError) as refused:
        results.upload_results(con, fm, contract, results_file(), key=key(), reason="r")
    assert "changed meanwhile" in describe(refused.value)
    assert "try again" in describe(refused.value)
    assert stored(con) == before


def test_an_experiment_with_no_plan_or_design_none_has_nothing_to_estimate(con, people, portfolio):
    grant = portfolio.experiments["small_grant"]
    with nothing_written(con), pytest.raises(ValidationError) as refused:
        results.upload_results(con, people.manager, grant, results_file(), key=key(), reason="r")
    assert describe(refused.value) == (
        f"design: the registered plan of experiment #{grant} 'Trial of small_grant' has design"
        " none: a small grant with design none has no comparison to estimate"
    )
    con.execute("DELETE FROM evaluation_plan WHERE experiment_id = ?", [grant])
    with nothing_written(con), pytest.raises(ValidationError) as refused:
        results.upload_results(con, people.manager, grant, results_file(), key=key(), reason="r")
    assert "has no registered evaluation plan" in describe(refused.value)
    assert "Trial of small_grant" in describe(refused.value)
    with nothing_written(con), pytest.raises(NotFound):
        results.upload_results(con, people.manager, 999, results_file(), key=key(), reason="r")


# --- a summary -------------------------------------------------------------------------------

SUMMARY = [
    {"group": "treated", "post": "1", "n": "120", "mean": "54.2", "sd": "11.3"},
    {"group": "comparison", "post": "1", "n": "100", "mean": "50", "sd": "9.5"},
]


def test_a_summary_is_stored_with_its_cells_and_audited(con, people, contract):
    written = results.record_summary(
        con,
        people.manager,
        contract,
        SUMMARY,
        evaluator="Northborough University",
        key=key(),
        reason="independent evaluation",
    )
    source, sha, method, n, mean, evaluator = con.execute(
        "SELECT source, file_sha256, method, n, treated_post_mean, evaluator FROM result_set"
        " WHERE result_id = ?",
        [written.entity_id],
    ).fetchone()
    assert (source, sha, method, n, mean) == ("summary", None, "Welch t from a summary", 220, 54.2)
    assert evaluator == "Northborough University"
    cells = con.execute(
        "SELECT treated, post, n, mean, sd FROM result_cell WHERE result_id = ?"
        " ORDER BY treated DESC",
        [written.entity_id],
    ).fetchall()
    assert cells == [(True, True, 120, 54.2, 11.3), (False, True, 100, 50.0, 9.5)]
    assert written.said.endswith(
        "Recorded as the independent evaluation of Northborough University."
    )
    assert audit.verify(con, people.auditor).ok


def test_a_summary_missing_a_cell_the_design_needs_is_refused(con, people, contract):
    with nothing_written(con), pytest.raises(FileRefused) as refused:
        results.record_summary(con, people.manager, contract, SUMMARY[:1], key=key(), reason="r")
    assert describe(refused.value) == (
        "cells: the comparison cell after the start (post 1) is missing: a two-group design"
        " needs it"
    )


def test_every_bad_cell_is_refused_at_once(con, people, contract):
    bad = [{**SUMMARY[0], "n": "1"}, {**SUMMARY[1], "sd": "-2"}, SUMMARY[0]]
    with nothing_written(con), pytest.raises(FileRefused) as refused:
        results.record_summary(con, people.manager, contract, bad, key=key(), reason="r")
    assert [p.place for p in refused.value.problems] == ["cells/0/n", "cells/1/sd"]


# --- reading and who may write ---------------------------------------------------------------


def test_result_sets_are_listed_newest_first_without_names_for_the_board(con, people, contract):
    fm = people.manager
    first = results.upload_results(con, fm, contract, results_file(), key=key(), reason="r")
    second = results.record_summary(con, fm, contract, SUMMARY, key=key(), reason="r")
    listed = results.results(con, people.auditor, contract)
    assert listed["result_id"].tolist() == [second.entity_id, first.entity_id]
    assert listed["plan_version"].tolist() == [1, 1]
    assert listed["recorded_by"].tolist() == ["Mo Manager", "Mo Manager"]
    assert "recorded_by" not in results.results(con, people.board, contract).columns


@pytest.mark.parametrize("role", ["auditor", "board", "admin"])
def test_only_a_fund_manager_records_results(con, people, contract, role):
    reader = getattr(people, role)
    with nothing_written(con), pytest.raises(PermissionDenied):
        results.upload_results(con, reader, contract, "not even a file", key=key(), reason="r")
    with nothing_written(con), pytest.raises(PermissionDenied):
        results.record_summary(con, reader, contract, SUMMARY, key=key(), reason="r")


@pytest.mark.parametrize("evaluator", ["x" * 201, "\ud800"], ids=["too long", "not UTF-8"])
def test_an_evaluators_name_is_checked(con, people, contract, evaluator):
    with nothing_written(con), pytest.raises(RingfenceError) as refused:
        results.upload_results(
            con,
            people.manager,
            contract,
            results_file(),
            evaluator=evaluator,
            key=key(),
            reason="r",
        )
    assert refused.value.field == "evaluator"
