"""The Small grants page: fund managers see the ring-fence's small-grant policy and every
tab with its forms; auditors read every tab and get no form; board members and admins are
refused. Applications recorded and decided through the page's forms land in the services'
figures to the penny; a decline needs a reason; an award above the delegated limit waits for
a second fund manager; a 360Giving CSV imports through the upload, and a bad one is refused
with every problem named and nothing written."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from fund.grants import applications, policy, queries
from tests.app.helpers import button, counts, errors, form_key, grew, successes
from tests.conftest import key
from tests.integration.helpers import grant_policy

PAGE = "pages/grants.py"
TABS = ["Applications", "Awards", "Reports due", "Split awards", "Import", "Export"]
FORMS = ("Record application", "Award", "Record report", "Close", "Reverse decision", "Import")
FLAT = (
    "Identifier,Title,Description,Currency,Amount Awarded,Award Date,"
    "Recipient Org:Identifier,Recipient Org:Name,Funding Org:Identifier,Funding Org:Name\n"
)


def declare_policy(con, people, portfolio):
    """The shared small-grant policy (tests/integration/helpers.grant_policy) for the
    portfolio's ring-fence."""
    grant_policy(con, people, portfolio.ringfence_id)
    return portfolio


@pytest.fixture
def grants(con, people, funded):
    """The funded portfolio with its small-grant policy declared."""
    return declare_policy(con, people, funded)


def applied(con, people, portfolio, amount="3000.00", recipient="Hillside Tenants Group", **more):
    values = {
        "programme_id": portfolio.programme_id,
        "applicant_type": "service_user_group",
        "applicant": "Sam Applicant",
        "recipient": recipient,
        "title": "Job club in the community centre",
        "purpose": "Weekly job club run by tenants for young people",
        "amount": amount,
        "planned_start": "2026-01-05",
        "planned_end": "2026-06-30",
        **more,
    }
    return applications.apply(con, people.manager, key=key(), **values).entity_id


def award(con, people, grant_id, **more):
    return applications.decide(
        con, people.manager, grant_id=grant_id, award=True, reason="panel", key=key(), **more
    )


def open_page(app, user, section: str | None = None):
    at = app(user, PAGE)
    assert not at.exception, at.exception
    if section is not None:
        at.session_state["grants-section"] = section
        at.run()
        assert not at.exception, at.exception
    return at


def fill(at, form: str, **fields):
    """Give the fields of a ui.forms form (by field name) their values."""
    widgets = {
        **{w.key: w for w in at.text_input},
        **{w.key: w for w in at.text_area},
        **{w.key: w for w in at.selectbox},
        **{w.key: w for w in at.date_input},
    }
    for field, value in fields.items():
        widgets[form_key(at, form, field)].set_value(value)
    return at


def press(at, form: str, label: str):
    (found,) = [b for b in at.button if b.label == label and b.key.startswith(f"form:{form}:")]
    return found.click().run()


def record_application(at, amount: str, recipient: str = "Hillside Tenants Group"):
    fill(
        at,
        "grant-apply",
        type="community_organisation",
        applicant="Sam Applicant",
        recipient=recipient,
        title="Job club",
        purpose="A weekly job club",
        amount=amount,
        start=date(2026, 1, 5),
        end=date(2026, 6, 30),
    )
    return press(at, "grant-apply", "Record application")


def table_with(at, column: str):
    (found,) = [d for d in at.dataframe if column in d.value.columns]
    return found.value


def buttons(at) -> set[str]:
    return {b.label for b in at.button}


# --- who sees what --------------------------------------------------------------------------


def test_a_fund_manager_sees_the_policy_every_tab_and_the_forms(app, con, people, grants):
    applied(con, people, grants)
    at = open_page(app, people.manager)
    assert at.title[0].value == "Small grants"
    (said,) = [m.value for m in at.markdown if "policy version 1" in m.value]
    assert "£500.00 to £10,000.00" in said and "up to £5,000.00" in said
    assert "30 days after the planned end" in said and "360G-northborough-" in said
    assert [t.label for t in at.tabs] == TABS
    assert {"Record application", "Award", "Decline", "Declare policy"} <= buttons(at)
    assert table_with(at, "recipient")["applicant"].tolist() == ["Sam Applicant"]
    at.session_state["grants-section"] = "Import"
    assert at.run().get("file_uploader")


def test_an_auditor_reads_every_tab_and_gets_no_form(app, con, people, grants):
    grant_id = applied(con, people, grants)
    award(con, people, grant_id)
    for section in TABS:
        at = open_page(app, people.auditor, section)
        assert not errors(at), section
        assert not buttons(at) & set(FORMS), section
        assert not at.text_input and not at.get("file_uploader"), section
    at = open_page(app, people.auditor, "Awards")
    assert table_with(at, "awarded")["awarded"].tolist() == [Decimal("3000.00")]


@pytest.mark.parametrize("role", ["board", "admin"])
def test_board_members_and_admins_are_refused(app, people, grants, role):
    at = app(getattr(people, role), PAGE)
    assert not at.exception
    assert errors(at)[0].startswith("Not permitted")
    assert not at.tabs


def test_without_a_policy_the_page_says_so_and_offers_the_declaration(app, con, people, funded):
    at = open_page(app, people.manager)
    assert "No ring-fence has declared a small-grant policy" in at.info[0].value
    assert not at.tabs
    fill(
        at,
        "grant-policy",
        min="500",
        max="10000",
        limit="5000",
        prefix="northborough",
        funder="GB-LAE-NBR",
        reason="small grants open",
    )
    at = press(at, "grant-policy", "Declare policy")
    assert not errors(at), errors(at)
    assert policy.current(con, funded.ringfence_id).delegated_limit == Decimal("5000.00")
    assert [t.label for t in at.tabs] == TABS


def test_an_auditor_without_a_policy_is_told_and_offered_no_form(app, people, funded):
    at = open_page(app, people.auditor)
    assert "No ring-fence has declared a small-grant policy" in at.info[0].value
    assert not at.tabs and not at.text_input


# --- the grant's life through the page ------------------------------------------------------


def test_an_application_recorded_and_awarded_on_the_page_is_committed_to_the_penny(
    app, con, people, grants
):
    at = record_application(open_page(app, people.manager), "3250.50")
    assert not errors(at), errors(at)
    (grant_id,) = queries.grants(con, people.manager, "applied")["grant_id"].tolist()
    assert f"Application #{grant_id} recorded: £3,250.50" in successes(at)[0]

    fill(at, "grant-decide", grant=grant_id, amount="3000.25", reason="panel agreed")
    at = press(at, "grant-decide", "Award")

    assert not errors(at), errors(at)
    found = applications.grant(con, grant_id)
    assert found.awarded == Decimal("3000.25") and found.commitment_id is not None
    assert f"commitment #{found.commitment_id}" in successes(at)[0]
    committed = con.execute(
        "SELECT sum(amount) FROM ledger_entry WHERE commitment_id = ?", [found.commitment_id]
    ).fetchone()[0]
    assert committed == Decimal("3000.25")


def test_a_decline_needs_a_reason(app, con, people, grants):
    grant_id = applied(con, people, grants)
    at = open_page(app, people.manager)
    before = counts(con)
    fill(at, "grant-decide", grant=grant_id)
    at = press(at, "grant-decide", "Decline")
    assert [e.split(":")[0] for e in errors(at)] == ["reason"]
    assert grew(before, counts(con)) == {}

    fill(at, "grant-decide", reason="outside the programme's aims")
    at = press(at, "grant-decide", "Decline")
    assert successes(at) == [f"Application #{grant_id} declined: outside the programme's aims"]
    assert applications.grant(con, grant_id).decision == "decline"


def test_an_award_above_the_limit_waits_for_a_second_fund_manager(app, con, people, grants):
    grant_id = applied(con, people, grants, amount="7500.00")
    at = open_page(app, people.manager)
    fill(at, "grant-decide", grant=grant_id, reason="panel agreed")
    at = press(at, "grant-decide", "Award")
    (said,) = successes(at)
    assert "above the small-grant delegated limit of £5,000.00" in said
    assert "waits for a second fund manager" in said
    assert applications.grant(con, grant_id).commitment_id is None
    at.session_state["grants-section"] = "Awards"
    shown = table_with(at.run(), "awarded")
    assert shown["status"].tolist() == ["Awaiting approval"]


def test_a_report_then_closure_releases_what_was_unpaid(app, con, people, grants):
    grant_id = applied(con, people, grants)
    award(con, people, grant_id)
    at = open_page(app, people.manager, "Awards")
    fill(at, "grant-report", grant=grant_id, done="Ran it", learned="Tenants came", spent="0")
    at = press(at, "grant-report", "Record report")
    assert not errors(at), errors(at)
    fill(at, "grant-close", grant=grant_id, reason="report received")
    at = press(at, "grant-close", "Close")
    assert "£3,000.00 unpaid released" in successes(at)[0]
    assert table_with(at, "awarded")["status"].tolist() == ["Closed"]


def test_overdue_reports_are_marked_overdue(app, con, people, grants):
    past = date.today() - timedelta(days=200)
    grant_id = applied(con, people, grants, planned_start=past, planned_end=past)
    award(con, people, grant_id)
    at = open_page(app, people.auditor, "Reports due")
    assert "1 report overdue." in at.warning[0].value
    assert table_with(at, "state")["state"].tolist() == ["Overdue"]


# --- 360Giving in and out -------------------------------------------------------------------


def upload(at, name: str, text: str, reason: str = "panel's awards"):
    at.get("file_uploader")[0].upload(name, text.encode(), "text/csv")
    at.text_input(key="grant-import-reason").set_value(reason)
    return button(at.run(), "Import").click().run()


def test_a_360giving_csv_imports_through_the_upload(app, con, people, grants):
    rows = [
        "360G-panel-1,Street choir,Singing together,GBP,1200,2026-03-01,,Choir Group,"
        "GB-LAE-NBR,Northborough Council",
        "360G-panel-2,Repair cafe,Fixing things,GBP,400.50,2026-03-02,GB-CHC-1,Repairers,"
        "GB-LAE-NBR,Northborough Council",
    ]
    at = upload(open_page(app, people.manager, "Import"), "panel.csv", FLAT + "\n".join(rows))
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    assert len(successes(at)) == 1
    assert [m.value for m in at.metric][:2] == ["2", "2"]
    assert at.metric[3].value == "£1,600.50"
    report = table_with(at, "finding").set_index("finding")
    assert report.loc["Outside the small-grant range (flagged)", "examples"] == "360G-panel-2"
    imported = queries.grants(con, people.manager).set_index("identifier")
    assert imported.loc["360G-panel-2", "awarded"] == Decimal("400.50")
    assert bool(imported.loc["360G-panel-2", "out_of_range"])


def test_a_bad_file_is_refused_with_every_problem_and_nothing_written(app, con, people, grants):
    rows = [
        "360G-panel-1,Choir,Singing,GBP,lots,2026-03-01,,Choir,GB-LAE-NBR,Northborough",
        ",Cafe,Fixing,GBP,400,2026-02-30,GB-CHC-1,Repairers,GB-LAE-NBR,Northborough",
    ]
    at = open_page(app, people.manager, "Import")
    before = counts(con)
    at = upload(at, "bad.csv", FLAT + "\n".join(rows))
    assert not at.exception, at.exception
    (said,) = errors(at)
    assert said.startswith("This file cannot be imported: ") and "nothing was written" in said
    places = table_with(at, "rule")["place"].tolist()
    assert {"row 2, Amount Awarded", "row 3, Identifier", "row 3, Award Date"} <= set(places)
    assert f"{len(places)} problems to put right" in said
    assert grew(before, counts(con)) == {}


def test_the_export_tab_offers_three_files_and_the_checkers_advice(app, con, people, grants):
    award(con, people, applied(con, people, grants))
    at = open_page(app, people.auditor, "Export")
    assert not errors(at), errors(at)
    downloads = [d.label for d in at.get("download_button")]
    assert downloads == ["Download JSON", "Download CSV", "Download XLSX"]
    advice = " ".join(w.value for w in at.warning)
    assert "grant" in advice and "%" in advice
