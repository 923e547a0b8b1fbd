"""360Giving import and export through the services: the three real files import whole
(waiting as one request, since they hold awards above the delegated limit), a file imported
again writes nothing, corrupted copies are refused naming every bad row with nothing written,
out-of-range and split awards are flagged, and export → import gives the same grants."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest

from fund import audit, ledger, register
from fund.errors import FileRefused, PermissionDenied, RecordAltered
from fund.evidence import plans
from fund.grants import applications, export, imports, policy, queries, standard
from tests.conftest import SMALL_GRANT_PLAN, key
from tests.integration.helpers import copy_of_template, nothing_written

DATA = Path(__file__).parents[2].parent / "shared" / "data" / "360giving"
INDIGO = DATA / "a002400000G4KGJAA3.csv"
WOLFSON = DATA / "a002400000KeYdsAAF.json"
LLOYDS = DATA / "a002400000OiDBQAA3.xlsx"
HEADER = (
    "Identifier,Title,Description,Currency,Amount Awarded,Award Date,Recipient Org:Identifier,"
    "Recipient Org:Name,Funding Org:Identifier,Funding Org:Name\n"
)


@pytest.fixture
def scheme(con, people):
    return make_scheme(con, people)


def make_scheme(con, people):
    """A £500m ring-fence with a small-grant policy (£500 to £10,000, one fund manager up to
    £5,000), a programme allocated £300m and its small-grant experiment: room for every file."""
    fm = people.manager
    fence = register.declare_ringfence(
        con,
        fm,
        name="Grants Fund",
        owner_body="Northborough Council",
        financial_years="2026-27",
        declared_amount="500000000.00",
        purpose="Grants",
        advertised_on="2026-04-01",
        delegated_limit="10000.00",
        key=key(),
    ).entity_id
    policy.declare(
        con,
        fm,
        ringfence_id=fence,
        min_amount="500",
        max_amount="10000",
        delegated_limit="5000",
        id_prefix="northborough",
        funder_id="GB-LAE-NBR",
        report_days=30,
        reason="grants open",
        key=key(),
    )
    programme = register.add_programme(
        con, fm, ringfence_id=fence, name="Community grants", target="More groups", key=key()
    ).entity_id
    experiment = register.add_experiment(
        con,
        fm,
        programme_id=programme,
        title="Grants made by the old system",
        instrument="small_grant",
        phase=1,
        risk_rating="low",
        official="Pat Official",
        user_involvement="consulted",
        partners=[],
        key=key(),
    ).entity_id
    ledger.allocate(
        con, fm, programme_id=programme, amount="300000000.00", reason="grants", key=key()
    )
    return programme, experiment


def run_import(con, user, path, scheme, **more):
    programme, experiment = scheme
    return imports.import_file(
        con, user, path=path, programme_id=programme, experiment_id=experiment, key=key(), **more
    )


def committed(con, experiment) -> Decimal:
    return con.execute(
        "SELECT coalesce(sum(e.amount), 0) FROM ledger_entry AS e"
        " JOIN commitment AS c USING (commitment_id) WHERE c.experiment_id = ?",
        [experiment],
    ).fetchone()[0]


@pytest.mark.parametrize(
    ("path", "grants", "zero"), [(INDIGO, 269, 0), (WOLFSON, 379, 114), (LLOYDS, 4116, 1)]
)
def test_a_real_file_imports_whole_once_a_second_fund_manager_approves(
    con, people, scheme, path, grants, zero
):
    seen = []
    outcome = run_import(con, people.manager, path, scheme, progress=lambda f, w: seen.append(f))
    assert outcome.grants == outcome.new == grants
    assert len(outcome.nothing) == zero
    assert seen == sorted(seen) and seen[-1] == 1.0
    assert "waits for a second fund manager" in outcome.said
    assert committed(con, scheme[1]) == 0
    request = con.execute("SELECT request_id FROM grant_import").fetchone()[0]
    ledger.decide(
        con, people.second_manager, request_id=request, approve=True, reason="ok", key=key()
    )
    expected = sum((Decimal(str(g["amountAwarded"])) for g in _grants(path)), Decimal("0.00"))
    assert committed(con, scheme[1]) == expected
    assert con.execute("SELECT count(*) FROM small_grant").fetchone() == (grants,)
    listed = queries.grants(con, people.auditor)
    assert set(listed["status"]) == {"awarded"}
    assert audit.verify(con, people.auditor).ok


def _grants(path: Path) -> list[dict]:
    from fund.grants import reading

    return reading.read(path).grants


def test_the_same_file_again_writes_nothing(con, people, scheme):
    run_import(con, people.manager, INDIGO, scheme)
    with nothing_written(con):
        again = run_import(con, people.manager, INDIGO, scheme)
    assert again.written is None and again.already == 269
    assert "already recorded" in again.said


def write_csv(tmp_path: Path, rows: list[str], name="grants.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


def row(n: int, amount="3000", day="2026-05-01", recipient="Hill Youth Club", currency="GBP"):
    return (
        f"360G-old-{n},Grant {n},What grant {n} is for,{currency},{amount},{day},"
        f"GB-CHC-{100 + n},{recipient},GB-LAE-NBR,Northborough Council"
    )


def test_corrupted_grants_are_refused_every_one_named_and_nothing_written(
    con, people, scheme, tmp_path
):
    rows = [
        row(1),
        row(2, amount="three thousand"),
        ",Grant 3,No identifier,GBP,100,2026-05-01,GB-CHC-3,Someone,GB-LAE-NBR,Council",
        row(1, recipient="Another"),
        row(5, day="31/02/2026"),
        row(6, currency="USD"),
    ]
    path = write_csv(tmp_path, rows)
    with nothing_written(con), pytest.raises(FileRefused) as refused:
        run_import(con, people.manager, path, scheme)
    message = str(refused.value)
    for place in ("row 3", "row 4", "row 5", "row 6", "row 7"):
        assert place in message, (place, message)
    assert "three thousand" in message and "USD" in message and "31/02/2026" in message


def test_a_real_file_with_one_bad_grant_at_the_end_is_refused_whole(con, people, scheme, tmp_path):
    with INDIGO.open(encoding="utf-8", newline="") as file:
        rows = list(csv.reader(file))
    rows[-1][rows[0].index("Amount Awarded")] = "ten thousand"
    path = tmp_path / "indigo.csv"
    with path.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file).writerows(rows)
    with nothing_written(con), pytest.raises(FileRefused, match="row 270, Amount Awarded"):
        run_import(con, people.manager, path, scheme)


def test_a_different_grant_under_a_recorded_identifier_is_refused(con, people, scheme, tmp_path):
    run_import(con, people.manager, write_csv(tmp_path, [row(1)]), scheme)
    changed = write_csv(tmp_path, [row(1, amount="3500")], name="changed.csv")
    with nothing_written(con), pytest.raises(FileRefused, match="different grant"):
        run_import(con, people.manager, changed, scheme)


def test_out_of_range_and_split_awards_are_flagged_and_the_import_waits(
    con, people, scheme, tmp_path
):
    rows = [row(1, amount="20000", recipient="Big Charity"), row(2), row(3, day="2026-05-20")]
    outcome = run_import(con, people.manager, write_csv(tmp_path, rows), scheme)
    assert outcome.out_of_range == ["360G-old-1"]
    assert outcome.above_limit == ["360G-old-1"]
    assert outcome.split == ["360G-old-2", "360G-old-3"]
    assert "approval request" in outcome.said
    stored = json.loads(con.execute("SELECT report FROM grant_import").fetchone()[0])
    assert stored["out_of_range"] == ["360G-old-1"]
    outside = queries.out_of_range(con, people.auditor)
    assert list(outside["identifier"]) == ["360G-old-1"]
    listed = queries.grants(con, people.auditor).set_index("identifier")
    assert set(listed["evaluation_plan"]) == {"none registered: awarded elsewhere"}
    assert set(listed["status"]) == {"awaiting approval"}


def test_within_the_limit_the_import_is_committed_at_once(con, people, scheme, tmp_path):
    outcome = run_import(
        con, people.manager, write_csv(tmp_path, [row(1), row(2, recipient="Other")]), scheme
    )
    assert "committed, £6,000.00 in all" in outcome.said
    assert committed(con, scheme[1]) == Decimal("6000.00")


def own_grants(con, people, scheme) -> None:
    """Three of the fund's own grants, awarded (one of them paid in part)."""
    programme, experiment = scheme
    plans.register_plan(con, people.manager, experiment, SMALL_GRANT_PLAN, key=key(), reason="x")
    for n, (recipient, amount) in enumerate(
        (("Hill Youth Club", "3000.00"), ("Pantry Trust", "2500.50"), ("Café = Co", "900.00"))
    ):
        grant = applications.apply(
            con,
            people.manager,
            programme_id=programme,
            experiment_id=experiment,
            applicant_type="community_organisation",
            applicant="Sam",
            recipient=recipient,
            recipient_id="GB-CHC-1234" if n == 0 else None,
            title=f"Grant {n}",
            purpose=f'What grant {n}, "quoted", is for',
            amount=amount,
            planned_start="2026-01-01",
            planned_end="2026-06-30",
            key=key(),
        ).entity_id
        applications.decide(
            con, people.manager, grant_id=grant, award=True, reason="panel", key=key()
        )
    paid = applications.grant(con, grant)
    ledger.pay(
        con,
        people.manager,
        commitment_id=paid.commitment_id,
        amount="400.00",
        reason="x",
        key=key(),
    )


@pytest.mark.parametrize("form", export.FORMS)
def test_export_then_import_elsewhere_gives_the_same_grants(con, people, scheme, tmp_path, form):
    own_grants(con, people, scheme)
    exported = export.published(con, people.auditor)
    assert len(exported) == 3
    assert not list(standard.package_validator().iter_errors({"grants": exported}))
    assert {g["id"] for g in exported} == {f"360G-northborough-{n}" for n in (1, 2, 3)}
    out = tmp_path / f"export.{form}"
    with out.open("wb") as file:
        assert export.export(con, people.auditor, form, file) == 3
    (tmp_path / "elsewhere").mkdir()
    with copy_of_template(tmp_path / "elsewhere") as other:
        made = make_scheme(other, people)
        outcome = run_import(other, people.manager, out, made)
        assert outcome.new == 3
        assert export.published(other, people.auditor) == exported


def test_an_approval_refuses_an_import_edited_since_it_was_requested(con, people, scheme, tmp_path):
    rows = [row(1, amount="6000", recipient="Big Charity"), row(2, recipient="Other")]
    run_import(con, people.manager, write_csv(tmp_path, rows), scheme)
    request = con.execute("SELECT request_id FROM grant_import").fetchone()[0]
    con.execute("UPDATE grant_decision SET amount = 4999 WHERE decision_id = 2")
    with nothing_written(con), pytest.raises(RecordAltered, match="grant decision #2"):
        ledger.decide(
            con, people.second_manager, request_id=request, approve=True, reason="ok", key=key()
        )


def test_rows_the_database_would_refuse_are_named_like_any_bad_row(con, people, scheme, tmp_path):
    planned = HEADER.strip() + ",Planned Dates:Start Date,Planned Dates:End Date\n"
    path = tmp_path / "grants.csv"
    path.write_text(
        planned
        + row(1)
        + ",2026-06-01,2026-05-01\n"
        + row(2).replace("360G-old-2", " 360G-old-1")
        + ",,\n"
        + row(3, recipient="!!")
        + ",,\n",
        encoding="utf-8",
    )
    with nothing_written(con), pytest.raises(FileRefused) as refused:
        run_import(con, people.manager, path, scheme)
    message = str(refused.value)
    assert "row 2, Planned Dates:End Date: 2026-05-01 is before the planned start" in message
    assert "row 3, Identifier" in message and "row 4, Recipient Org:Name" in message


def test_a_board_member_learns_nothing_from_an_import(con, people, scheme, tmp_path):
    path = write_csv(tmp_path, [row(1)])
    run_import(con, people.manager, path, scheme)
    with nothing_written(con), pytest.raises(PermissionDenied):
        run_import(con, people.board, path, scheme)


def test_grants_of_a_rejected_import_are_named_when_the_file_comes_again(
    con, people, scheme, tmp_path
):
    path = write_csv(tmp_path, [row(1, amount="6000")])
    run_import(con, people.manager, path, scheme)
    request = con.execute("SELECT request_id FROM grant_import").fetchone()[0]
    ledger.decide(
        con, people.second_manager, request_id=request, approve=False, reason="no", key=key()
    )
    again = run_import(con, people.manager, path, scheme)
    assert again.not_approved == 1 and "decide each again" in again.said
    assert set(queries.grants(con, people.auditor)["status"]) == {"not approved"}
