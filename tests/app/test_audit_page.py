"""The audit page: the auditor reads the trail in words with filters, checks the chain (and
sees the broken row once the database is tampered with), reads the whole ledger with filters,
a count and a total, and can download exactly what is on screen. Nothing on the page writes."""

from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
import pytest

from fund import db, exports, labels, ledger, users
from fund.auth import Role
from fund.ledger import Payment
from tests.app.helpers import (
    counts,
    errors,
    grew,
    select,
    successes,
    visible,
)
from tests.app.tables import columns, money_columns, shown
from tests.conftest import key

PAGE = "pages/audit.py"
# Audit rows of the fixtures: 1 the SROI reference data a new database is made with (by the
# system), 2 the first admin, 3–6 users, 7–8 ring-fences, 9–10 programmes, 11–14 experiments
# (11 is the small grant), 15–18 their evaluation plans, 19 the allocation; then 20 commit
# and 21 pay.
ALLOCATION, COMMIT = 19, 20
ROWS = 21
TODAY = f"{db.today():%d/%m/%Y}"


@pytest.fixture
def reviewed(con, people, committed):
    """£8,000.00 committed to the small grant (entry #2) and £3,000.00 paid (entry #3)."""
    ledger.pay(
        con, people.manager, commitment_id=1, amount="3000.00", reason="first tranche", key=key()
    )
    return committed


@pytest.fixture
def wide(con, people, reviewed):
    """Entries #4–#6 as in bug 7: £18,150.00 allocated and reversed (-£18,150.00), then
    £242,000.00 allocated to the other programme by the second fund manager."""
    top_up = ledger.allocate(
        con, people.manager, programme_id=1, amount="18150.00", reason="top-up", key=key()
    )
    ledger.reverse(con, people.manager, entry_id=top_up.entity_id, reason="twice", key=key())
    ledger.allocate(
        con,
        people.second_manager,
        programme_id=reviewed.other_programme_id,
        amount="242000.00",
        reason="second challenge",
        key=key(),
    )
    return reviewed


@pytest.fixture
def long_ledger(con, people, reviewed):
    """1,003 entries: the three of ``reviewed`` and a payment run of 1,000 payments of £1."""
    payments = [
        Payment(
            commitment_id=1,
            amount=Decimal("1.00"),
            value_date=db.today(),
            reason="weekly run",
            key=f"run/{n}",
        )
        for n in range(1000)
    ]
    ledger.pay_run(con, people.manager, payments)
    return reviewed


def trail(at):
    return at.dataframe[0].value


def entries(at):
    """The Ledger tab's entries: its last table."""
    return at.dataframe[-1].value


def trail_caption(at) -> str:
    return next(c.value for c in at.caption if "audit rows" in c.value)


def ledger_caption(at) -> str:
    return next(c.value for c in at.caption if "ledger entr" in c.value)


# --- the audit trail --------------------------------------------------------------------------


def test_the_trail_shows_every_audit_row_newest_first_in_words(app, people, reviewed, con):
    at = app(people.auditor, PAGE)

    assert not at.exception
    rows = trail(at)
    assert list(rows["seq"]) == list(range(ROWS, 0, -1))
    newest = rows.iloc[0]
    assert (newest["actor"], newest["operation"], newest["record"], newest["reason"]) == (
        "Mo Manager (manager)",
        "pay",
        "Ledger entry #3",
        "first tranche",
    )
    assert newest["details"] == (
        f"Amount: £3,000.00 · Commitment: #1 · Trial of small_grant → Youth Trust"
        f" · Value date: {TODAY}"
    )
    assert rows.iloc[2]["details"] == (
        f"Amount: £100,000.00 · Programme: Young people into work · Value date: {TODAY}"
    )
    assert rows.iloc[1]["record"] == "Commitment #1: Trial of small_grant → Youth Trust"
    assert trail_caption(at) == f"{ROWS} audit rows, newest first."
    headings = {c: v.get("label") for c, v in columns(at.dataframe[0]).items()}
    assert headings["seq"] == "Row #"
    assert headings["record"] == "Record"
    assert headings["recorded_at"] == "Recorded at (UTC)"
    # Filters, a check and an anchor, but nothing to type into.
    assert not at.text_input
    assert [b.label for b in at.main.button] == ["Verify the audit chain", "Anchor the chain head"]


def test_audit_details_name_roles_people_and_programmes_in_words(app, people, funded, con):
    users.set_role(
        con, people.admin, username="second", role="board_member", reason="moved", key=key()
    )
    at = app(people.auditor, PAGE)

    rows = trail(at)
    assert rows.iloc[0]["details"] == "Role: Board member · User name: second"
    assert rows.iloc[0]["actor"] == "Ada Admin (admin)"
    assert rows.iloc[0]["record"] == "User #3: Sam Second (second)"
    added = rows[rows["operation"] == "add programme"].iloc[-1]
    assert added["record"] == "Programme #1: Young people into work"
    assert added["details"] == (
        "Name: Young people into work · Ring-fence: Innovation Fund"
        " · Target: Halve youth unemployment in the borough"
    )
    experiment = rows[rows["operation"] == "add experiment"].iloc[-1]["details"]
    assert experiment.startswith("Instrument: Small grant · Responsible official: Pat Official")
    assert "Partners: Northborough University (Match funding (in kind): £1,500.00," in experiment
    assert "Phase: 1 design & discovery · Programme: Young people into work" in experiment


def test_the_trail_filters_by_actor_operation_experiment_and_date(app, people, reviewed, con):
    at = app(people.auditor, PAGE)
    assert select(at, "Actor").options == [
        "Anyone",
        "Ada Admin (admin)",
        "Mo Manager (manager)",
        "system",
    ]

    select(at, "Actor").set_value("admin").run()
    assert list(trail(at)["operation"]) == ["add user"] * 4 + ["bootstrap admin"]
    assert trail_caption(at) == "5 audit rows, newest first."

    select(at, "Actor").set_value(None)
    select(at, "Operation").set_value("allocate").run()
    assert list(trail(at)["seq"]) == [ALLOCATION]

    select(at, "Operation").set_value(None)
    at.selectbox(key="trail-experiment").set_value(reviewed.experiments["small_grant"]).run()
    assert list(trail(at)["operation"]) == [
        "pay",
        "commit",
        "register evaluation plan",
        "add experiment",
    ]

    at.selectbox(key="trail-experiment").set_value(None)
    today = db.today()
    at.date_input(key="trail-dates").set_value((today - timedelta(days=1), today)).run()
    assert len(trail(at)) == ROWS
    at.date_input(key="trail-dates").set_value((date(2020, 1, 1), date(2020, 1, 31))).run()
    assert len(trail(at)) == 0
    assert trail_caption(at) == "0 audit rows, newest first."


# --- the chain check --------------------------------------------------------------------------


def test_the_chain_check_says_ok_and_names_the_broken_row_after_tampering(
    app, people, reviewed, con
):
    at = app(people.auditor, PAGE)
    before = counts(con)

    at.button[0].click().run()

    assert successes(at) == [f"OK: {ROWS} audit rows and 3 ledger entries verified."]
    assert not errors(at)

    con.execute("UPDATE ledger_entry SET amount = amount + 1 WHERE entry_id = 1")
    at.button[0].click().run()

    assert not successes(at)
    assert errors(at) == [
        f"Broken at row #{ALLOCATION}: ledger entries of audit row #{ALLOCATION} (allocate) were"
        " altered, inserted or deleted; entries now: 1"
    ]
    # Reading, filtering and verifying wrote nothing.
    assert grew(before, counts(con)) == {}


def test_an_altered_audit_row_is_named_by_the_chain_check(app, people, reviewed, con):
    con.execute("UPDATE audit_log SET reason = 'nothing to see' WHERE seq = ?", [COMMIT])
    at = app(people.auditor, PAGE)

    at.button[0].click().run()

    (message,) = errors(at)
    assert message.startswith(
        f"Broken at row #{COMMIT}: audit row #{COMMIT} (commit by manager at "
    )
    assert message.endswith(") was altered")


def test_details_altered_into_bad_json_still_show_as_they_are(app, people, reviewed, con):
    con.execute("UPDATE audit_log SET details = 'not {json' WHERE seq = ?", [COMMIT])
    at = app(people.auditor, PAGE)

    assert not at.exception
    assert trail(at).iloc[1]["details"] == "not {json"


# --- the whole ledger -------------------------------------------------------------------------


def test_the_ledger_lists_every_entry_newest_first_with_its_count_and_total(
    app, people, reviewed, con
):
    at = app(people.auditor, PAGE)

    rows = entries(at)
    assert list(rows["entry_id"]) == [3, 2, 1]
    assert list(rows["kind"]) == ["Disbursement", "Commitment", "Allocation"]
    assert [str(a) for a in rows["amount"]] == ["3000.00", "8000.00", "100000.00"]
    assert list(rows["actor"]) == ["Mo Manager (manager)"] * 3
    assert ledger_caption(at).startswith(
        "3 ledger entries (choose a kind to see their total); newest first."
    )
    at.selectbox(key="ledger-kind").set_value("allocation").run()
    assert ledger_caption(at).startswith("1 ledger entry, totalling £100,000.00; newest first.")


def test_the_ledger_filters_by_every_field_an_auditor_asks_for(app, people, wide, con):
    at = app(people.auditor, PAGE)
    assert list(entries(at)["entry_id"]) == [6, 5, 4, 3, 2, 1]
    filters = [
        "ledger-kind",
        "ledger-programme",
        "ledger-experiment",
        "ledger-commitment",
        "ledger-counterparty",
        "ledger-posted-by",
    ]

    def only(key, value):
        for other in filters:
            at.selectbox(key=other).set_value(None)
        at.selectbox(key=key).set_value(value).run()
        return list(entries(at)["entry_id"])

    assert at.selectbox(key="ledger-kind").options[:3] == ["Any", "Allocation", "Virement"]
    assert only("ledger-kind", "disbursement") == [3]
    assert only("ledger-programme", wide.other_programme_id) == [6]
    assert only("ledger-experiment", wide.experiments["small_grant"]) == [3, 2]
    assert only("ledger-commitment", 1) == [3, 2]
    assert only("ledger-counterparty", "Youth Trust") == [3, 2]
    assert at.selectbox(key="ledger-posted-by").options == [
        "Any",
        "Mo Manager (manager)",
        "Sam Second (second)",
    ]
    assert only("ledger-posted-by", "second") == [6]
    assert ledger_caption(at).startswith(
        "1 ledger entry (choose a kind to see their total); newest first."
    )

    only("ledger-kind", None)
    today = db.today()
    at.date_input(key="ledger-dates").set_value((today, today)).run()
    assert len(entries(at)) == 6
    at.date_input(key="ledger-dates").set_value((date(2020, 1, 1), date(2020, 1, 31))).run()
    assert len(entries(at)) == 0
    at.selectbox(key="ledger-kind").set_value("disbursement").run()
    assert ledger_caption(at).startswith("0 ledger entries, totalling £0.00;")


def test_choosing_an_experiment_shows_its_commitments_above_its_entries(app, people, reviewed, con):
    at = app(people.auditor, PAGE)
    at.selectbox(key="ledger-experiment").set_value(reviewed.experiments["small_grant"]).run()

    commitments = at.dataframe[1].value
    assert list(commitments["counterparty"]) == ["Youth Trust"]
    assert [str(commitments.iloc[0][c]) for c in ("committed", "paid", "unpaid")] == [
        "8000.00",
        "3000.00",
        "5000.00",
    ]
    assert list(entries(at)["entry_id"]) == [3, 2]


def test_money_is_never_cut_and_reads_minus_pounds_in_every_table(app, people, wide, con):
    """Bug 7: '£242,000.00' showed as '242,000.00' and -£18,150.00 as 'E-18,150.00'."""
    at = app(people.auditor, PAGE)
    assert [money_columns(table) for table in at.dataframe] == [[], ["amount"]]
    amounts = list(shown(at.dataframe[-1])["amount"])
    assert amounts[:3] == ["£242,000.00", "-£18,150.00", "£18,150.00"]

    at.selectbox(key="ledger-experiment").set_value(wide.experiments["small_grant"]).run()
    assert [money_columns(table) for table in at.dataframe] == [
        [],
        ["committed", "paid", "unpaid", "recovered", "written_off"],
        ["amount"],
    ]


def test_dates_read_day_month_year_and_times_say_utc(app, people, reviewed):
    at = app(people.auditor, PAGE)

    trail_config, ledger_config = columns(at.dataframe[0]), columns(at.dataframe[-1])
    assert trail_config["recorded_at"]["type_config"] == {
        "type": "datetime",
        "format": "DD/MM/YYYY HH:mm",
    }
    assert ledger_config["value_date"]["type_config"] == {"type": "date", "format": "DD/MM/YYYY"}
    assert ledger_config["recorded_at"]["label"] == "Recorded at (UTC)"
    assert ledger_config["recorded_at"]["type_config"]["format"] == "DD/MM/YYYY HH:mm"


def test_downloads_hold_exactly_the_ledger_and_trail_on_screen(app, people, wide, monkeypatch):
    exported = {}
    csv_bytes = exports.csv_bytes

    def spy(con, actor, frame):
        exported[len(exported)] = frame
        return csv_bytes(con, actor, frame)

    monkeypatch.setattr(exports, "csv_bytes", spy)
    at = app(people.auditor, PAGE)
    at.selectbox(key="ledger-kind").set_value("allocation").run()

    assert len(exported) % 2 == 0
    trail_file, ledger_file = exported[len(exported) - 2], exported[len(exported) - 1]
    pd.testing.assert_frame_equal(trail_file, trail(at), check_dtype=False)
    pd.testing.assert_frame_equal(labels.readable(ledger_file), entries(at), check_dtype=False)
    assert list(ledger_file["entry_id"]) == [6, 5, 4, 1]
    downloads = {d.key: d for d in at.get("download_button")}
    assert {name: d.label for name, d in downloads.items()} == {
        "audit-trail-csv": "Download CSV",
        "audit-trail-xlsx": "Download Excel",
        "ledger-csv": "Download CSV",
        "ledger-xlsx": "Download Excel",
    }
    for name, d in downloads.items():
        assert d.proto.url, name
        assert not d.proto.disabled, name


def test_a_ledger_longer_than_the_screen_says_how_much_is_shown_and_downloaded(
    app, people, long_ledger
):
    at = app(people.auditor, PAGE)

    assert len(entries(at)) == 1000
    assert entries(at)["entry_id"].iloc[0] == 1003
    assert ledger_caption(at).startswith(
        "1,003 ledger entries (choose a kind to see their total); the newest 1,000 are shown and"
        " downloaded: narrow the filters, or use `fund export` for all of them."
    )


@pytest.mark.parametrize("role", [Role.FUND_MANAGER, Role.BOARD_MEMBER, Role.ADMIN])
def test_roles_without_the_review_permission_see_only_not_permitted(app, people, reviewed, role):
    at = app(people.by_role()[role], PAGE)

    assert not at.exception
    assert visible(at) == ["error"]
    (message,) = errors(at)
    assert message.startswith("Not permitted:")
    assert message.endswith("cannot review the audit trail.")


# --- anchors ----------------------------------------------------------------------------------


def test_an_anchor_is_printed_to_keep_and_catches_a_rewritten_tail(app, people, reviewed, con):
    at = app(people.auditor, PAGE)
    at.button[1].click().run()

    (line,) = [c.value for c in at.code]
    assert line.startswith(f"Ringfence audit anchor: row #{ROWS} sha256 ")
    anchor_file = (line + "\n").encode()

    at.file_uploader[0].set_value(("anchors.txt", anchor_file, "text/plain"))
    at.button[0].click().run()
    assert successes(at) == [
        f"OK: {ROWS + 1} audit rows and 3 ledger entries verified, against 1 anchor."
    ]

    # Someone with the file cuts the chain back to before the anchored row, consistently.
    for statement in (
        "DELETE FROM ledger_entry WHERE audit_seq >= ?",
        "DELETE FROM audit_state WHERE audit_seq >= ?",
        "DELETE FROM audit_anchor WHERE seq >= ?",
        "DELETE FROM audit_log WHERE seq >= ?",
    ):
        con.execute(statement, [ROWS])
    con.execute(
        "UPDATE audit_head SET seq = (SELECT max(seq) FROM audit_log),"
        " row_hash = (SELECT max_by(row_hash, seq) FROM audit_log)"
    )
    at.button[0].click().run()
    (message,) = errors(at)
    assert message.startswith(f"Broken at row #{ROWS}: audit row #{ROWS} is missing, yet it was")


def test_a_file_that_is_not_anchors_is_refused_naming_the_line(app, people, reviewed):
    at = app(people.auditor, PAGE)
    at.file_uploader[0].set_value(("anchors.txt", b"hello\n", "text/plain"))
    at.button[0].click().run()
    assert errors(at)[0].startswith("anchor file: line 1 is not an anchor")
