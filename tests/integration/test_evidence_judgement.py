"""Where each experiment stands as a test: its plan's status, the gate on money, and the
verdict and level derived as at a chosen day.

Results and lessons have their own tests; these hold the judgement's plan-side rules, and a
database made before plans existed (schema version 7) keeps its money moving.
"""

from __future__ import annotations

import re
from datetime import timedelta

import duckdb
import pytest

from fund import audit, db, ledger, register
from fund.errors import PermissionDenied, ValidationError
from fund.evidence import judgement, override, plans
from fund.evidence.judgement import NO_PLAN, NO_REGISTERED_PLAN, REGISTERED
from fund.ledger import posting
from tests.conftest import FULL_PLAN, build_people, build_portfolio, key

TARGET = posting._COMMIT_TARGET  # the commitment's target as the ledger reads it now


def row_of(con, experiment_id: int, **kwargs):
    found = judgement.judgements(con, **kwargs)
    return found[found["experiment_id"] == experiment_id].iloc[0]


def new_experiment(con, people, funded, title="Untested idea") -> int:
    return register.add_experiment(
        con,
        people.manager,
        programme_id=funded.programme_id,
        title=title,
        instrument="pbr_contract",
        phase=1,
        risk_rating="high",
        official="Pat Official",
        user_involvement="informed",
        key=key(),
    ).entity_id


def test_a_commitment_to_an_experiment_with_no_plan_is_refused_naming_it(con, people, funded):
    experiment_id = new_experiment(con, people, funded)

    with pytest.raises(ValidationError) as refused:
        ledger.commit(
            con,
            people.manager,
            experiment_id=experiment_id,
            amount="500.00",
            counterparty="Provider",
            reason="award",
            key=key(),
        )

    assert refused.value.field == "evaluation plan"
    assert f"experiment #{experiment_id} 'Untested idea'" in refused.value.rule
    assert row_of(con, experiment_id)["plan_status"] == NO_PLAN
    assert row_of(con, experiment_id)["evidence_level"] == 0


def test_an_above_limit_request_without_a_plan_is_refused_too(con, people, funded):
    experiment_id = new_experiment(con, people, funded)

    with pytest.raises(ValidationError, match="no registered evaluation plan"):
        ledger.commit(
            con,
            people.manager,
            experiment_id=experiment_id,
            amount="50000.00",
            counterparty="Provider",
            reason="award",
            key=key(),
        )


def test_a_registered_plan_opens_the_experiment_to_money_and_reaches_level_one(con, people, funded):
    experiment_id = new_experiment(con, people, funded)
    plans.register_plan(con, people.manager, experiment_id, FULL_PLAN, key=key(), reason="plan")

    ledger.commit(
        con,
        people.manager,
        experiment_id=experiment_id,
        amount="500.00",
        counterparty="Provider",
        reason="award",
        key=key(),
    )

    row = row_of(con, experiment_id)
    assert row["plan_status"] == REGISTERED
    assert row["evidence_level"] == 1
    assert row["verdict"] is None  # no results yet
    assert audit.verify(con, people.auditor).ok


def test_the_judgement_as_at_a_day_before_the_plan_shows_none(con, people, funded):
    experiment_id = new_experiment(con, people, funded)
    yesterday = db.today() - timedelta(days=1)
    plans.register_plan(con, people.manager, experiment_id, FULL_PLAN, key=key(), reason="plan")

    assert row_of(con, experiment_id)["plan_status"] == REGISTERED
    assert experiment_id not in judgement.judgements(con, as_of=yesterday)["experiment_id"].values


def test_a_board_member_reads_the_judgement_without_officials_names(con, people, funded):
    for_board = judgement.for_reader(con, people.board)
    for_auditor = judgement.for_reader(con, people.auditor)

    assert "official" not in for_board.columns
    assert "official" in for_auditor.columns
    with pytest.raises(PermissionDenied):
        judgement.for_reader(con, people.admin)


def test_an_experiment_without_results_has_no_verdict_to_override(con, people, funded):
    with pytest.raises(ValidationError, match="no results with a target"):
        override.override_verdict(
            con,
            people.manager,
            funded.experiments["pbr_contract"],
            "scale",
            key=key(),
            reason="we think it works",
        )


@pytest.fixture
def version_seven(tmp_path, monkeypatch):
    """A database at schema version 7, before plans, holding a commitment: made by the ledger
    as it was then, without the gate, the risk appetite or the small-grant policy (whose
    tables do not exist yet)."""
    monkeypatch.setattr(posting, "_open_to_money", lambda con, experiment, imported: None)
    before_appetite = re.sub(r"EXISTS \(SELECT 1 FROM risk_appetite[^)]*\)", "FALSE", TARGET)
    before_grants = re.sub(
        r"CASE WHEN x\.instrument = 'small_grant'.*? END", "NULL", before_appetite, flags=re.S
    )
    monkeypatch.setattr(posting, "_COMMIT_TARGET", before_grants)
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMP NOT NULL)"
    )
    for version, name, sql in db.migrations()[:7]:
        con.execute(sql)
        if version in db._FINISH:
            db._finish(con, db._FINISH[version])
        con.execute("INSERT INTO schema_version VALUES (?, ?, ?)", [version, name, db.utc_now()])
    people = build_people(con)
    portfolio = build_portfolio(con, people, with_plans=False)
    experiment_id = portfolio.experiments["pbr_contract"]
    ledger.allocate(
        con, people.manager, programme_id=portfolio.programme_id, amount="5000.00",
        reason="start", key=key(),
    )  # fmt: skip
    ledger.commit(
        con, people.manager, experiment_id=experiment_id, amount="1000.00",
        counterparty="Provider", reason="award", key=key(),
    )  # fmt: skip
    con.close()
    monkeypatch.undo()
    return path, people, experiment_id


def test_money_held_before_plans_is_marked_and_never_refused_for_that_alone(version_seven):
    path, people, experiment_id = version_seven
    con = db.connect(path)

    row = row_of(con, experiment_id)
    assert row["plan_status"] == NO_REGISTERED_PLAN
    assert row["evidence_level"] == 0
    ledger.commit(
        con,
        people.manager,
        experiment_id=experiment_id,
        amount="200.00",
        counterparty="Provider",
        reason="second award",
        key=key(),
    )
    assert audit.verify(con, people.auditor).ok


def test_a_plan_registered_once_money_is_held_is_the_registered_version(version_seven):
    path, people, experiment_id = version_seven
    con = db.connect(path)

    plans.register_plan(con, people.manager, experiment_id, FULL_PLAN, key=key(), reason="late")
    plans.amend_plan(
        con,
        people.manager,
        experiment_id,
        FULL_PLAN | {"target_effect": "0.01"},
        key=key(),
        reason="a smaller target",
    )

    history = plans.history(con, people.auditor, experiment_id)
    assert history.registered.version == 1
    assert history.latest.version == 2
    row = row_of(con, experiment_id)
    assert (row["plan_status"], row["registered_version"], row["latest_version"]) == (
        REGISTERED,
        1,
        2,
    )
    assert row["plan_amended"]
    assert str(row["target_effect"]) == "0.0500"  # the registered target, not the amended one
