"""ui.format.table, the one way a page shows a query result: money whole as £1,234.56 or
-£18,150.00 in a column wide enough for it (bug 7), dates as DD/MM/YYYY, times as
DD/MM/YYYY HH:MM under a heading that says UTC, 'never' for a last sign-in that has not
happened, and other empty cells empty rather than "None"."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.app.tables import columns, money_columns, shown


def show_a_ledger():
    """A page that shows one table of the shapes the fund's queries return."""
    from fund import db
    from ui import format

    con = db.connect(":memory:")
    format.table(
        db.frame(
            con,
            "SELECT * FROM (VALUES"
            " (1, DATE '2025-01-14', TIMESTAMP '2025-01-14 09:05:59', 242000.00::DECIMAL(18,2),"
            "  NULL::TIMESTAMP, NULL::BIGINT, 'write_off'),"
            " (2, DATE '2026-12-01', TIMESTAMP '2026-12-01 17:30:00', -18150.00::DECIMAL(18,2),"
            "  TIMESTAMP '2026-11-30 08:00:00', 1, 'disbursement'))"
            " AS t(entry_id, value_date, recorded_at, amount, last_sign_in, reverses, kind)",
        )
    )


def test_a_table_shows_money_dates_and_missing_values_as_people_read_them():
    at = AppTest.from_function(show_a_ledger).run()
    assert not at.exception
    (table,) = at.dataframe
    config = columns(table)

    assert money_columns(table) == ["amount"]
    assert list(shown(table)["amount"]) == ["£242,000.00", "-£18,150.00"]
    assert config["value_date"]["type_config"] == {"type": "date", "format": "DD/MM/YYYY"}
    assert config["recorded_at"]["type_config"] == {
        "type": "datetime",
        "format": "DD/MM/YYYY HH:mm",
    }
    assert config["recorded_at"]["label"] == "Recorded at (UTC)"
    assert list(table.value["last_sign_in"]) == ["never", "30/11/2026 08:00"]
    assert config["last_sign_in"]["label"] == "Last sign-in (UTC)"
    assert list(table.value["kind"]) == ["Write-off", "Disbursement"]
    assert table.proto.placeholder == ""  # an empty "Reverses entry #" reads empty
