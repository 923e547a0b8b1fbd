"""The `fund` command, run for real: the installed console script in a subprocess, against a
temporary database file, acting as named users with their passwords in the environment.

One database is set up from the CLI alone and shared by the tests that only read it (or
whose writes are all refused); tests that write work on a copy of its file. Commands are
written as a user would type them, after `fund --db FILE --as USER`.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

PASSWORD = "correct horse battery"


def _fund_command() -> list[str]:
    """The installed `fund` script beside this Python, or the module if it is not installed."""
    script = Path(sys.executable).with_name("fund")
    return [str(script)] if script.exists() else [sys.executable, "-m", "fund.cli"]


FUND = _fund_command()


def fund(
    db: Path,
    command: str | list[str],
    *,
    user: str | None = "manager",
    password: str = PASSWORD,
    expect: int = 0,
) -> subprocess.CompletedProcess[str]:
    """Run `fund --db DB [--as USER] COMMAND` and check its exit status.

    Whatever happens, the user never sees a traceback or an internal error.
    """
    env = {name: value for name, value in os.environ.items() if not name.startswith("RINGFENCE_")}
    env |= {"RINGFENCE_PASSWORD": password, "RINGFENCE_NEW_PASSWORD": PASSWORD}
    words = shlex.split(command) if isinstance(command, str) else command
    result = subprocess.run(
        [*FUND, "--db", str(db), *(["--as", user] if user else []), *words],
        capture_output=True,
        text=True,
        env=env,
        cwd=db.parent,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert "internal error" not in result.stderr, result.stderr
    assert result.returncode == expect, (result.returncode, result.stdout, result.stderr)
    return result


def as_json(result: subprocess.CompletedProcess[str]) -> dict:
    return json.loads(result.stdout)


def csv_rows(result: subprocess.CompletedProcess[str]) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(result.stdout)))


def counts(db: Path) -> tuple[int, int]:
    """(audit rows, ledger entries), read straight from the file. Every write adds an audit
    row, so unchanged counts mean nothing was written."""
    with duckdb.connect(str(db), read_only=True) as con:
        audit_rows = con.execute("SELECT count(*) FROM audit_log").fetchone()[0]
        entries = con.execute("SELECT count(*) FROM ledger_entry").fetchone()[0]
    return audit_rows, entries


@dataclass(frozen=True)
class Fund:
    path: Path
    ringfence_id: int
    programme_id: int
    experiment_id: int


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Fund:
    """A database made with the CLI alone: an admin, two fund managers and an auditor, a
    £1,000,000.00 ring-fence with a £10,000.00 delegated limit, one programme with
    £100,000.00 allocated to it, and one experiment."""
    path = tmp_path_factory.mktemp("fund") / "fund.duckdb"
    fund(path, "init --admin admin --name 'Ada Admin'", user=None)
    staff = {"manager": "fund_manager", "second": "fund_manager", "auditor": "auditor"}
    for name, role in staff.items():
        add = f"users add {name} --role {role} --name {name.title()} --reason 'new starter'"
        fund(path, add, user="admin")
    declare = (
        "ringfence declare --name 'Innovation Fund' --owner 'Northborough Council'"
        " --years 2025-26 --amount 1000000 --purpose 'Test new ways to help residents'"
        " --advertised 2025-03-01 --delegated-limit 10000 --reason 'cabinet decision' --json"
    )
    ringfence_id = as_json(fund(path, declare))["id"]
    programme = (
        f"programme add {ringfence_id} --name 'Young people into work'"
        " --target 'Halve youth unemployment' --reason 'cabinet decision' --json"
    )
    programme_id = as_json(fund(path, programme))["id"]
    experiment = (
        f"experiment add {programme_id} --title 'Job coaching in schools'"
        " --instrument small_grant --phase 1 --risk medium --official 'Pat Official'"
        " --involvement co-designed"
        " --partner 'Youth Trust' civil_society innovation_creator 2500 0"
        " --reason 'agreed at board' --json"
    )
    experiment_id = as_json(fund(path, experiment))["id"]
    fund(
        path,
        f"plan register {experiment_id} --hypothesis 'Coaching keeps pupils in training'"
        " --metric 'In training at 18' --unit '% of pupils' --higher-is-better --design none"
        " --reason 'plan before money'",
    )
    fund(path, f"allocate {programme_id} 100000 --reason 'first tranche' --key setup-1")
    return Fund(path, ringfence_id, programme_id, experiment_id)


@pytest.fixture
def copy(prepared, tmp_path) -> Fund:
    """The prepared fund in a file of this test's own, to write to."""
    path = tmp_path / "fund.duckdb"
    shutil.copyfile(prepared.path, path)
    return Fund(path, prepared.ringfence_id, prepared.programme_id, prepared.experiment_id)


# --- set-up and reports ----------------------------------------------------------------------


def test_a_fund_set_up_from_the_cli_alone_shows_its_allocation(prepared):
    header, _, row = fund(prepared.path, "position --by programme").stdout.splitlines()
    for label in ["Ring-fence", "Programme", "Allocated", "Committed", "Written off", "Available"]:
        assert label in header
    assert "written_off" not in header
    assert "Young people into work" in row
    assert "£100,000.00" in row
    assert row.endswith(" 1")  # one experiment, the count right-aligned under its label


def test_the_position_as_json_gives_money_as_decimal_strings(prepared):
    document = as_json(fund(prepared.path, "position --json"))
    assert document["by"] == "total"
    assert document["headline"]["ring_fence"] == "1000000.00"
    assert document["headline"]["allocated"] == "100000.00"
    assert document["headline"]["headroom"] == "900000.00"
    assert document["headline"]["leverage"] is None  # nothing is committed yet
    assert document["rows"][0]["available"] == "100000.00"


def test_init_on_an_existing_database_only_migrates(prepared):
    said = fund(prepared.path, "init", user=None).stdout
    assert said.startswith(f"{prepared.path} is up to date (schema version ")


def test_a_command_on_a_missing_database_says_how_to_create_one(tmp_path):
    missing = tmp_path / "nowhere.duckdb"
    refused = fund(missing, "position", expect=1)
    assert refused.stderr.startswith("error: database: there is no database at ")
    assert "fund init" in refused.stderr
    assert not missing.exists()


def test_the_export_is_csv_with_a_header_and_one_row_per_entry(prepared):
    rows = csv_rows(fund(prepared.path, "export", user="auditor"))
    assert len(rows) == counts(prepared.path)[1] == 1
    (allocation,) = rows  # under the headings the app shows
    assert allocation["Kind"] == "Allocation"
    assert allocation["Amount"] == "100000.00"
    assert allocation["Programme"] == "Young people into work"
    assert allocation["Actor"] == "Manager (manager)"
    assert allocation["Reason"] == "first tranche"
    assert allocation["Commitment #"] == allocation["Reverses entry #"] == ""


# --- refusals: one line naming the field, exit status 1, nothing written ----------------------


@pytest.mark.parametrize(
    ("programme", "amount", "reason", "field", "rule"),
    [
        ("1", "twelve", "top-up", "amount", "must be a number of pounds such as 1,234.56, not 'twelve'"),
        ("1", "-500", "top-up", "amount", "must be more than £0.00, not -£500.00"),
        ("1", "10.005", "top-up", "amount", "must have at most two decimal places, not 10.005"),
        ("1", "10000000000000000.00", "top-up", "amount", "must not exceed £9,999,999,999,999,999.99"),
        ("999", "500", "top-up", "programme", "no programme 999"),
        ("1", "500", "  ", "reason", "is required and must not be blank"),
    ],
    ids=["non-numeric", "negative", "three-decimals", "over-maximum", "unknown-programme", "blank-reason"],
)  # fmt: skip
def test_bad_input_is_refused_in_one_line_naming_the_field_and_writes_nothing(
    prepared, programme, amount, reason, field, rule
):
    before = counts(prepared.path)
    refused = fund(prepared.path, ["allocate", programme, amount, "--reason", reason], expect=1)
    assert refused.stderr == f"error: {field}: {rule}\n"
    assert refused.stdout == ""
    assert counts(prepared.path) == before


def test_a_wrong_password_is_refused(prepared):
    refused = fund(prepared.path, "position", password="not the password", expect=1)
    assert refused.stderr == "error: password: the user name or password is not right\n"


def test_an_auditor_may_not_allocate(prepared):
    before = counts(prepared.path)
    refused = fund(prepared.path, "allocate 1 500 --reason top-up", user="auditor", expect=1)
    assert refused.stderr == (
        "error: user: auditor is not permitted to allocate money to programmes\n"
    )
    assert counts(prepared.path) == before


def test_a_missing_reason_is_a_usage_error(prepared):
    refused = fund(prepared.path, "allocate 1 500", expect=2)
    assert "Missing option '--reason'" in refused.stderr


# --- writes ----------------------------------------------------------------------------------


def test_a_write_retried_with_the_key_it_printed_is_written_once(copy):
    allocate = f"allocate {copy.programme_id} 2500.50 --reason top-up"
    first = fund(copy.path, allocate).stdout
    assert first.startswith(
        "£2,500.50 allocated to Young people into work (ledger entry #2).\nKey: "
    )
    key = first.split("Key: ")[1].split()[0]
    again = fund(copy.path, f"{allocate} --key {key}").stdout
    assert again.startswith("Already done with this key, so nothing new was written:\n")
    assert "Key:" not in again  # the key was given, so there is none to print
    assert as_json(fund(copy.path, "position --json"))["headline"]["allocated"] == "102500.50"


def test_a_large_commitment_waits_for_a_second_fund_manager(copy):
    commit = f"commit {copy.experiment_id}"
    small = as_json(fund(copy.path, f"{commit} 5000 --to 'Youth Trust' --reason grant --json"))
    assert small["entity"] == "commitment"
    large = fund(copy.path, f"{commit} 50000 --to 'Acme Coaching' --reason contract").stdout
    assert "is above the delegated limit of £10,000.00: it waits for a second fund manager" in large
    assert large.startswith("£50,000.00 to Acme Coaching for ")
    assert "as approval request #1. (fund approve 1 --reason ...)" in large

    waiting = as_json(fund(copy.path, "pending --json", user="auditor"))["requests"]
    assert [(r["request_id"], r["amount"], r["requested_by"]) for r in waiting] == [
        (1, "50000.00", "manager")
    ]
    own = fund(copy.path, "approve 1 --reason 'looks fine'", expect=1)
    assert own.stderr.startswith("error: approver: ")
    approved = fund(copy.path, "approve 1 --reason 'value for money'", user="second")
    assert "Request #1 approved: commitment #2 of £50,000.00 to Acme Coaching" in approved.stdout

    paid = fund(copy.path, f"pay {small['id']} 2000 --reason 'first instalment'")
    assert paid.stdout.startswith(
        "Payment of £2,000.00 recorded on commitment #1 (ledger entry #4)."
    )
    too_much = fund(copy.path, f"pay {small['id']} 3000.01 --reason second", expect=1)
    assert too_much.stderr == (
        "error: amount: payment £3,000.01 exceeds commitment #1 unpaid £3,000.00\n"
    )
    reversal = fund(copy.path, "reverse 4 --reason 'paid the wrong supplier'")
    assert reversal.stdout.startswith("Entry #4 (disbursement, £2,000.00) reversed by entry #5.")
    headline = as_json(fund(copy.path, "position --json", user="auditor"))["headline"]
    assert (headline["committed"], headline["paid"]) == ("55000.00", "0.00")


def test_a_payment_run_from_a_csv_file_posts_all_or_nothing_and_once(copy):
    for n in (1, 2):
        fund(copy.path, f"commit {copy.experiment_id} 5000 --to 'Grantee {n}' --reason grant")
    run = copy.path.parent / "run.csv"
    run.write_text(
        "commitment_id,amount,value_date,reason\n1,1500.00,,first instalment\n2,250.50,,\n"
    )
    posted = fund(copy.path, f"pay-run {run} --reason 'weekly run' --key run-1").stdout
    assert posted == "Posted 2 payments totalling £1,750.50 (ledger entries #4–#5).\n"
    again = as_json(fund(copy.path, f"pay-run {run} --reason 'weekly run' --key run-1 --json"))
    assert again == {
        "payments": 2,
        "total": "1750.50",
        "entries": [4, 5],
        "replayed": 2,
        "key": "run-1",
    }

    run.write_text("commitment_id,amount\n1,3000.00\n2,4749.51\n")
    before = counts(copy.path)
    refused = fund(copy.path, f"pay-run {run} --reason 'weekly run'", expect=1)
    assert refused.stderr == (
        "error: row 2: amount: payment £4,749.51 exceeds commitment #2 unpaid £4,749.50\n"
    )
    assert counts(copy.path) == before
    headline = as_json(fund(copy.path, "position --json", user="auditor"))["headline"]
    assert headline["paid"] == "1750.50"


def test_a_payment_run_names_every_bad_row_at_once_whether_unreadable_or_refused(copy):
    fund(copy.path, f"commit {copy.experiment_id} 5000 --to 'Grantee' --reason grant")
    run = copy.path.parent / "run.csv"
    run.write_text("commitment_id,amount\n1,4000.00\n1,１２３\n1,1000.01\n99,1.00\n")
    before = counts(copy.path)
    refused = fund(copy.path, f"pay-run {run} --reason 'weekly run'", expect=1)
    assert refused.stderr == (
        "error: row 2: amount: must be a number of pounds such as 1,234.56, written with the"
        " digits 0-9, not '１２３'; row 3: amount: payment £1,000.01 exceeds commitment #1"
        " unpaid £1,000.00; row 4: commitment: no commitment 99\n"
    )
    assert counts(copy.path) == before


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (
            "commitment_id,amount\n1,5.00\n".encode("utf-16"),
            "error: file: the file is UTF-16; save it as CSV UTF-8\n",
        ),
        (
            "commitment_id,amount,reason\n1,5.00,Café\n".encode("latin-1"),
            "error: file: must be text in UTF-8 (in Excel, save it as 'CSV UTF-8'); line 2 is"
            " not: byte 11 of the line (byte 39 of the file) is 0xE9\n",
        ),
        (
            b"commitment_id,amount,amount\n1,5.00,99999.00\n",
            "error: file: needs the columns commitment_id, amount (optional: value_date,"
            " reason), each once; 'amount' is given twice (columns 2 and 3)\n",
        ),
        (
            b"commitment_id,amount,valuedate\n1,5.00,2026-01-05\n",
            "error: file: needs the columns commitment_id, amount (optional: value_date,"
            " reason), each once; 'valuedate' is not a column of a payment run"
            " (did you mean value_date?)\n",
        ),
    ],
    ids=["utf-16", "latin-1", "duplicated-column", "misspelled-column"],
)
def test_a_payment_run_file_in_another_encoding_or_with_a_bad_header_is_refused(
    prepared, content, said
):
    run = prepared.path.parent / "bad-run.csv"
    run.write_bytes(content)
    before = counts(prepared.path)
    refused = fund(prepared.path, f"pay-run {run} --reason 'weekly run'", expect=1)
    assert refused.stderr == said
    assert counts(prepared.path) == before


def _fund_with_bytes(db: Path, words: list[str | bytes]) -> subprocess.CompletedProcess[bytes]:
    """`fund --db DB WORDS…` where some words are bytes that are not UTF-8, as a shell in
    a Latin-1 terminal passes them."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("RINGFENCE_")}
    env |= {"RINGFENCE_PASSWORD": PASSWORD}
    return subprocess.run(
        [*FUND, "--db", str(db), *words],
        capture_output=True,
        env=env,
        cwd=db.parent,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("words", "field"),
    [
        (["--as", "manager", "allocate", "1", "500", "--reason", b"caf\xe9"], "--reason"),
        (["--as", "manager", "commit", "1", "500", "--to", b"Caf\xe9", "--reason", "grant"], "--to"),
        (["--as", "manager", "allocate", b"\xb9", "500", "--reason", "top-up"], "PROGRAMME_ID"),
        (["--as", b"man\xe9ger", "position"], "--as"),
    ],
    ids=["reason", "counterparty", "id", "user"],
)  # fmt: skip
def test_text_arguments_that_are_not_utf8_are_refused_naming_the_field(prepared, words, field):
    before = counts(prepared.path)
    refused = _fund_with_bytes(prepared.path, words)
    assert refused.returncode == 1, refused
    assert refused.stderr == f"error: {field}: must be text in UTF-8\n".encode()
    assert refused.stdout == b""
    assert counts(prepared.path) == before


def test_a_password_in_the_environment_that_is_not_utf8_is_refused(prepared):
    env = {name: value for name, value in os.environ.items() if not name.startswith("RINGFENCE_")}
    env_bytes = {k.encode(): v.encode() for k, v in env.items()}
    env_bytes[b"RINGFENCE_PASSWORD"] = b"caf\xe9-password"
    refused = subprocess.run(
        [*FUND, "--db", str(prepared.path), "--as", "manager", "position"],
        capture_output=True,
        env=env_bytes,
        cwd=prepared.path.parent,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )
    assert refused.returncode == 1, refused
    assert refused.stderr == b"error: password: must be text in UTF-8\n"


def test_a_virement_moves_money_only_once_a_second_person_approves(copy):
    programme = (
        f"programme add {copy.ringfence_id} --name 'Financial inclusion'"
        " --target 'Everyone banked' --reason 'new challenge' --json"
    )
    other = as_json(fund(copy.path, programme))["id"]
    vire = f"vire request 10000 --from-programme {copy.programme_id} --to-programme {other}"
    asked = fund(copy.path, f"{vire} --reason rebalance")
    assert asked.stdout.startswith(
        "Virement of £10,000.00 requested: it waits for a second fund manager as approval request #1."
    )
    fund(copy.path, "vire approve 1 --reason agreed", user="second")
    programmes = as_json(fund(copy.path, "position --by programme --json"))["rows"]
    assert {r["programme"]: r["allocated"] for r in programmes} == {
        "Financial inclusion": "10000.00",
        "Young people into work": "90000.00",
    }
    rows = csv_rows(fund(copy.path, "export"))
    assert [(r["Kind"], r["Programme"], r["Amount"], r["Request #"]) for r in rows] == [
        ("Allocation", "Young people into work", "100000.00", ""),
        ("Virement", "Young people into work", "-10000.00", "1"),
        ("Virement", "Financial inclusion", "10000.00", "1"),
    ]


# --- the audit chain and the database lock ---------------------------------------------------


def test_audit_verify_passes_then_names_the_row_whose_amount_was_altered(copy):
    audit_rows, entries = counts(copy.path)
    ok = fund(copy.path, "audit verify", user="auditor")
    assert ok.stdout == f"OK: {audit_rows} audit rows and {entries} ledger entries verified\n"

    with duckdb.connect(str(copy.path)) as con:  # every CLI process has exited by now
        (seq,) = con.execute(
            "UPDATE ledger_entry SET amount = 1000000.00 WHERE kind = 'allocation'"
            " RETURNING audit_seq"
        ).fetchone()

    failed = fund(copy.path, "audit verify", user="auditor", expect=1)
    assert failed.stdout.startswith(f"FAILED: ledger entries of audit row #{seq} (allocate)")
    report = as_json(fund(copy.path, "audit verify --json", user="auditor", expect=1))
    assert (report["ok"], report["seq"]) == (False, seq)


def test_a_write_while_another_process_holds_the_database_names_that_process(copy):
    before = counts(copy.path)
    with duckdb.connect(str(copy.path)):  # this test process plays the running app
        refused = fund(copy.path, f"allocate {copy.programme_id} 10 --reason x", expect=1)
    assert refused.stderr.startswith("error: database: ")
    assert f"(PID {os.getpid()})" in refused.stderr
    assert refused.stderr.count("\n") == 1
    assert counts(copy.path) == before


# --- the demo --------------------------------------------------------------------------------


def test_the_demo_builds_once_and_its_position_prints(tmp_path):
    path = tmp_path / "demo.duckdb"
    built = fund(path, "demo", user=None)
    assert "manager-demo-pw" in built.stdout
    shown = fund(path, "position --by instrument", password="manager-demo-pw").stdout
    assert "Payment-by-results contract" in shown
    assert "£" in shown
    again = fund(path, "demo", user=None, expect=1)
    assert again.stderr.startswith("error: database: ")
    assert "already exists" in again.stderr
