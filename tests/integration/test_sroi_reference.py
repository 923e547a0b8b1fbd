"""The SROI reference data in the database: the 674 GMCA proxies, the ONS deflator and the
Green Book schedules, loaded by migration 0006 as the first audited write of a new database;
the library searched and added to through the services; and any edit made to the reference
rows outside the services named by `fund audit verify`."""

from __future__ import annotations

import json
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pyarrow as pa
import pytest

from fund import audit, db
from fund.errors import PermissionDenied, ValidationError
from fund.sroi import proxies, reference
from tests.conftest import key
from tests.integration.helpers import nothing_written

SIX_PLACES = Decimal("0.000001")


def _reference_row(con) -> tuple:
    return con.execute(
        "SELECT seq, actor_id, actor, operation, entity, reason, details FROM audit_log"
        " WHERE operation = 'load reference data'"
    ).fetchone()


def _add(con, actor, **changes):
    given = {
        "description": "Hour of volunteering",
        "unit": "Per hour",
        "value": "12.50",
        "price_year": "2019/20",
        "source": "Volunteer survey, Northborough Council 2020",
        "licence": "Open Government Licence v3.0",
        "reason": "our own evaluation",
        "key": key(),
    }
    return proxies.add_proxy(con, actor, **(given | changes))


# --- what migration 0006 loads ---------------------------------------------------------------


def test_a_new_database_starts_with_the_reference_data_as_its_first_audit_row(tmp_path):
    con = db.connect(tmp_path / "new.duckdb")
    seq, actor_id, actor, operation, entity, reason, details = _reference_row(con)
    assert (seq, actor_id, actor, operation, entity) == (
        1,
        0,
        "system",
        "load reference data",
        "database",
    )
    for source in ("GMCA Unit Cost Database v1.4", "ONS GDP deflator YBGB", "Green Book"):
        assert source in reason
    assert json.loads(details) == {
        "proxies": 674,
        "deflator_periods": 358,
        "schedules": "green-book-standard, green-book-health",
    }
    recorded = dict(
        con.execute(
            "SELECT tbl, count(*) FROM audit_state WHERE audit_seq = 1 GROUP BY 1"
        ).fetchall()
    )
    # one state per proxy and per schedule; the bands by schedule, the deflator by series
    assert recorded == {
        "proxy": 674,
        "discount_schedule": 2,
        "discount_band": 2,
        "deflator_index": 1,
    }
    con.close()


def test_all_674_proxies_are_loaded_with_their_price_years(con):
    assert con.execute("SELECT count(*), count(DISTINCT code) FROM proxy").fetchone() == (674, 674)
    years = dict(con.execute("SELECT price_year, count(*) FROM proxy GROUP BY 1").fetchall())
    assert years["2010/11"] == 229 and years["2013/14"] == 172 and sum(years.values()) == 674
    assert con.execute("SELECT count(*) FROM proxy WHERE added_by IS NOT NULL").fetchone() == (0,)
    assert con.execute("SELECT value FROM proxy WHERE code = 'CR1.0'").fetchone() == (
        Decimal("500.00"),
    )


def test_the_database_library_and_the_files_alone_agree(con):
    codes = [code for (code,) in con.execute("SELECT code FROM proxy").fetchall()]
    for year in (None, "2013/14", "2019"):
        assert proxies.lookup(con, codes, year) == reference.file_library(codes, year)


def test_a_code_the_library_does_not_hold_is_simply_absent(con):
    assert set(proxies.lookup(con, ["CR1.0", "NOPE"])) == {"CR1.0"}


# --- discount schedules --------------------------------------------------------------------------


@pytest.mark.parametrize("column", ["standard", "health"])
def test_the_green_book_check_factors_are_reproduced_to_six_decimals(con, column):
    document = json.loads((reference.shared_folder() / reference.GREEN_BOOK).read_text("utf-8"))
    checks = document["check_factors"][column]
    schedule = reference.schedule(con, f"green-book-{column}", date(2025, 4, 1))
    factors = schedule.factors(max(int(t) for t in checks))
    for t, expected in checks.items():
        found = factors[int(t)].quantize(SIX_PLACES, rounding=ROUND_HALF_UP)
        assert found == Decimal(str(expected)), (column, t)


def test_the_stored_schedules_are_the_files_schedules(con):
    for stored in reference.read_schedules():
        assert reference.schedule(con, stored.name, date(2025, 4, 1)) == stored


def test_an_unknown_schedule_is_refused_naming_the_known_ones(con):
    with pytest.raises(ValidationError) as refused:
        reference.schedule(con, "green", date(2025, 4, 1))
    assert str(refused.value) == (
        "discount/schedule: unknown schedule 'green'; known: green-book-health, green-book-standard"
    )


def test_a_date_before_the_green_book_took_effect_has_no_schedule(con):
    with pytest.raises(ValidationError) as refused:
        reference.schedule(con, "green-book-standard", date(2002, 12, 31))
    assert str(refused.value) == (
        "discount/schedule: 'green-book-standard' took effect on 2003-01-01, after 2002-12-31"
    )


def test_a_revised_schedule_applies_from_its_date_and_an_old_report_keeps_the_old_one(con):
    (revised,) = con.execute(
        "INSERT INTO discount_schedule (name, effective_from, source)"
        " VALUES ('green-book-standard', DATE '2030-01-01', 'a revision') RETURNING schedule_id"
    ).fetchone()
    con.execute("INSERT INTO discount_band VALUES (?, 0, NULL, 0.05)", [revised])
    assert reference.schedule(con, "green-book-standard", date(2029, 12, 31)).rate(1) == Decimal(
        "0.035"
    )
    assert reference.schedule(con, "green-book-standard", date(2030, 1, 1)).rate(1) == Decimal(
        "0.05"
    )


# --- the library, read -------------------------------------------------------------------------


def test_the_library_shows_each_proxy_beside_its_restated_value(con, people):
    found = proxies.library(con, people.board)
    assert len(found) == 674
    assert list(found.columns) == [
        "code",
        "category",
        "description",
        "unit",
        "value",
        "agency",
        "price_year",
        "restated",
        "source",
        "licence",
        "restated_year",
    ]
    first = found.iloc[0]
    # 500.00 × 112.375 (2024/25) / 63.875 (2002/03) = 879.6477… → £879.65
    assert (first["code"], first["value"], first["restated"]) == (
        "CR1.0",
        Decimal("500.00"),
        Decimal("879.65"),
    )
    assert first["restated_year"] == "2024/25"
    for column in ("value", "restated"):  # money stays exact
        assert found[column].dtype == pd.ArrowDtype(pa.decimal128(18, 2))


def test_the_library_restates_to_the_price_year_a_report_asks_for(con, people):
    found = proxies.library(con, people.manager, price_year="2013-14")
    first = found.iloc[0]
    # 500.00 × 82.175 (2013/14) / 63.875 (2002/03) = 643.2485… → £643.25
    assert (first["restated"], first["restated_year"]) == (Decimal("643.25"), "2013/14")


def test_a_price_year_the_deflator_does_not_cover_is_refused(con, people):
    with pytest.raises(ValidationError) as refused:
        proxies.library(con, people.manager, price_year="2030/31")
    assert str(refused.value).startswith("price year: 2030/31 is not covered: ")


@pytest.mark.parametrize(
    ("search", "code"),
    [
        ("ANTI-SOCIAL behaviour", "CR1.0"),  # description, any case
        ("cr1.1", "CR1.1"),  # code
        ("per bed day", None),  # unit
        ("clinical commissioning group", None),  # agency
        ("fire", None),  # category
    ],
)
def test_a_search_matches_code_description_unit_agency_or_category(con, people, search, code):
    found = proxies.library(con, people.auditor, search=search)
    assert len(found) > 0
    assert code is None or code in set(found["code"])
    searched = found[["code", "description", "unit", "agency", "category"]].astype("string")
    matched = searched.apply(lambda c: c.str.contains(search, case=False, regex=False))
    assert matched.fillna(False).any(axis=1).all()


@pytest.mark.parametrize("search", ["%", "_", "\\", "' OR 1=1 --"])
def test_a_search_takes_its_text_literally(con, people, search):
    assert proxies.library(con, people.manager, search=search).empty


def test_an_admin_does_not_read_the_library(con, people):
    with pytest.raises(PermissionDenied):
        proxies.library(con, people.admin)


# --- adding a proxy ----------------------------------------------------------------------------


def test_a_fund_manager_adds_a_proxy_with_its_source_and_it_is_audited(con, people):
    written = _add(con, people.manager)
    assert written.entity == "proxy"
    assert written.said == (
        "Proxy U1 added: Hour of volunteering (Per hour), £12.50 at 2019/20 prices."
    )
    row = con.execute(
        "SELECT code, category, value, price_year, source, added_by FROM proxy WHERE proxy_id = ?",
        [written.entity_id],
    ).fetchone()
    assert row == (
        "U1",
        "user",
        Decimal("12.50"),
        "2019/20",
        "Volunteer survey, Northborough Council 2020",
        people.manager.user_id,
    )
    (operation, actor) = con.execute(
        "SELECT operation, actor FROM audit_log ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    assert (operation, actor) == ("add proxy", "manager")
    assert audit.verify(con, people.auditor).ok
    assert _add(con, people.manager, value="-3.00").said.startswith("Proxy U2 added: ")


def test_a_proxy_added_is_in_the_library_restated(con, people):
    _add(con, people.manager, code="NB-VOL", price_year="2022", value="100.00")
    (found,) = proxies.library(con, people.board, search="nb-vol").itertuples()
    # 100.00 × 112.375 (2024/25) / 100.0 (2022) = £112.38 (112.375 rounds half-up)
    assert (found.value, found.restated) == (Decimal("100.00"), Decimal("112.38"))


def test_the_same_request_sent_twice_adds_one_proxy(con, people):
    same = key()
    first = _add(con, people.manager, key=same)
    again = _add(con, people.manager, key=same)
    assert again.replayed and again.entity_id == first.entity_id
    assert con.execute("SELECT count(*) FROM proxy").fetchone() == (675,)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"source": None}, "source: is required: a proxy without a source cannot be checked"),
        ({"source": "  "}, "source: is required: a proxy without a source cannot be checked"),
        (
            {"source": "HACT Social Value Bank 2023"},
            "source: HACT Social Value Bank values may not be stored: their licence forbids it",
        ),
        ({"value": "12.345"}, "value: must have at most two decimal places, not 12.345"),
        ({"value": "0"}, "value: must not be £0.00: a proxy worth nothing values nothing"),
        ({"value": 12.5}, "value: must be given as a decimal string, not a float"),
        (
            {"price_year": "2030/31"},
            "price year: 2030/31 is not covered: the GDP deflator (YBGB) covers calendar years"
            " 1948–2024 and financial years 1955/56–2024/25",
        ),
        ({"code": "CR1.0"}, "code: CR1.0 is already in the proxy library; choose another"),
        ({"code": "cr1.0"}, "code: CR1.0 is already in the proxy library; choose another"),
        ({"licence": ""}, "licence: is required and must not be blank"),
        ({"unit": ""}, "unit: is required and must not be blank"),
        (
            {"value": "9999999999999999.00", "price_year": "1955/56"},
            "value: would be £314,335,664,335,664,304.23 in 2024/25 prices, more than the largest"
            " amount the fund records (£9,999,999,999,999,999.99)",
        ),
    ],
    ids=[
        "no-source",
        "blank-source",
        "hact",
        "three-decimals",
        "zero",
        "float",
        "uncovered-year",
        "taken-code",
        "taken-code-any-case",
        "no-licence",
        "no-unit",
        "too-large-restated",
    ],
)
def test_a_proxy_that_cannot_be_checked_is_refused_and_nothing_is_written(
    con, people, changes, message
):
    with nothing_written(con), pytest.raises(ValidationError) as refused:
        _add(con, people.manager, **changes)
    assert str(refused.value) == message
    assert con.execute("SELECT count(*) FROM proxy").fetchone() == (674,)


@pytest.mark.parametrize("role", ["auditor", "board", "admin"])
def test_only_a_fund_manager_adds_proxies(con, people, role):
    with nothing_written(con), pytest.raises(PermissionDenied):
        _add(con, getattr(people, role))


# --- verify catches tampering ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("tamper", "named"),
    [
        ("UPDATE proxy SET value = 5000.00 WHERE code = 'CR1.0'", "proxy 'CR1.0'"),
        (
            "UPDATE discount_band SET rate = 0.010000 WHERE year_from = 0 AND schedule_id ="
            " (SELECT schedule_id FROM discount_schedule WHERE name = 'green-book-standard')",
            "the bands of discount schedule #1",
        ),
        (
            "UPDATE discount_schedule SET effective_from = DATE '1990-01-01' WHERE schedule_id = 2",
            "discount schedule #2",
        ),
        (
            "UPDATE deflator_index SET value = 99.0 WHERE period = '2002 Q2'",
            "the deflator series 'YBGB'",
        ),
    ],
    ids=["proxy-value", "green-book-rate", "schedule-date", "deflator"],
)
def test_an_edit_to_the_reference_data_outside_the_services_is_named(con, people, tamper, named):
    seq = _reference_row(con)[0]
    assert audit.verify(con, people.auditor).ok
    con.execute(tamper)
    check = audit.verify(con, people.auditor)
    assert check.problem == (
        f"{named} is not what audit row #{seq} recorded (altered outside the services)"
    )


def test_a_proxy_inserted_outside_the_services_is_named(con, people):
    con.execute(
        "INSERT INTO proxy (code, category, description, unit, value, price_year, source,"
        " licence, added_at) SELECT 'FAKE', category, description, unit, 99999.00, price_year,"
        " source, licence, added_at FROM proxy WHERE code = 'CR1.0'"
    )
    assert audit.verify(con, people.auditor).problem == (
        "proxy 'FAKE' has no audited write (inserted outside the services)"
    )
