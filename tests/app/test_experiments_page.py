"""The experiments page: the list of experiments with their money, phase and official;
create and edit experiments with their partners (every row as typed: an incomplete one is
refused by its number, match funding shown and read as pounds), move them through the
lifecycle one phase at a time, record how they spread; bad input names the field and writes
nothing, and a success says what was done in words.

The fixture ``funded`` has four experiments in "Young people into work", each in
1 design & discovery with two partners (Northborough University, Youth Trust).
"""

from decimal import Decimal

import pytest

from fund import ledger, lifecycle
from fund.auth import Role
from fund.register import Instrument, Involvement, RiskRating
from tests.app.helpers import (
    counts,
    errors,
    grew,
    refused_each,
    select,
    submit,
    submit_with_table,
    successes,
    text,
    visible,
)
from tests.conftest import key

PAGE = "pages/experiments.py"
D = Decimal
# As the editor offers them: sector and role in words.
BUS_CO = {
    "name": "Bus Co",
    "sector": "Business",
    "role": "Investor",
    "match_cash": "1,000.00",
    "match_in_kind": "0.00",
}


def open_experiment(at, experiment_id: int | None):
    return select(at, "Experiment").set_value(experiment_id).run()


def fill_new(at, *, title="Night buses", official="Jo Official", programme=None):
    text(at, "Title").input(title)
    text(at, "Responsible official").input(official)
    text(at, "Reason").input("new experiment")  # typed: a reason is never filled in for you
    if programme is not None:
        select(at, "Programme").set_value(programme)


def move(at, to_phase: int, reason: str = "evaluation says go", failed: bool = False):
    select(at, "Move to").set_value(to_phase)
    at.checkbox[0].set_value(failed)
    text(at, "Reason for the move").input(reason)
    return submit(at, "Record move")


def phase_of(con, experiment_id: int) -> int:
    return con.execute(
        "SELECT phase FROM experiment WHERE experiment_id = ?", [experiment_id]
    ).fetchone()[0]


def partners_of(con, experiment_id: int) -> list[tuple]:
    return con.execute(
        "SELECT p.name, p.sector, ep.role, ep.match_cash, ep.match_in_kind"
        " FROM experiment_partner AS ep JOIN partner AS p USING (partner_id)"
        " WHERE ep.experiment_id = ? ORDER BY p.name, ep.role",
        [experiment_id],
    ).fetchall()


# --- create and edit ------------------------------------------------------------------


def test_creating_an_experiment_with_partners_writes_it_and_its_partners(app, people, funded, con):
    at = app(people.manager, PAGE)
    fill_new(at, programme=funded.other_programme_id)
    select(at, "Instrument").set_value(Instrument.EXPERIMENTAL_ZONE)
    select(at, "Risk rating").set_value(RiskRating.HIGH)
    select(at, "Service-user involvement").set_value(Involvement.USER_LED)
    select(at, "Starting phase").set_value(0)
    before = counts(con)

    submit_with_table(
        at,
        "Save experiment",
        added=[
            BUS_CO,
            {
                "name": "Youth Trust",
                "sector": "Civil society",
                "role": "Broker",
                "match_cash": "0.00",
                "match_in_kind": "250.50",
            },
        ],
    )

    assert not errors(at)
    assert successes(at) == [
        "Experiment #5 'Night buses' added to programme 'Financial inclusion' with 2 partners."
    ]
    assert grew(before, counts(con)) == {
        "experiment": 1,
        "partner": 1,  # Youth Trust is already registered
        "experiment_partner": 2,
        "audit_log": 1,
    }
    assert con.execute(
        "SELECT programme_id, title, instrument, phase, risk_rating, official, user_involvement"
        " FROM experiment WHERE experiment_id = 5"
    ).fetchone() == (
        funded.other_programme_id,
        "Night buses",
        "experimental_zone",
        0,
        "high",
        "Jo Official",
        "user-led",
    )
    assert partners_of(con, 5) == [
        ("Bus Co", "business", "investor", D("1000.00"), D("0.00")),
        ("Youth Trust", "civil_society", "broker", D("0.00"), D("250.50")),
    ]
    assert con.execute("SELECT count(*) FROM ledger_entry").fetchone() == (1,)


def test_editing_an_experiment_changes_its_fields_and_replaces_its_partners(
    app, people, funded, con
):
    grant = funded.experiments["small_grant"]
    at = app(people.manager, PAGE)
    open_experiment(at, grant)
    assert text(at, "Title").value == "Trial of small_grant"
    assert text(at, "Reason").value == ""
    text(at, "Title").input("Small grants for youth clubs")
    text(at, "Responsible official").input("Jo Official")
    select(at, "Risk rating").set_value(RiskRating.HIGH)
    text(at, "Reason").input("scope agreed with the clubs")
    before = counts(con)

    submit_with_table(
        at,
        "Save experiment",
        edited={0: {"match_in_kind": "2,000.00"}},  # Northborough University
        deleted=[1],  # Youth Trust
        added=[BUS_CO],
    )

    assert not errors(at)
    assert successes(at) == ["Experiment #1 'Small grants for youth clubs' saved with 2 partners."]
    assert grew(before, counts(con)) == {"partner": 1, "audit_log": 1}
    assert con.execute(
        "SELECT title, risk_rating, official, phase FROM experiment WHERE experiment_id = ?",
        [grant],
    ).fetchone() == ("Small grants for youth clubs", "high", "Jo Official", 1)
    assert partners_of(con, grant) == [
        ("Bus Co", "business", "investor", D("1000.00"), D("0.00")),
        ("Northborough University", "university", "evaluator", D("0.00"), D("2000.00")),
    ]
    # The other experiments' partners are untouched.
    assert len(partners_of(con, funded.experiments["pbr_contract"])) == 2


def test_bad_experiment_input_names_the_field_and_writes_nothing(app, people, funded, con):
    at = app(people.manager, PAGE)
    fill_new(at)

    def with_partner(**change):
        return lambda at: submit_with_table(at, "Save experiment", added=[{**BUS_CO, **change}])

    refused_each(
        at,
        con,
        [
            (
                lambda at: fill_new(at, title="  ") or submit(at, "Save experiment"),
                "title",
                "is required",
            ),
            (
                lambda at: fill_new(at, official="") or submit(at, "Save experiment"),
                "responsible official",
                "is required",
            ),
            (
                lambda at: fill_new(at) or with_partner(match_cash="-5.00")(at),
                "row 1",
                "match funding (cash): must not be negative",
            ),
            (
                with_partner(match_in_kind="12.345"),
                "row 1",
                "match funding (in kind): must have at most two decimal places",
            ),
            (with_partner(match_cash="lots"), "row 1", "match funding (cash): must be a number"),
            (
                lambda at: submit_with_table(at, "Save experiment", added=[BUS_CO, BUS_CO]),
                "row 2",
                "partner: 'Bus Co' is already listed as investor in row 1",
            ),
            # Checked inside the transaction: the experiment row must not be left behind.
            (
                with_partner(name="Youth Trust", sector="Business"),
                "row 1",
                "partner sector: 'Youth Trust' is already registered as civil society",
            ),
        ],
    )

    open_experiment(at, funded.experiments["small_grant"])
    refused_each(
        at,
        con,
        [(lambda at: submit(at, "Save experiment"), "reason", "is required")],
    )


def test_an_experiment_with_money_committed_cannot_change_programme(app, people, funded, con):
    grant = funded.experiments["small_grant"]
    ledger.commit(
        con,
        people.manager,
        experiment_id=grant,
        amount="5000.00",
        counterparty="Youth Trust",
        reason="grant agreed",
        key=key(),
    )
    at = app(people.manager, PAGE)
    open_experiment(at, grant)
    select(at, "Programme").set_value(funded.other_programme_id)
    text(at, "Reason").input("belongs elsewhere")
    before = counts(con)

    submit(at, "Save experiment")

    (message,) = errors(at)
    assert message.startswith("programme: money is committed to this experiment")
    assert grew(before, counts(con)) == {}


# --- the lifecycle --------------------------------------------------------------------


def test_a_lifecycle_move_records_the_move_and_changes_the_phase(app, people, funded, con):
    grant = funded.experiments["small_grant"]
    at = app(people.manager, PAGE)
    open_experiment(at, grant)
    assert select(at, "Move to").value == 2  # the next phase is offered
    before = counts(con)

    move(at, 2, "pilot worked in two wards")

    assert not errors(at)
    assert successes(at) == [
        "Experiment #1 'Trial of small_grant' advanced from 1 design & discovery to 2 mobilisation (lifecycle move #1)."
    ]
    assert grew(before, counts(con)) == {"lifecycle_move": 1, "audit_log": 1}
    assert phase_of(con, grant) == 2
    assert con.execute(
        "SELECT experiment_id, from_phase, to_phase, outcome, reason, actor_id FROM lifecycle_move"
    ).fetchall() == [(grant, 1, 2, "advanced", "pilot worked in two wards", people.manager.user_id)]
    history = at.dataframe[-1].value
    assert list(history["from_phase"]) == ["1 design & discovery"]
    assert list(history["to_phase"]) == ["2 mobilisation"]
    assert list(history["outcome"]) == ["Advanced"]
    assert list(history["by"]) == ["Mo Manager"]

    # Falling back to an earlier phase is a move too.
    at.run()
    move(at, 1, "funding partner withdrew")
    assert successes(at) == [
        "Experiment #1 'Trial of small_grant' reversed from 2 mobilisation to 1 design & discovery (lifecycle move #2)."
    ]
    assert phase_of(con, grant) == 1
    assert con.execute("SELECT outcome FROM lifecycle_move WHERE move_id = 2").fetchone() == (
        "reversed",
    )


def test_a_failed_attempt_is_recorded_and_the_phase_stays(app, people, funded, con):
    grant = funded.experiments["small_grant"]
    at = app(people.manager, PAGE)
    open_experiment(at, grant)

    move(at, 2, "no provider came forward", failed=True)

    assert successes(at) == [
        "Experiment #1 'Trial of small_grant': the attempt to reach 2 mobilisation failed; it stays in"
        " 1 design & discovery (lifecycle move #1)."
    ]
    assert phase_of(con, grant) == 1
    assert con.execute("SELECT from_phase, to_phase, outcome FROM lifecycle_move").fetchall() == [
        (1, 2, "failed")
    ]


def test_a_skipped_phase_and_other_impossible_moves_are_refused(app, people, funded, con):
    at = app(people.manager, PAGE)
    open_experiment(at, funded.experiments["small_grant"])

    refused_each(
        at,
        con,
        [
            (
                lambda at: move(at, 3),
                "phase",
                "experiments advance one phase at a time: from 1 design & discovery the next "
                "is 2 mobilisation",
            ),
            (lambda at: move(at, 1), "phase", "already in 1 design & discovery"),
            (lambda at: move(at, 0, failed=True), "outcome", "only an attempt to advance can fail"),
            (lambda at: move(at, 2, reason=" "), "reason", "is required"),
        ],
    )
    assert phase_of(con, funded.experiments["small_grant"]) == 1


def test_a_scaling_route_is_recorded_only_once_the_experiment_has_spread(app, people, funded, con):
    grant = funded.experiments["small_grant"]
    at = app(people.manager, PAGE)
    open_experiment(at, grant)
    text(at, "How it spread").input("neighbouring council copied it")

    refused_each(
        at,
        con,
        [
            (
                lambda at: submit(at, "Record scaling route"),
                "scaling route",
                "an experiment in 1 design & discovery has not spread yet",
            )
        ],
    )

    for phase in (2, 3):
        lifecycle.move(
            con, people.manager, experiment_id=grant, to_phase=phase, reason="grew", key=key()
        )
    at.run()
    select(at, "Scaling route").set_value(lifecycle.ScalingRoute.TAKEOVER)
    before = counts(con)
    submit(at, "Record scaling route")

    assert successes(at) == [
        "Experiment #1 'Trial of small_grant': scaling route recorded (Takeover by an existing organisation)."
    ]
    assert grew(before, counts(con)) == {"scaling_record": 1, "audit_log": 1}
    assert con.execute("SELECT experiment_id, route, reason FROM scaling_record").fetchall() == [
        (grant, "takeover", "neighbouring council copied it")
    ]


# --- what the page shows after a write --------------------------------------------------


def test_after_a_move_the_form_offers_the_next_phase_it_would_record(app, people, funded, con):
    """The page reruns after a move, so the next move records what the form now shows."""
    grant = funded.experiments["small_grant"]
    at = app(people.manager, PAGE)
    open_experiment(at, grant)
    move(at, 2, "pilot worked")
    assert select(at, "Move to").value == 3
    assert text(at, "Reason for the move").value == ""  # emptied for the next entry

    text(at, "Reason for the move").input("spread to the county")
    submit(at, "Record move")

    assert phase_of(con, grant) == 3
    assert con.execute("SELECT count(*) FROM lifecycle_move").fetchone() == (2,)


def test_after_a_move_the_heading_shows_the_new_phase(app, people, funded, con):
    at = app(people.manager, PAGE)
    open_experiment(at, funded.experiments["small_grant"])

    move(at, 2, "pilot worked")

    assert successes(at) == [
        "Experiment #1 'Trial of small_grant' advanced from 1 design & discovery to 2 mobilisation (lifecycle move #1)."
    ]
    assert at.subheader[0].value == "Lifecycle: now in 2 mobilisation"


def test_pressing_save_twice_creates_one_experiment(app, people, funded, con):
    at = app(people.manager, PAGE)
    fill_new(at)
    before = counts(con)

    submit(at, "Save experiment")
    submit(at, "Save experiment")

    assert grew(before, counts(con)) == {"experiment": 1, "audit_log": 1}


def test_a_cleared_match_funding_cell_gets_a_plain_message(app, people, funded, con):
    at = app(people.manager, PAGE)
    open_experiment(at, funded.experiments["small_grant"])
    text(at, "Reason").input("university pays nothing")

    submit_with_table(at, "Save experiment", edited={0: {"match_cash": None}})

    assert not any("float" in message for message in errors(at)), errors(at)


def test_editing_shows_the_experiments_own_phase(app, people, funded, con):
    at = app(people.manager, PAGE)

    open_experiment(at, funded.experiments["small_grant"])

    assert text(at, "Phase").value == "1 design & discovery"
    assert text(at, "Phase").disabled


# --- who may use the page ---------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.BOARD_MEMBER, Role.ADMIN])
def test_roles_without_the_portfolio_permission_see_only_not_permitted(app, people, funded, role):
    at = app(people.by_role()[role], PAGE)

    assert not at.exception
    assert visible(at) == ["error"]
    (message,) = errors(at)
    assert message.startswith("Not permitted:")
    assert message.endswith("cannot manage ring-fences, programmes and experiments.")


# --- partner rows as typed (issue 9, bug 4) ----------------------------------------------------


def test_a_partner_row_without_sector_or_role_is_refused_and_the_form_keeps_its_work(
    app, people, funded, con
):
    at = app(people.manager, PAGE)
    fill_new(at)
    before = counts(con)

    submit_with_table(
        at,
        "Save experiment",
        added=[BUS_CO, {"name": "Peer Trust", "match_cash": "12,500.00"}],
    )

    assert errors(at) == ["row 2: partner sector and role: are required"]
    assert not successes(at)
    assert grew(before, counts(con)) == {}
    assert text(at, "Title").value == "Night buses"
    assert text(at, "Responsible official").value == "Jo Official"


def test_an_incomplete_row_added_to_an_experiment_leaves_its_partners_as_they_were(
    app, people, funded, con
):
    grant = funded.experiments["small_grant"]
    at = app(people.manager, PAGE)
    open_experiment(at, grant)
    text(at, "Reason").input("a new partner")
    partners = partners_of(con, grant)

    submit_with_table(at, "Save experiment", added=[{"name": "Peer Trust", "role": "Broker"}])

    assert errors(at) == ["row 3: partner sector: is required"]
    assert partners_of(con, grant) == partners


def test_a_row_with_match_funding_but_no_partner_is_refused_not_dropped(app, people, funded, con):
    at = app(people.manager, PAGE)
    fill_new(at)
    before = counts(con)

    submit_with_table(at, "Save experiment", added=[BUS_CO, {"match_in_kind": "£750"}])

    assert errors(at) == ["row 2: partner name, sector and role: are required"]
    assert grew(before, counts(con)) == {}


def test_a_row_added_and_left_empty_is_no_partner(app, people, funded, con):
    at = app(people.manager, PAGE)
    fill_new(at)

    submit_with_table(at, "Save experiment", added=[{}, BUS_CO, {"name": None, "role": None}])

    assert successes(at) == [
        "Experiment #5 'Night buses' added to programme 'Financial inclusion' with 1 partner."
    ]
    assert partners_of(con, 5) == [("Bus Co", "business", "investor", D("1000.00"), D("0.00"))]


# --- match funding as money -------------------------------------------------------------------


def test_match_funding_is_shown_as_pounds_in_the_partner_editor(app, people, funded):
    at = app(people.manager, PAGE)

    open_experiment(at, funded.experiments["small_grant"])

    (editor,) = at.data_editor
    assert editor.value[["name", "match_cash", "match_in_kind"]].values.tolist() == [
        ["Northborough University", "£0.00", "£1,500.00"],
        ["Youth Trust", "£2,500.00", "£0.00"],
    ]


@pytest.mark.parametrize(("typed", "saved"), [("£12,500", "12500.00"), ("12,500.50", "12500.50")])
def test_match_funding_is_read_as_people_type_pounds(app, people, funded, con, typed, saved):
    grant = funded.experiments["small_grant"]
    at = app(people.manager, PAGE)
    open_experiment(at, grant)
    text(at, "Reason").input("the university pays too")

    submit_with_table(at, "Save experiment", edited={0: {"match_cash": typed}})

    assert not errors(at)
    assert partners_of(con, grant)[0] == (
        "Northborough University",
        "university",
        "evaluator",
        D(saved),
        D("1500.00"),
    )


# --- the list of experiments ------------------------------------------------------------------


def listed(at):
    return at.dataframe[0]


def test_the_list_shows_every_experiment_with_its_money_phase_programme_and_official(
    app, people, committed
):
    at = app(people.manager, PAGE)

    table = listed(at).value
    assert list(table.columns) == [
        "experiment_id",
        "title",
        "phase",
        "official",
        "committed",
        "paid",
        "programme",
    ]
    grant = table[table["experiment_id"] == committed.experiments["small_grant"]].iloc[0]
    assert (grant["programme"], grant["phase"], grant["official"]) == (
        "Young people into work",
        "1 design & discovery",
        "Pat Official",
    )
    assert (grant["committed"], grant["paid"]) == (D("8000.00"), D("0.00"))
    assert len(table) == 4


def test_picking_a_row_in_the_list_opens_that_experiment(app, people, funded):
    at = app(people.manager, PAGE)
    table = listed(at)
    row = table.value["experiment_id"].tolist().index(funded.experiments["pbr_contract"])

    at.session_state[table.key] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    at.run()

    assert select(at, "Experiment").value == funded.experiments["pbr_contract"]
    assert text(at, "Title").value == "Trial of pbr_contract"

    # The select box still chooses, while the list keeps showing its pick.
    open_experiment(at, funded.experiments["social_venture"])
    assert text(at, "Title").value == "Trial of social_venture"
