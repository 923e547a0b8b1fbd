"""The lessons register on a real database: lessons recorded as versions, every blank named,
experiments closed only with a lesson and no money left open, and lessons found by text, tag,
verdict, programme and instrument, as each reader may see them; every write audited."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from fund import audit, db, ledger, register
from fund.errors import FileRefused, NotFound, PermissionDenied, ValidationError, describe
from fund.evidence import results
from fund.lessons import register as lessons
from fund.lessons import search
from fund.lessons.register import STOPPED
from tests.conftest import key
from tests.integration.helpers import nothing_written

LESSON = {
    "what_worked": "Peer mentors kept young people in their first job",
    "what_did_not": "Employers did not refer anyone",
    "do_differently": "Recruit employers before mentors",
    "transfers_to": "Any programme placing people in work; other boroughs",
    "tags": "Mentoring, employment ,mentoring",
}


def record(con, people, experiment_id, **changes):
    return lessons.record_lesson(
        con, people.manager, experiment_id, {**LESSON, **changes}, key=key(), reason="learnt"
    )


def close(con, people, experiment_id):
    return lessons.close_experiment(
        con, people.manager, experiment_id, key=key(), reason="experiment over"
    )


def cells(treated_mean: str, comparison_mean: str) -> list[dict[str, str]]:
    """Results after the start: 1,000 in each group, a spread of 0.05 (a narrow interval)."""
    return [
        {"group": group, "post": "1", "n": "1000", "mean": mean, "sd": "0.05"}
        for group, mean in (("treated", treated_mean), ("comparison", comparison_mean))
    ]


def judged(con, people, experiment_id, treated_mean: str, comparison_mean: str) -> None:
    """Record results against the plan (target +0.05; kill below 0.30, past its date)."""
    results.record_summary(
        con,
        people.manager,
        experiment_id,
        cells(treated_mean, comparison_mean),
        key=key(),
        reason="results in",
    )


# --- recording ---------------------------------------------------------------------------


def test_a_lesson_is_recorded_as_version_one_and_revised_as_version_two(con, people, funded):
    zone = funded.experiments["experimental_zone"]
    first = record(con, people, zone)
    assert (
        first.said
        == f"Lesson of experiment #{zone} (Trial of experimental_zone) recorded as version 1."
    )
    second = record(con, people, zone, what_did_not="Employers referred too late")
    assert second.said.endswith("recorded as version 2.")
    rows = con.execute(
        "SELECT version, what_did_not, tags FROM lesson WHERE experiment_id = ? ORDER BY version",
        [zone],
    ).fetchall()
    assert rows == [
        (1, "Employers did not refer anyone", ["employment", "mentoring"]),
        (2, "Employers referred too late", ["employment", "mentoring"]),
    ]


def test_a_lesson_that_says_nothing_new_is_refused(con, people, funded):
    zone = funded.experiments["experimental_zone"]
    record(con, people, zone)
    with nothing_written(con), pytest.raises(ValidationError) as refused:
        record(con, people, zone, tags=["EMPLOYMENT", " Mentoring"])
    assert describe(refused.value) == "lesson: is the same as version 1; nothing was saved"


def test_every_empty_field_of_a_lesson_is_named_at_once(con, people, funded):
    given = {"what_worked": "  ", "what_did_not": "", "transfers_to": None}
    with nothing_written(con), pytest.raises(FileRefused) as refused:
        lessons.record_lesson(
            con, people.manager, funded.experiments["small_grant"], given, key=key(), reason="r"
        )
    assert [p.place for p in refused.value.problems] == [
        "what_worked",
        "what_did_not",
        "do_differently",
        "transfers_to",
    ]
    assert describe(refused.value).startswith("what_worked: is required and must not be blank; ")


def test_a_scaling_route_is_one_of_the_four(con, people, funded):
    grant = funded.experiments["small_grant"]
    with nothing_written(con), pytest.raises(FileRefused) as refused:
        record(con, people, grant, scaling_route="viral")
    assert describe(refused.value).startswith(
        "scaling_route: must be one of uncontrolled_diffusion"
    )
    record(con, people, grant, scaling_route="Direct diffusion")
    assert con.execute("SELECT scaling_route FROM lesson").fetchall() == [("direct_diffusion",)]


def test_a_lesson_for_an_experiment_that_does_not_exist_is_refused(con, people, funded):
    with nothing_written(con), pytest.raises(NotFound) as refused:
        record(con, people, 999)
    assert describe(refused.value) == "experiment: no experiment 999"


def test_an_auditor_cannot_record_a_lesson(con, people, funded):
    with nothing_written(con), pytest.raises(PermissionDenied):
        lessons.record_lesson(
            con, people.auditor, funded.experiments["small_grant"], LESSON, key=key(), reason="r"
        )


# --- closing -----------------------------------------------------------------------------


def test_an_experiment_cannot_be_closed_without_a_lesson(con, people, funded):
    grant = funded.experiments["small_grant"]
    with nothing_written(con), pytest.raises(ValidationError) as refused:
        close(con, people, grant)
    assert describe(refused.value) == (
        f"lesson: experiment #{grant} 'Trial of small_grant' cannot be closed without a lesson:"
        " record what worked, what did not, what we would do differently and where it transfers"
    )


def test_an_experiment_with_money_not_yet_paid_cannot_be_closed(con, people, funded):
    grant = funded.experiments["small_grant"]
    record(con, people, grant)
    award = ledger.commit(
        con,
        people.manager,
        experiment_id=grant,
        amount="5000",
        counterparty="Youth Trust",
        reason="award",
        key=key(),
    ).entity_id
    ledger.pay(con, people.manager, commitment_id=award, amount="1200.50", reason="r", key=key())
    with nothing_written(con), pytest.raises(ValidationError) as refused:
        close(con, people, grant)
    assert describe(refused.value) == (
        f"experiment: experiment #{grant} 'Trial of small_grant' cannot be closed while money"
        f" to it is still open: commitment #{award} to Youth Trust has £3,799.50 not yet paid"
        " (£3,799.50 in all): pay or decommit what is still open"
    )
    ledger.decommit(
        con, people.manager, commitment_id=award, amount="3799.50", reason="r", key=key()
    )
    assert close(con, people, grant).said == (
        f"Experiment #{grant} 'Trial of small_grant' closed with lesson version 1."
    )


def test_an_experiment_with_a_commitment_waiting_for_approval_cannot_be_closed(con, people, funded):
    contract = funded.experiments["pbr_contract"]
    record(con, people, contract)
    request = ledger.commit(
        con,
        people.manager,
        experiment_id=contract,
        amount="50000",
        counterparty="Acme",
        reason="bid",
        key=key(),
    ).entity_id
    with nothing_written(con), pytest.raises(ValidationError) as refused:
        close(con, people, contract)
    assert (
        f"request #{request} for a £50,000.00 commitment to Acme waits for approval: decide it"
        " first" in describe(refused.value)
    )
    ledger.decide(
        con, people.second_manager, request_id=request, approve=False, reason="no", key=key()
    )
    assert close(con, people, contract).entity_id == contract


def test_an_experiment_is_closed_once(con, people, funded):
    grant = funded.experiments["small_grant"]
    record(con, people, grant)
    close(con, people, grant)
    with nothing_written(con), pytest.raises(ValidationError) as refused:
        close(con, people, grant)
    assert "is already closed (on " in describe(refused.value)
    assert describe(refused.value).endswith("with lesson version 1)")


def test_a_closed_experiment_takes_no_new_commitment(con, people, funded):
    grant = funded.experiments["small_grant"]
    record(con, people, grant)
    close(con, people, grant)
    with nothing_written(con), pytest.raises(ValidationError) as refused:
        ledger.commit(
            con,
            people.manager,
            experiment_id=grant,
            amount="100",
            counterparty="Youth Trust",
            reason="more",
            key=key(),
        )
    assert "is closed: it takes no new commitment" in describe(refused.value)


def test_closing_keeps_the_lesson_version_it_was_closed_with(con, people, funded):
    grant = funded.experiments["small_grant"]
    record(con, people, grant)
    close(con, people, grant)
    record(con, people, grant, do_differently="Start with employers")
    (version,) = con.execute(
        "SELECT l.version FROM experiment_closure AS c JOIN lesson AS l USING (lesson_id)"
    ).fetchone()
    assert version == 1


def test_an_auditor_cannot_close_an_experiment(con, people, funded):
    grant = funded.experiments["small_grant"]
    record(con, people, grant)
    with nothing_written(con), pytest.raises(PermissionDenied):
        lessons.close_experiment(con, people.auditor, grant, key=key(), reason="r")


def test_stopped_with_a_lesson_is_called_a_success(con, people, funded):
    zone = funded.experiments["experimental_zone"]
    judged(con, people, zone, "0.35", "0.45")  # the whole interval below the target
    recorded = record(con, people, zone)
    assert recorded.said.endswith(f"recorded as version 1. {STOPPED}")
    assert close(con, people, zone).said.endswith(f"closed with lesson version 1. {STOPPED}")


def test_a_lesson_of_an_experiment_that_scaled_says_no_more(con, people, funded):
    zone = funded.experiments["experimental_zone"]
    judged(con, people, zone, "0.60", "0.40")
    assert STOPPED not in record(con, people, zone).said


# --- searching ---------------------------------------------------------------------------


@pytest.fixture
def register_of_lessons(con, people, funded):
    """Lessons of four experiments: one stopped, one scaled, one not yet judged (revised
    once), and one in the other programme; by id."""
    zone, contract, grant = (
        funded.experiments[name] for name in ("experimental_zone", "pbr_contract", "small_grant")
    )
    elsewhere = register.add_experiment(
        con,
        people.manager,
        programme_id=funded.other_programme_id,
        title="Credit union in the library",
        instrument="small_grant",
        phase=1,
        risk_rating="low",
        official="Lee Official",
        user_involvement="user-led",
        key=key(),
    ).entity_id
    judged(con, people, zone, "0.35", "0.45")
    judged(con, people, contract, "0.60", "0.40")
    record(con, people, zone, what_worked="Waiving the 16-hour rule got 50% more starts")
    record(con, people, contract, tags="outcomes, investors")
    record(con, people, grant, tags=["mentoring"])
    record(con, people, grant, tags=["mentoring", "youth"], what_worked="Mentors, again")
    record(con, people, elsewhere, transfers_to="Every library", tags="banking")
    return {"zone": zone, "contract": contract, "grant": grant, "elsewhere": elsewhere}


def ids(found) -> list[int]:
    return found["experiment_id"].tolist()


def test_search_gives_each_experiments_latest_lesson_newest_first(con, people, register_of_lessons):
    r = register_of_lessons
    found = search.search(con, people.manager)
    assert ids(found) == [r["elsewhere"], r["grant"], r["contract"], r["zone"]]
    grant = found[found["experiment_id"] == r["grant"]].iloc[0]
    assert (grant["version"], grant["what_worked"]) == (2, "Mentors, again")
    assert list(grant["tags"]) == ["mentoring", "youth"]


def test_search_shows_where_each_experiment_stands_as_a_test(con, people, register_of_lessons):
    r = register_of_lessons
    close(con, people, r["zone"])
    found = search.search(con, people.manager).set_index("experiment_id")
    assert found.loc[r["zone"], ["verdict", "derived_verdict", "closed"]].tolist() == [
        "stop",
        "stop",
        True,
    ]
    assert found.loc[r["contract"], "verdict"] == "scale"
    assert found.loc[r["grant"], "verdict"] is None
    assert not found.loc[r["grant"], "closed"]
    assert found.loc[r["zone"], "evidence_level"] >= 1


def test_text_is_found_in_any_case_and_taken_literally(con, people, register_of_lessons):
    r = register_of_lessons
    assert ids(search.search(con, people.manager, text="EMPLOYERS")) == [
        r["elsewhere"],
        r["grant"],
        r["contract"],
        r["zone"],
    ]
    assert ids(search.search(con, people.manager, text="16-HOUR")) == [r["zone"]]
    assert ids(search.search(con, people.manager, text="50%")) == [r["zone"]]
    assert ids(search.search(con, people.manager, text="5_%")) == []
    assert ids(search.search(con, people.manager, text="every library")) == [r["elsewhere"]]
    assert ids(search.search(con, people.manager, text="credit UNION")) == [r["elsewhere"]]


def test_a_tag_is_matched_exactly_in_any_case(con, people, register_of_lessons):
    r = register_of_lessons
    assert ids(search.search(con, people.manager, tag=" Mentoring ")) == [r["grant"], r["zone"]]
    assert ids(search.search(con, people.manager, tag="mentor")) == []
    assert ids(search.search(con, people.manager, tag="youth")) == [r["grant"]]


def test_lessons_are_found_by_verdict_programme_and_instrument(con, people, register_of_lessons):
    r = register_of_lessons
    fm = people.manager
    assert ids(search.search(con, fm, verdict="stop")) == [r["zone"]]
    assert ids(search.search(con, fm, verdict="Scale")) == [r["contract"]]
    assert ids(search.search(con, fm, verdict="adapt")) == []
    other = con.execute(
        "SELECT programme_id FROM experiment WHERE experiment_id = ?", [r["elsewhere"]]
    ).fetchone()[0]
    assert ids(search.search(con, fm, programme_id=str(other))) == [r["elsewhere"]]
    assert ids(search.search(con, fm, instrument="small grant")) == [r["elsewhere"], r["grant"]]
    assert ids(search.search(con, fm, instrument="pbr_contract", tag="investors")) == [
        r["contract"]
    ]


def test_a_bad_filter_is_refused_naming_it(con, people, register_of_lessons):
    with pytest.raises(ValidationError) as refused:
        search.search(con, people.manager, verdict="great")
    assert describe(refused.value).startswith("verdict: must be one of scale, adapt, stop")
    with pytest.raises(ValidationError) as refused:
        search.search(con, people.manager, instrument="bond")
    assert describe(refused.value).startswith("instrument: must be one of small_grant")


def test_a_search_as_of_a_day_sees_only_the_lessons_recorded_by_then(
    con, people, register_of_lessons
):
    assert search.search(con, people.manager, as_of=db.today() - timedelta(days=1)).empty


def test_a_board_member_sees_lessons_without_the_officials_names(con, people, register_of_lessons):
    seen = search.search(con, people.board)
    assert len(seen) == 4
    assert not {"official", "recorded_by"} & set(seen.columns)
    by_manager = search.search(con, people.manager)
    assert set(by_manager["official"]) == {"Pat Official", "Lee Official"}
    assert set(by_manager["recorded_by"]) == {"Mo Manager"}
    history = search.lesson_history(con, people.board, register_of_lessons["grant"])
    assert "recorded_by" not in history.columns


def test_an_experiments_lesson_history_is_newest_first(con, people, register_of_lessons):
    history = search.lesson_history(con, people.auditor, register_of_lessons["grant"])
    assert history["version"].tolist() == [2, 1]
    assert history["what_worked"].tolist() == ["Mentors, again", LESSON["what_worked"]]
    assert history["reason"].tolist() == ["learnt", "learnt"]
    assert search.lesson_history(con, people.auditor, register_of_lessons["contract"])[
        "version"
    ].tolist() == [1]


# --- exporting ---------------------------------------------------------------------------


def test_the_export_never_lets_a_lesson_run_as_a_formula(con, people, funded):
    grant = funded.experiments["small_grant"]
    record(
        con,
        people,
        grant,
        what_worked='=HYPERLINK("http://evil.example","click")',
        tags="@risky, plain",
    )
    text = search.export(con, people.auditor)
    assert "\r\n" in text
    (row,) = csv.DictReader(io.StringIO(text))
    assert row["What worked"] == '\'=HYPERLINK("http://evil.example","click")'
    assert row["Tags"] == "'@risky; plain"
    assert row["Instrument"] == "Small grant"
    assert row["Responsible official"] == "Pat Official"


def test_a_board_member_cannot_export_lessons(con, people, funded):
    record(con, people, funded.experiments["small_grant"])
    with pytest.raises(PermissionDenied):
        search.export(con, people.board)


# --- the audit trail ----------------------------------------------------------------------


def test_every_lesson_and_closing_is_audited_and_the_chain_verifies(con, people, funded):
    grant = funded.experiments["small_grant"]
    before = con.execute("SELECT max(seq) FROM audit_log").fetchone()[0]
    lesson_id = record(con, people, grant).entity_id
    close(con, people, grant)
    rows = con.execute(
        "SELECT operation, entity, entity_id, actor, reason FROM audit_log WHERE seq > ?"
        " ORDER BY seq",
        [before],
    ).fetchall()
    assert rows == [
        ("record lesson", "lesson", lesson_id, "manager", "learnt"),
        ("close experiment", "experiment closure", grant, "manager", "experiment over"),
    ]
    states = con.execute(
        "SELECT tbl, row_key FROM audit_state WHERE audit_seq > ? ORDER BY audit_seq", [before]
    ).fetchall()
    assert states == [("lesson", str(lesson_id)), ("experiment_closure", str(grant))]
    assert audit.verify(con, people.auditor).ok


def test_a_lesson_replays_with_its_key(con, people, funded):
    grant = funded.experiments["small_grant"]
    first = lessons.record_lesson(con, people.manager, grant, LESSON, key="lesson-1", reason="r")
    again = lessons.record_lesson(con, people.manager, grant, LESSON, key="lesson-1", reason="r")
    assert again.replayed
    assert again.entity_id == first.entity_id
    assert con.execute("SELECT count(*) FROM lesson").fetchone()[0] == 1
