"""The audit chain's canonical text is built in Python when writing and by SQL macros when
verifying; these tests hold the two to the same bytes for any text people may type."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fund import db
from fund.audit import canonical_text


@pytest.fixture(scope="module")
def macros():
    con = duckdb.connect()
    db.migrate(con)
    yield con
    con.close()


texts = st.text(max_size=40)
amounts = st.decimals(
    min_value=Decimal("-9999999999999999.99"), max_value=Decimal("9999999999999999.99"), places=2
).filter(lambda d: d != 0)
moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1))


@settings(max_examples=200, deadline=None)
@given(
    reason=texts,
    actor=texts,
    details=texts,
    at=moments,
    entity_id=st.none() | st.integers(1, 2**40),
    states=st.sampled_from(["", "5f1d"]),
)
def test_an_audit_row_reads_the_same_to_python_and_to_sql(
    macros, reason, actor, details, at, entity_id, states
):
    values = [7, at, 3, actor, "pay", "ledger entry", entity_id, "key-1", reason, details, "abc"]
    in_sql = macros.execute(
        "SELECT audit_row_text(?::BIGINT, ?::TIMESTAMP, ?::INTEGER, ?, ?, ?, ?::BIGINT, ?, ?, ?,"
        " ?, ?)",
        [*values, states],
    ).fetchall()[0][0]
    # A row that recorded no states hashes the text rows had before states were recorded.
    assert canonical_text(values + ([states] if states else [])) == in_sql


@settings(max_examples=200, deadline=None)
@given(table=texts, row_key=texts, state=st.none() | texts)
def test_a_recorded_state_reads_the_same_to_python_and_to_sql(macros, table, row_key, state):
    in_sql = macros.execute("SELECT audit_state_text(?, ?, ?)", [table, row_key, state]).fetchall()[
        0
    ][0]
    assert canonical_text([table, row_key, state]) == in_sql


@settings(max_examples=200, deadline=None)
@given(
    amount=amounts,
    reason=texts,
    day=st.dates(date(2000, 1, 1), date(2100, 1, 1)),
    at=moments,
    programme=st.none() | st.integers(1, 10**6),
    reverses=st.none() | st.integers(1, 10**9),
)
def test_a_ledger_entry_reads_the_same_to_python_and_to_sql(
    macros, amount, reason, day, at, programme, reverses
):
    values = [41, "disbursement", 1, programme, 9, amount, day, at, 2, reason, reverses, None]
    in_sql = macros.execute(
        "SELECT ledger_entry_text(?::BIGINT, ?, ?::INTEGER, ?::INTEGER, ?::INTEGER,"
        " ?::DECIMAL(18,2), ?::DATE, ?::TIMESTAMP, ?::INTEGER, ?, ?::BIGINT, ?::INTEGER)",
        values,
    ).fetchall()[0][0]
    assert canonical_text(values) == in_sql
