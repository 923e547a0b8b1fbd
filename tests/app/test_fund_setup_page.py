"""The Ring-fences and programmes page: the ring-fences with their declared amount and
delegated limit, the programmes with their target and money; declaring, adding and editing
them, each confirmed in words, each refusal named by field with the person's work kept.

The fixture ``funded`` has ring-fences #1 'Innovation Fund' (£1,000,000.00, delegated limit
£10,000.00; programmes #1 'Young people into work' with £100,000.00 allocated and #2
'Financial inclusion') and #2 'Second Fund' (£200,000.00, no programmes).
"""

from datetime import date
from decimal import Decimal

import pytest

from fund.auth import Role
from tests.app.helpers import counts, errors, form_key, grew, select, submit, successes, visible

PAGE = "pages/fund_setup.py"
D = Decimal


def section(at, label: str):
    """Open one of the page's sections (tabs), as clicking its tab does."""
    at.session_state["setup-section"] = label
    return at.run()


def field(at, form: str, name: str):
    return at.text_input(key=form_key(at, form, name))


def area(at, form: str, name: str):
    return at.text_area(key=form_key(at, form, name))


def tables(at):
    ringfences, programmes = (d.value for d in at.dataframe)
    return ringfences, programmes


# --- what the page shows ----------------------------------------------------------------------


def test_the_ring_fences_show_their_declared_amount_and_delegated_limit(app, people, funded):
    at = app(people.manager, PAGE)

    ringfences, _ = tables(at)
    assert ringfences[["name", "declared_amount", "delegated_limit"]].values.tolist() == [
        ["Innovation Fund", D("1000000.00"), D("10000.00")],
        ["Second Fund", D("200000.00"), D("10000.00")],
    ]


def test_the_programmes_show_their_target_beside_their_money(app, people, funded):
    at = app(people.manager, PAGE)

    _, programmes = tables(at)
    shown = programmes.set_index("programme")
    assert shown.loc["Young people into work", "target"] == (
        "Halve youth unemployment in the borough"
    )
    assert shown.loc["Young people into work", ["allocated", "committed"]].tolist() == [
        D("100000.00"),
        D("0.00"),
    ]
    assert shown.loc["Financial inclusion", "ringfence"] == "Innovation Fund"
    assert shown.loc["Young people into work", "experiments"] == 4


# --- declaring and adding ---------------------------------------------------------------------


def declare(at, *, name="Youth Fund", amount="£250,000", limit="5,000", reason="cabinet"):
    form = "declare-ringfence"
    field(at, form, "name").input(name)
    field(at, form, "owner").input("Northborough Council")
    field(at, form, "years").input("2026-27")
    field(at, form, "amount").input(amount)
    field(at, form, "limit").input(limit)
    at.date_input(key=form_key(at, form, "advertised")).set_value(date(2026, 4, 1))
    area(at, form, "purpose").input("Try new youth services")
    field(at, form, "reason").input(reason)
    return submit(at, "Declare ring-fence")


def test_declaring_a_ring_fence_writes_it_and_says_so(app, people, funded, con):
    at = app(people.manager, PAGE)
    before = counts(con)

    declare(at)

    assert not errors(at)
    assert successes(at) == [
        "Ring-fence #3 'Youth Fund' declared: £250,000.00, delegated limit £5,000.00."
    ]
    assert grew(before, counts(con)) == {"audit_log": 1}
    assert con.execute(
        "SELECT name, declared_amount, delegated_limit, advertised_on FROM ringfence"
        " WHERE ringfence_id = 3"
    ).fetchone() == ("Youth Fund", D("250000.00"), D("5000.00"), date(2026, 4, 1))
    ringfences, _ = tables(at)
    assert "Youth Fund" in ringfences["name"].tolist()
    assert field(at, "declare-ringfence", "name").value == ""  # emptied for the next one


def test_a_refused_declaration_names_the_field_and_keeps_what_was_typed(app, people, funded, con):
    at = app(people.manager, PAGE)
    before = counts(con)

    declare(at, name="Second Fund")

    assert errors(at) == ["name: a ring-fence called 'Second Fund' already exists"]
    assert grew(before, counts(con)) == {}
    assert field(at, "declare-ringfence", "amount").value == "£250,000"
    assert area(at, "declare-ringfence", "purpose").value == "Try new youth services"

    field(at, "declare-ringfence", "name").input("Youth Fund")
    field(at, "declare-ringfence", "limit").input("300,000")
    submit(at, "Declare ring-fence")
    assert errors(at) == [
        "delegated limit: must not exceed the ring-fence's £250,000.00, not £300,000.00"
    ]


def test_adding_a_programme_to_a_ring_fence_says_where(app, people, funded, con):
    at = app(people.manager, PAGE)
    section(at, "Add a programme")
    select(at, "Ring-fence").set_value(funded.other_ringfence_id)
    field(at, "add-programme", "name").input("Mental health")
    area(at, "add-programme", "target").input("Shorter waits for talking therapy")
    field(at, "add-programme", "reason").input("board agreed")

    submit(at, "Add programme")

    assert successes(at) == ["Programme #3 'Mental health' added to ring-fence 'Second Fund'."]
    assert con.execute(
        "SELECT ringfence_id, target FROM programme WHERE name = 'Mental health'"
    ).fetchone() == (funded.other_ringfence_id, "Shorter waits for talking therapy")
    assert at.session_state["setup-section"] == "Add a programme"  # the section stays open


# --- editing ------------------------------------------------------------------------------------


def test_editing_a_ring_fence_starts_from_its_values_and_says_what_changed(
    app, people, funded, con
):
    at = app(people.manager, PAGE)
    section(at, "Edit a ring-fence")
    select(at, "Ring-fence").set_value(funded.ringfence_id).run()
    form = f"edit-ringfence-{funded.ringfence_id}"
    assert field(at, form, "name").value == "Innovation Fund"
    assert field(at, form, "limit").value == "£10,000.00"
    assert "Declared amount £1,000,000.00" in at.caption[-1].value

    field(at, form, "limit").input("£7,500")
    area(at, form, "purpose").input("Test new ways to help residents into work")
    field(at, form, "reason").input("cabinet raised the limit")
    submit(at, "Save ring-fence")

    assert successes(at) == [
        "Ring-fence #1 'Innovation Fund': purpose changed; "
        "delegated limit now £7,500.00 (was £10,000.00)."
    ]
    assert con.execute(
        "SELECT declared_amount, delegated_limit FROM ringfence WHERE ringfence_id = 1"
    ).fetchone() == (D("1000000.00"), D("7500.00"))
    assert field(at, form, "limit").value == "£7,500.00"  # the form shows what is now saved


@pytest.mark.parametrize(
    ("name", "typed", "message"),
    [
        ("reason", "nothing really", "ring-fence: nothing to change"),
        ("owner", " ", "owner body: is required"),
        ("limit", "2,000,000", "delegated limit: must not exceed the ring-fence's £1,000,000.00"),
        ("limit", "1.005", "delegated limit: must have at most two decimal places"),
        ("name", "Second Fund", "name: a ring-fence called 'Second Fund' already exists"),
    ],
)
def test_refused_ring_fence_edits_name_the_field_and_write_nothing(
    app, people, funded, con, name, typed, message
):
    at = app(people.manager, PAGE)
    section(at, "Edit a ring-fence")
    form = f"edit-ringfence-{funded.ringfence_id}"
    field(at, form, "reason").input("restated")
    field(at, form, name).input(typed)
    before = counts(con)

    submit(at, "Save ring-fence")

    (shown,) = errors(at)
    assert shown.startswith(message), shown
    assert grew(before, counts(con)) == {}
    assert field(at, form, name).value == typed


def test_renaming_a_programme_and_restating_its_target(app, people, funded, con):
    at = app(people.manager, PAGE)
    section(at, "Edit a programme")
    select(at, "Programme").set_value(funded.programme_id).run()
    form = f"edit-programme-{funded.programme_id}"
    assert field(at, form, "name").value == "Young people into work"

    field(at, form, "name").input("Youth services")
    area(at, form, "target").input("Halve youth unemployment by 2028")
    field(at, form, "reason").input("plainer name, dated target")
    submit(at, "Save programme")

    assert successes(at) == [
        "Programme #1 'Youth services': renamed from 'Young people into work'; target changed."
    ]
    _, programmes = tables(at)
    assert "Youth services" in programmes["programme"].tolist()


def test_a_programme_cannot_take_another_programmes_name(app, people, funded, con):
    at = app(people.manager, PAGE)
    section(at, "Edit a programme")
    select(at, "Programme").set_value(funded.programme_id).run()
    form = f"edit-programme-{funded.programme_id}"
    before = counts(con)

    field(at, form, "name").input("Financial inclusion")
    field(at, form, "reason").input("merge")
    submit(at, "Save programme")

    assert errors(at) == ["name: a programme called 'Financial inclusion' already exists"]
    assert grew(before, counts(con)) == {}
    assert field(at, form, "name").value == "Financial inclusion"


# --- who may use the page ---------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.BOARD_MEMBER, Role.ADMIN])
def test_roles_without_the_portfolio_permission_see_only_not_permitted(app, people, funded, role):
    at = app(people.by_role()[role], PAGE)

    assert not at.exception
    assert visible(at) == ["error"]
    (message,) = errors(at)
    assert message.startswith("Not permitted:")
    assert message.endswith("cannot manage ring-fences, programmes and experiments.")


def test_the_page_is_in_a_fund_managers_menu_only(app, people, funded, menus):
    for role, person in people.by_role().items():
        app(person)
        assert ("Ring-fences and programmes" in menus[-1]) == (role is Role.FUND_MANAGER)


# --- risk appetite ----------------------------------------------------------------------------


def test_a_risk_appetite_is_declared_and_its_position_shown(app, con, people, funded):
    at = section(app(people.manager, PAGE), "Risk appetite")
    assert "No risk appetite is declared yet." in [i.value for i in at.info]
    select(at, "Ring-fence").set_value(funded.ringfence_id).run()
    field(at, "declare-appetite", "high").input("40")
    field(at, "declare-appetite", "instrument").input("60")
    field(at, "declare-appetite", "counterparty").input("15")
    field(at, "declare-appetite", "reason").input("set by the board")
    submit(at, "Declare risk appetite")

    assert successes(at) == [
        "Risk appetite of Innovation Fund declared as version 1: high-risk experiments 40.00%,"
        " per instrument 60.00%, per counterparty 15.00%."
    ]
    shown = at.dataframe[-1].value
    assert shown[["subject", "share_limit", "limit_amount"]].values.tolist() == [
        ["High risk", "40.00%", D("400000.00")]
    ]


def test_a_bad_percentage_is_named_and_nothing_is_written(app, con, people, funded):
    at = section(app(people.manager, PAGE), "Risk appetite")
    before = counts(con)
    select(at, "Ring-fence").set_value(funded.ringfence_id).run()
    field(at, "declare-appetite", "high").input("140")
    field(at, "declare-appetite", "instrument").input("60")
    field(at, "declare-appetite", "counterparty").input("15")
    field(at, "declare-appetite", "reason").input("set by the board")
    submit(at, "Declare risk appetite")

    assert errors(at) == ["high-risk share: must be at most 100%, not 140%"]
    assert counts(con) == before
