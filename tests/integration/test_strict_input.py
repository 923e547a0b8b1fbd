"""Strict input (issue 8, part 4): amounts and ids in the digits 0-9 only, ids beyond the
database's range read as "no such record", text that is not UTF-8 refused naming its field,
and payment-run files that say exactly what is wrong with their header, encoding or rows.

A fuzz test over headers, encodings and values keeps it so: reading a run's file either
gives payments whose amounts are exact and were written in ASCII, or a refusal naming the
field, never another exception.
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from fund import ledger, lifecycle, register
from fund.cli import cli
from fund.errors import NotFound, RingfenceError, ValidationError, describe
from fund.ledger import approvals, payment_run
from fund.ledger.payment_run import COLUMNS, REQUIRED_COLUMNS, read_run
from fund.unit_of_work import required_text
from tests.conftest import key
from tests.integration.helpers import counts, nothing_written

BIGINT_MAX = 2**63 - 1

# --- ids -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "number"), [("12", 12), (" 7 ", 7), ("007", 7), ("+5", 5), (42, 42)]
)
def test_an_id_written_in_the_digits_0_to_9_is_read(typed, number):
    assert register.parse_id(typed, "commitment") == number


@pytest.mark.parametrize("typed", ["１２３", "١٢٣", "۱۲۳", "१२३", "12３", "²"])
def test_an_id_written_with_other_digits_is_refused_saying_which_digits(typed):
    with pytest.raises(ValidationError) as refused:
        register.parse_id(typed, "commitment")
    assert str(refused.value) == (
        f"commitment: must be a number written with the digits 0-9, not {typed!r}"
    )


@pytest.mark.parametrize(
    ("typed", "rule"),
    [
        ("x", "must be a number, not 'x'"),
        ("1_000", "must be a number, not '1_000'"),
        ("1.0", "must be a number, not '1.0'"),
        ("1e3", "must be a number, not '1e3'"),
        ("-+5", "must be a number, not '-+5'"),
        ("-5", "must be a positive number, not '-5'"),
        ("0", "must be a positive number, not '0'"),
        ("-0", "must be a positive number, not '-0'"),
        ("", "is required"),
        (None, "is required"),
        ("12\udca3", "must be a number, not '12\\udca3'"),
    ],
)
def test_an_id_that_is_not_a_positive_number_is_refused_naming_the_field(typed, rule):
    with pytest.raises(ValidationError) as refused:
        register.parse_id(typed, "commitment")
    assert str(refused.value) == f"commitment: {rule}"


@pytest.mark.parametrize(
    ("field", "said"),
    [
        ("commitment", "commitment: no commitment"),
        ("experiment", "experiment: no experiment"),
        ("entry", "entry: no ledger entry"),
        ("request", "request: no pending approval request"),
    ],
)
def test_an_id_beyond_what_any_table_holds_is_not_found(field, said):
    for typed in [str(BIGINT_MAX + 1), "9" * 30, "9" * 5000]:
        with pytest.raises(NotFound) as refused:
            register.parse_id(typed, field)
        assert str(refused.value) == f"{said} {typed}"
    assert register.parse_id(str(BIGINT_MAX), field) == BIGINT_MAX


OUT_OF_RANGE = ["2147483648", str(BIGINT_MAX), str(BIGINT_MAX + 1), "9" * 40]


@pytest.mark.parametrize("big", OUT_OF_RANGE)
def test_every_service_reads_an_out_of_range_id_as_no_such_record(con, people, funded, big):
    m = people.manager
    attempts = {
        f"commitment: no commitment {big}": [
            lambda: ledger.pay(con, m, commitment_id=big, amount="1", reason="r", key=key()),
            lambda: ledger.decommit(con, m, commitment_id=big, amount="1", reason="r", key=key()),
            lambda: ledger.pay_run(
                con,
                m,
                [
                    payment_run.payment(
                        commitment_id=big, amount="1", on=None, reason="r", key=key()
                    )
                ],
            ),
        ],
        f"experiment: no experiment {big}": [
            lambda: ledger.commit(
                con,
                m,
                experiment_id=big,
                amount="1",
                counterparty="x",
                reason="r",
                key=key(),
            ),
            lambda: register.experiment_details(con, m, big),
            lambda: lifecycle.move(con, m, experiment_id=big, to_phase=2, reason="r", key=key()),
        ],
        f"programme: no programme {big}": [
            lambda: ledger.allocate(con, m, programme_id=big, amount="1", reason="r", key=key()),
        ],
        f"ring-fence: no ring-fence {big}": [
            lambda: register.add_programme(
                con, m, ringfence_id=big, name=f"P{big[:8]}", target="t", key=key()
            ),
        ],
        f"entry: no ledger entry {big}": [
            lambda: ledger.reverse(con, m, entry_id=big, reason="r", key=key()),
        ],
        f"request: no pending approval request {big}": [
            lambda: approvals.decide(
                con, people.second_manager, request_id=big, approve=True, reason="r", key=key()
            ),
        ],
    }
    for said, calls in attempts.items():
        for call in calls:
            with nothing_written(con), pytest.raises(RingfenceError) as refused:
                call()
            assert describe(refused.value).removeprefix("row 1: ") == said


# --- text that is not UTF-8 ------------------------------------------------------------


def test_text_holding_bytes_that_were_not_utf8_is_refused_naming_the_field():
    # Python turns argv bytes that are not UTF-8 into lone surrogates ('\udce9' for 0xE9).
    with pytest.raises(ValidationError) as refused:
        required_text("caf\udce9", "reason")
    assert str(refused.value) == "reason: must be text in UTF-8"
    assert required_text(" Café ", "reason") == "Café"


def test_a_service_refuses_a_reason_that_is_not_utf8_and_writes_nothing(con, people, funded):
    commitment = ledger.commit(
        con,
        people.manager,
        experiment_id=funded.experiments["small_grant"],
        amount="100.00",
        counterparty="Grantee",
        reason="award",
        key=key(),
    ).entity_id
    with nothing_written(con), pytest.raises(ValidationError) as refused:
        ledger.pay(
            con,
            people.manager,
            commitment_id=commitment,
            amount="1.00",
            reason="caf\udce9",
            key=key(),
        )
    assert str(refused.value) == "reason: must be text in UTF-8"


@pytest.mark.parametrize(
    ("words", "field"),
    [
        (["--as", "manager", "pay", "1", "10", "--reason", "caf\udce9"], "--reason"),
        (["--as", "manager", "pay", "1", "10", "--reason", "r", "--key", "k\udcff"], "--key"),
        (["--as", "manager", "pay", "1\udca3", "10", "--reason", "r"], "COMMITMENT_ID"),
        (["--as", "manager", "commit", "1", "10", "--to", "Caf\udce9", "--reason", "r"], "--to"),
        (["--as", "admin", "users", "add", "b\udce9", "--role", "auditor", "--name", "B", "--reason", "r"], "USERNAME"),
        (["--as", "man\udce9", "position"], "--as"),
    ],
)  # fmt: skip
def test_cli_text_that_is_not_utf8_is_refused_naming_the_parameter(tmp_path, words, field):
    path = tmp_path / "fund.duckdb"
    result = CliRunner().invoke(cli, ["--db", str(path), *words], env={"RINGFENCE_PASSWORD": "x"})
    assert result.exit_code == 1, result.output
    assert result.output.strip().splitlines()[-1] == f"error: {field}: must be text in UTF-8"
    assert not path.exists()  # refused before the database was opened


def test_a_database_path_that_is_not_utf8_is_refused_as_text(tmp_path):
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "f\udce9.duckdb"), "position"])
    assert result.exit_code == 1, result.output
    assert result.output.strip().splitlines()[-1] == "error: --db: must be text in UTF-8"


def test_a_run_given_as_text_holding_bytes_that_were_not_utf8_refuses_those_rows():
    run = read_run(
        "commitment_id,amount,reason\n1,2.00,caf\udce9\n1\udce9,2.00,\n1,3.00,\n",
        reason="run",
        key="k",
    )
    assert [describe(r) for r in run.refused] == [
        "row 1: reason: must be text in UTF-8",
        "row 2: commitment: must be a number, not '1\\udce9'",
    ]
    assert [p.row for p in run.payments] == [3]


# --- the fuzz test: headers, encodings, values -----------------------------------------

NEAR_MISSES = [
    "valuedate",
    "Reason",
    "iban",
    "Amount",
    "AMOUNT",
    "commitment",
    "Commitment ID",
    "value date",
    "amount ",
    " reason",
    "amounts",
    "",
]
# Text that may appear in a header or a cell, never a byte-order mark (a reader takes one at
# the very start of the file as the encoding's mark, not as text).
TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\ufeff"), max_size=12)
NAMES = st.one_of(st.sampled_from(COLUMNS), st.sampled_from(NEAR_MISSES), TEXT)
OPTIONAL = [c for c in COLUMNS if c not in REQUIRED_COLUMNS]
ALLOWED_HEADERS = st.sets(st.sampled_from(OPTIONAL)).flatmap(
    lambda extra: st.permutations([*REQUIRED_COLUMNS, *sorted(extra)])
)
HEADERS = st.one_of(ALLOWED_HEADERS, ALLOWED_HEADERS, st.lists(NAMES, max_size=6))
GOOD = st.sampled_from(["1", "12", "7.00", "12.50", "1,234.56", "£3", "+5", "2147483648", ""])
VALUES = st.one_of(
    GOOD,
    GOOD,
    GOOD,
    GOOD,
    st.sampled_from(
        [
            "1",
            "12",
            "12.50",
            "1,234.56",
            "£3",
            "+5",
            "-5",
            "0",
            "00",
            "1e3",
            "1E+2",
            "１２３",
            "١٢٣",
            "٣.00",
            "2147483648",
            str(BIGINT_MAX),
            str(BIGINT_MAX + 1),
            "9" * 30,
            "",
            " ",
            "1.005",
            "NaN",
            "Infinity",
            "1_000",
            "0x10",
            "2026-01-05",
            "2999-01-01",
            "Café",
        ]
    ),
    st.integers(-(10**25), 10**25).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    TEXT,
)
ENCODINGS = st.sampled_from(
    ["str", "utf-8", "utf-8", "utf-8-sig", "utf-16", "utf-16-be", "utf-32", "latin-1", "cp1252"]
)


def _fitted(texts: list[str], encoding: str) -> list[str]:
    return [text.encode(encoding, errors="replace").decode(encoding) for text in texts]


def _encoded(text: str, encoding: str) -> str | bytes:
    if encoding == "str":
        return text
    if encoding == "utf-16-be":
        return ("\ufeff" + text).encode(encoding)
    return text.encode(encoding)


def _faults(header: list[str]) -> list[str]:
    """What a refusal of ``header`` must name: each wrong column as the refusal quotes it."""
    names = [name.strip() for name in header]
    if not header:
        return ["the header, is empty"]
    faults = [f"column {n} has no name" for n, name in enumerate(names, start=1) if not name]
    faults += [repr(name) for name in names if name and (names.count(name) > 1)]
    faults += [repr(name) for name in names if name and name not in COLUMNS]
    return faults


# Under its own column, a value is more often one that fits it, so that files that read
# are as common as files that do not.
FITTING = {
    "commitment_id": st.sampled_from(["1", "12", " 7 ", "+5", "2147483648", str(BIGINT_MAX)]),
    "amount": st.sampled_from(["1", "7.00", "12.50", "1,234.56", "£3", "+5", " 0.01 "]),
    "value_date": st.sampled_from(["", "2026-01-05", "2025-12-31"]),
    "reason": st.one_of(st.just(""), TEXT),
}


@st.composite
def files(draw) -> tuple[list[str], list[list[str]]]:
    """A header and rows, most of them as long as the header, some shorter or longer."""
    header = draw(HEADERS)
    cells = [st.one_of(FITTING.get(name.strip(), VALUES), VALUES) for name in header]
    whole = st.tuples(*cells).map(list)
    ragged = st.lists(VALUES, max_size=5)
    rows = draw(st.lists(st.one_of(whole, whole, ragged), max_size=6))
    return header, rows


@settings(max_examples=400, deadline=None)
@given(file=files(), encoding=ENCODINGS)
def test_reading_any_file_gives_exact_ascii_payments_or_a_refusal_naming_the_field(file, encoding):
    header, rows = file
    if encoding in {"latin-1", "cp1252"}:  # what these encodings cannot hold becomes '?'
        header, rows = _fitted(header, encoding), [_fitted(row, encoding) for row in rows]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    text = buffer.getvalue()
    data = _encoded(text, encoding)

    try:
        run = read_run(data, reason="weekly run", key="run")
    except RingfenceError as error:
        said = describe(error)
        event(f"refused: {error.field}")
        assert said.startswith(f"{error.field}: ")
        if encoding in {"utf-16", "utf-16-be", "utf-32"}:
            assert said == f"file: the file is {encoding[:6].upper()}; save it as CSV UTF-8"
            return
        decodable = isinstance(data, str) or _is_utf8(data)
        if not decodable:
            assert said.startswith(
                "file: must be text in UTF-8 (in Excel, save it as 'CSV UTF-8');"
            )
            assert re.search(r"line \d+ is not: byte \d+ of the line", said)
            return
        if "\x00" in text:
            assert said.startswith("file: holds NUL characters")
            return
        faults = _faults(header)
        if faults:
            assert error.field == "file"
            for fault in faults:
                assert fault in said, (fault, said)
        elif any(c not in [name.strip() for name in header] for c in REQUIRED_COLUMNS):
            assert error.field == "file"
        else:
            assert error.field == "payments", said  # only its size can refuse the whole file
        return

    event(f"read: {len(run.payments)} payments, {len(run.refused)} rows refused")
    assert not _faults(header)
    assert encoding not in {"utf-16", "utf-16-be", "utf-32"}
    names = [name.strip() for name in header]
    written = [row for row in rows if row]  # blank lines hold no payment
    for p in run.payments:
        row = dict(zip(names, written[p.row - 1], strict=False))
        typed_amount, typed_id = row["amount"].strip(), row["commitment_id"].strip()
        assert re.fullmatch(r"[-+£0-9,.]+", typed_amount, re.ASCII), typed_amount
        assert re.fullmatch(r"\+?[0-9]+", typed_id, re.ASCII), typed_id
        assert isinstance(p.amount, Decimal) and p.amount.as_tuple().exponent == -2
        assert p.amount == Decimal(re.sub("[£,]", "", typed_amount)) > 0
        assert p.commitment_id == int(typed_id) and 0 < p.commitment_id <= BIGINT_MAX
        assert p.key == f"run/{p.row}"
    assert sorted([p.row for p in run.payments] + [r.row for r in run.refused]) == list(
        range(1, len(written) + 1)
    )


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@pytest.fixture
def award(con, people, funded) -> int:
    """A £8,000.00 small grant, nothing paid yet."""
    return ledger.commit(
        con,
        people.manager,
        experiment_id=funded.experiments["small_grant"],
        amount="8000.00",
        counterparty="Grantee",
        reason="award",
        key=key(),
    ).entity_id


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "latin-1"]))
def test_posting_any_file_either_posts_every_payment_or_refuses_naming_each_bad_row(
    con, people, award, data, encoding
):
    ids = st.one_of(st.just(str(award)), st.just(str(award)), VALUES)
    amounts = st.one_of(st.sampled_from(["1.00", "2,000", "£7,999.99", "8000.01"]), VALUES)
    cells = data.draw(st.lists(st.tuples(ids, amounts), min_size=1, max_size=5))
    rows = _fitted_rows([["commitment_id", "amount"], *cells], encoding)
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    before = counts(con)
    try:
        written = payment_run.pay_csv(
            con, people.manager, text=buffer.getvalue().encode(encoding), reason="r", key=key()
        )
    except RingfenceError as error:
        event(f"refused: {error.field}")
        assert describe(error).startswith(f"{error.field}: ")
        assert counts(con) == before
    else:
        event(f"posted {len(written)}")
        assert [w.entity for w in written] == ["ledger entry"] * len(cells)


def _fitted_rows(rows: list[list[str]], encoding: str) -> list[list[str]]:
    return [_fitted(row, encoding) for row in rows]
