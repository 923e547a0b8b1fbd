"""The audit page: the auditor reads the trail with filters, checks the chain (and sees the
broken row once the database is tampered with), reads the ledger by experiment and can
download what is on screen. Nothing on the page writes."""

import json
from datetime import date, timedelta

import pytest

from fund import db, ledger
from fund.auth import Role
from tests.app.helpers import (
    counts,
    errors,
    grew,
    select,
    successes,
    visible,
)
from tests.conftest import key

PAGE = "pages/audit.py"
# Audit rows of the fixtures: 1 the first admin, 2–5 users, 6–7 ring-fences, 8–9 programmes,
# 10–13 experiments (10 is the small grant), 14 the allocation; then 15 commit and 16 pay.
ROWS = 16


@pytest.fixture
def reviewed(con, people, committed):
    """£8,000.00 committed to the small grant (entry #2) and £3,000.00 paid (entry #3)."""
    ledger.pay(
        con, people.manager, commitment_id=1, amount="3000.00", reason="first tranche", key=key()
    )
    return committed


def trail(at):
    return at.dataframe[0].value


def trail_caption(at) -> str:
    return next(c.value for c in at.caption if "audit rows" in c.value)


def test_the_trail_shows_every_audit_row_newest_first(app, people, reviewed, con):
    at = app(people.auditor, PAGE)

    assert not at.exception
    rows = trail(at)
    assert list(rows["seq"]) == list(range(ROWS, 0, -1))
    newest = rows.iloc[0]
    assert (newest["actor"], newest["operation"], newest["entity"], newest["reason"]) == (
        "manager",
        "pay",
        "ledger entry",
        "first tranche",
    )
    assert "3000.00" in newest["details"]
    assert trail_caption(at) == f"{ROWS} audit rows, newest first."
    headings = {
        c: v["label"] for c, v in json.loads(at.dataframe[0].proto.columns).items() if "label" in v
    }
    assert headings["seq"] == "Row #"
    assert headings["entity_id"] == "Record #"
    assert headings["recorded_at"].startswith("Recorded at")
    # Filters, a check and an anchor, but nothing to type into.
    assert not at.text_input
    assert [b.label for b in at.main.button] == ["Verify the audit chain", "Anchor the chain head"]


def test_the_trail_filters_by_actor_operation_experiment_and_date(app, people, reviewed, con):
    at = app(people.auditor, PAGE)
    assert select(at, "Actor").options == ["Anyone", "admin", "manager"]

    select(at, "Actor").set_value("admin").run()
    assert list(trail(at)["operation"]) == ["add user"] * 4 + ["bootstrap admin"]
    assert trail_caption(at) == "5 audit rows, newest first."

    select(at, "Actor").set_value(None)
    select(at, "Operation").set_value("allocate").run()
    assert list(trail(at)["seq"]) == [14]

    select(at, "Operation").set_value(None)
    select(at, "Experiment").set_value(reviewed.experiments["small_grant"]).run()
    assert list(trail(at)["operation"]) == ["pay", "commit", "add experiment"]

    select(at, "Experiment").set_value(None)
    today = db.today()
    at.date_input[0].set_value((today - timedelta(days=1), today)).run()
    assert len(trail(at)) == ROWS
    at.date_input[0].set_value((date(2020, 1, 1), date(2020, 1, 31))).run()
    assert len(trail(at)) == 0
    assert trail_caption(at) == "0 audit rows, newest first."


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
        "Broken at row #14: ledger entries of audit row #14 (allocate) were altered, "
        "inserted or deleted; entries now: 1"
    ]
    # Reading, filtering and verifying wrote nothing.
    assert grew(before, counts(con)) == {}


def test_an_altered_audit_row_is_named_by_the_chain_check(app, people, reviewed, con):
    con.execute("UPDATE audit_log SET reason = 'nothing to see' WHERE seq = 15")
    at = app(people.auditor, PAGE)

    at.button[0].click().run()

    (message,) = errors(at)
    assert message.startswith("Broken at row #15: audit row #15 (commit by manager at ")
    assert message.endswith(") was altered")


def test_the_ledger_by_experiment_lists_its_commitments_and_entries(app, people, reviewed, con):
    at = app(people.auditor, PAGE)

    at.selectbox(key="ledger-experiment").set_value(reviewed.experiments["small_grant"]).run()

    commitments, entries = at.dataframe[1].value, at.dataframe[2].value
    assert list(commitments["counterparty"]) == ["Youth Trust"]
    assert [str(commitments.iloc[0][c]) for c in ("committed", "paid", "unpaid")] == [
        "8000.00",
        "3000.00",
        "5000.00",
    ]
    assert list(entries["entry_id"]) == [2, 3]
    assert list(entries["kind"]) == ["Commitment", "Disbursement"]
    assert [str(a) for a in entries["amount"]] == ["8000.00", "3000.00"]
    assert list(entries["reason"]) == ["grant agreed", "first tranche"]
    money = json.loads(at.dataframe[2].proto.columns)["amount"]
    assert money["type_config"]["format"] == "£%,.2f"
    assert any(c.value.startswith("2 ledger entries for this experiment.") for c in at.caption)

    at.selectbox(key="ledger-experiment").set_value(reviewed.experiments["pbr_contract"]).run()
    assert len(at.dataframe[2].value) == 0


def test_the_trail_and_the_ledger_can_be_downloaded_as_csv_and_excel(app, people, reviewed):
    at = app(people.auditor, PAGE)

    downloads = {d.key: d for d in at.get("download_button")}

    assert {key: d.label for key, d in downloads.items()} == {
        "audit-trail-csv": "Download CSV",
        "audit-trail-xlsx": "Download Excel",
        "ledger-csv": "Download CSV",
        "ledger-xlsx": "Download Excel",
    }
    for name, d in downloads.items():
        assert d.proto.url, name
        assert not d.proto.disabled, name


@pytest.mark.parametrize("role", [Role.FUND_MANAGER, Role.BOARD_MEMBER, Role.ADMIN])
def test_roles_without_the_review_permission_see_only_not_permitted(app, people, reviewed, role):
    at = app(people.by_role()[role], PAGE)

    assert not at.exception
    assert visible(at) == ["error"]
    (message,) = errors(at)
    assert message.startswith("Not permitted:")
    assert message.endswith("cannot review the audit trail.")


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
