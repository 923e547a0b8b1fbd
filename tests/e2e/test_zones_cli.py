"""`fund zones` and `fund waivers`, run for real: a zone on an experimental-zone commitment,
its waivers from request to renewal and revocation, refusals on one line naming the field,
the auditor's exceptions, and the zone's effect equal to `fund evidence estimate --design
did` on the same data written by hand as a results file."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from fund import db
from fund.evidence import plans
from fund.register import Instrument
from tests import conftest
from tests.e2e.test_cli import as_json, counts, fund
from tests.integration import helpers

LEEDS = "E08000035"

# The outcome series of a zone starting on 2025-04-01: three months before, three from it.
SERIES = """area,period,value
E08000035,2025-01,50.1
E08000035,2025-02,49.7
E08000035,2025-03,50.4
E08000035,2025-04,53.2
E08000035,2025-05,54.0
E08000035,2025-06-01,53.1
E08000036,2025-01,47.9
E08000036,2025-02,48.3
E08000036,2025-03,48.0
E08000036,2025-04,48.6
E08000036,2025-05,48.1
E08000036,2025-06-01,48.9
E08000032,2025-01,45.2
E08000032,2025-02,45.9
E08000032,2025-03,45.5
E08000032,2025-04,46.0
E08000032,2025-05,45.7
E08000032,2025-06-01,46.4
"""

# The same data written by hand as the evidence module's results file: Leeds is treated,
# Wakefield and Bradford the comparison, post = 1 from the zone's start (2025-04-01) on.
EVIDENCE = """group,period,post,value
treated,2025-01,0,50.1
treated,2025-02,0,49.7
treated,2025-03,0,50.4
treated,2025-04,1,53.2
treated,2025-05,1,54.0
treated,2025-06-01,1,53.1
comparison,2025-01,0,47.9
comparison,2025-02,0,48.3
comparison,2025-03,0,48.0
comparison,2025-04,1,48.6
comparison,2025-05,1,48.1
comparison,2025-06-01,1,48.9
comparison,2025-01,0,45.2
comparison,2025-02,0,45.9
comparison,2025-03,0,45.5
comparison,2025-04,1,46.0
comparison,2025-05,1,45.7
comparison,2025-06-01,1,46.4
"""

ESTIMATE = ["effect", "std_error", "ci_low", "ci_high", "n", "design", "method"]


@pytest.fixture
def database(tmp_path) -> Path:
    path = tmp_path / "fund.duckdb"
    shutil.copy(conftest.template().path, path)
    return path


@pytest.fixture
def commitment(database) -> int:
    """£250,000.00 committed to the experimental-zone experiment, whose plan was amended to
    a difference in differences before the money."""
    template = conftest.template()
    con = db.connect(database)
    try:
        plans.amend_plan(
            con,
            template.people.manager,
            template.portfolio.experiments[Instrument.EXPERIMENTAL_ZONE],
            {**conftest.FULL_PLAN, "design": "did"},
            key=conftest.key(),
            reason="a zone is measured against its comparison areas",
        )
        return helpers.instrument_commitment(
            con, template.people, template.portfolio, Instrument.EXPERIMENTAL_ZONE, "250000.00"
        )
    finally:
        con.close()


def add_zone(database: Path, commitment: int, *compare: str, code: str = LEEDS, expect=0):
    return fund(
        database,
        [
            *("zones", "add", "--commitment", str(commitment), "--area-name", "Leeds"),
            *("--area-code", code, "--start", "2025-04-01"),
            *("--end", str(db.today() + timedelta(days=365)), "--official", "Pat Official"),
            *(word for area in compare for word in ("--compare", area)),
            *("--reason", "zone agreed with the department", "--json"),
        ],
        expect=expect,
    )


@pytest.fixture
def zone(database, commitment) -> int:
    """Leeds, compared with Wakefield and (added later) Bradford."""
    zone_id = as_json(add_zone(database, commitment, "E08000036=Wakefield"))["id"]
    fund(database, f"zones compare {zone_id} --area E08000032=Bradford --reason 'second area'")
    return zone_id


def days(n: int) -> str:
    """The day ``n`` days from today, as typed."""
    return str(db.today() + timedelta(days=n))


def waiver(database: Path, *command: str, expect: int = 0, **terms: str | None):
    """`fund waivers COMMAND` with a waiver's terms: these, unless ``terms`` changes one (or
    leaves it out, as None)."""
    given = {
        "rule": "Jobseeker availability conditions",
        "source": "Jobseekers Act 1995, s.6",
        "legal-basis": "Employment Zones Regulations 2003, reg. 4",
        "scope": "zone residents aged 18 to 24",
        "expires": days(300),
    } | {name.replace("_", "-"): value for name, value in terms.items()}
    options = [w for name, v in given.items() if v is not None for w in (f"--{name}", v)]
    return fund(
        database,
        ["waivers", *command, *options, "--reason", "the zone needs it", "--json"],
        expect=expect,
    )


def decide(database: Path, command: str, waiver_id: int, *options: str, expect: int = 0):
    return fund(
        database,
        ["waivers", command, str(waiver_id), *options, "--reason", "as the minute says"],
        expect=expect,
    )


def grant(database: Path, waiver_id: int, on: str):
    """Grant a requested waiver, by the minister, on the day ``on``."""
    return fund(
        database,
        [
            *("waivers", "grant", "--waiver", str(waiver_id)),
            *("--granted-by", "Minister for Employment", "--granted-on", on),
            *("--reason", "approved", "--json"),
        ],
    )


def test_a_waiver_is_requested_granted_renewed_revoked_and_made_permanent(database, zone):
    requested = as_json(waiver(database, "request", str(zone), expires=days(20)))["id"]
    granted = grant(database, requested, days(-10))
    assert as_json(granted) | {"key": None} == {
        "entity": "waiver",
        "id": requested,
        "replayed": False,
        "key": None,
    }
    renewal = decide(
        database,
        "renew",
        requested,
        *("--expires", days(200), "--granted-by", "Minister for Employment"),
        *("--granted-on", days(0), "--json"),
    )
    renewed = as_json(renewal)["id"]
    recorded = waiver(
        database,
        *("grant", "--zone", str(zone), "--granted-by", "Secretary of State"),
        *("--granted-on", days(-100)),
        rule="Benefit cap",
        expires=days(100),
    )
    recorded = as_json(recorded)["id"]
    decide(database, "revoke", renewed, "--by", "Minister for Employment", "--on", days(0))
    decide(database, "permanent", recorded, "--by", "Parliament", "--on", days(0), "--json")

    register = as_json(fund(database, f"waivers list --zone {zone} --json"))["waivers"]
    assert [(w["waiver_id"], w["status"], w["renews"], w["renewed_by"]) for w in register] == [
        (requested, "granted", None, renewed),
        (renewed, "revoked", requested, None),
        (recorded, "made permanent", None, None),
    ]
    first = register[0]
    assert (first["granted_by"], first["granted_on"], first["expires_on"]) == (
        "Minister for Employment",
        days(-10),
        days(20),
    )
    assert first["legal_basis"] == "Employment Zones Regulations 2003, reg. 4"
    board = as_json(fund(database, "waivers list --status revoked --json", user="board"))
    assert [w["waiver_id"] for w in board["waivers"]] == [renewed]
    assert "granted_by" not in board["waivers"][0]
    assert "made permanent" in fund(database, "waivers list").stdout
    shown = as_json(fund(database, f"zones show {zone} --json"))
    assert [w["waiver_id"] for w in shown["waivers"]] == [requested, renewed, recorded]

    before = counts(database)
    refused = decide(database, "permanent", renewed, "--by", "X", "--on", days(0), expect=1)
    assert refused.stderr.strip() == (
        f"error: waiver: #{renewed} is revoked: only a granted waiver can be made permanent"
    )
    assert counts(database) == before


GRANTED_ALREADY = ["grant", "--zone", "{zone}", "--granted-by", "Minister", "--granted-on"]

# (the command, the terms changed, the one line of stderr it begins with)
BAD_WAIVERS = [
    (["request", "{zone}"], {"expires": None}, "error: expiry: is required: a waiver is limited"),
    (["request", "{zone}"], {"legal_basis": None}, "error: legal basis: is required"),
    (["request", "{zone}"], {"legal_basis": "   "}, "error: legal basis: is required"),
    (
        [*GRANTED_ALREADY, "{before}"],
        {"expires": "{long_before}"},
        "error: expiry: {long_before} must be after the grant date ({before})",
    ),
    (
        ["grant", "--granted-by", "Minister", "--granted-on", "{before}"],
        {},
        "error: waiver: give --waiver N to grant a request, or --zone Z",
    ),
    (
        ["grant", "--waiver", "1", "--granted-by", "Minister", "--granted-on", "{before}"],
        {},
        "error: --rule: is for --zone Z: a requested waiver's terms are recorded already",
    ),
]


def test_a_bad_waiver_is_refused_on_one_line_naming_the_field(database, zone):
    """One zone for every case: each `fund` run takes seconds."""
    values = {"zone": str(zone), "before": days(-10), "long_before": days(-20)}
    before = counts(database)
    for command, terms, said in BAD_WAIVERS:
        refused = waiver(
            database,
            *(word.format(**values) for word in command),
            expect=1,
            **{name: None if v is None else v.format(**values) for name, v in terms.items()},
        )
        (line,) = refused.stderr.strip().splitlines()
        assert line.startswith(said.format(**values)), line
    assert counts(database) == before


def test_a_bad_area_code_or_series_is_refused_naming_the_field(database, commitment, tmp_path):
    before = counts(database)
    refused = add_zone(database, commitment, code="E0800003", expect=1)
    (line,) = refused.stderr.strip().splitlines()
    assert line.startswith("error: area code: 'E0800003' is not an ONS area code")
    refused = add_zone(database, commitment, "E0800003=Wakefield", expect=1)
    (line,) = refused.stderr.strip().splitlines()
    assert line.startswith("error: comparison area code: 'E0800003' is not an ONS area code")
    assert counts(database) == before

    zone_id = as_json(add_zone(database, commitment, "E08000036=Wakefield"))["id"]
    before = counts(database)
    refused = fund(database, f"zones compare {zone_id} --area {LEEDS}=Leeds --reason r", expect=1)
    assert refused.stderr.strip() == (
        f"error: comparison area: {LEEDS} is the zone's own area; compare it with others"
    )
    after_only = tmp_path / "after.csv"
    after_only.write_text(
        "area,period,value\nE08000035,2025-04,53.2\nE08000036,2025-04,48.6\n", encoding="utf-8"
    )
    for command in ("outcomes", "estimate"):
        words = ["zones", command, str(zone_id), str(after_only)]
        words += ["--reason", "first data"] if command == "outcomes" else []
        (line,) = fund(database, words, expect=1).stderr.strip().splitlines()
        assert line.startswith("error: period: no period before the zone's start (2025-04-01)")
    assert counts(database) == before


def test_the_auditor_sees_the_exceptions_as_json(database, commitment, zone):
    # A second zone (an experiment of its own), with no comparison area yet.
    programme = conftest.template().portfolio.programme_id
    experiment = as_json(
        fund(
            database,
            f"experiment add {programme} --title 'A second zone' --instrument experimental_zone"
            " --risk medium --official 'Pat Official' --involvement co-designed --reason pilot"
            " --json",
        )
    )["id"]
    fund(
        database,
        f"plan register {experiment} --hypothesis 'Waived rules help people into work'"
        " --metric 'In work after six months' --unit '% of people' --higher-is-better"
        " --design did --baseline 40 --target-effect 5 --sample 400 --review-date 2027-09-30"
        " --kill-threshold 30 --kill-by 2027-06-30"
        " --reason 'plan before money'",
    )
    small = fund(database, f"commit {experiment} 5000 --to 'Zone Ltd' --reason pilot --json")
    bare = as_json(add_zone(database, as_json(small)["id"], code="E08000036"))["id"]
    # A waiver expiring in 20 days, and one that expired five days ago with money paid since.
    soon = as_json(waiver(database, "request", str(zone), expires=days(20)))["id"]
    grant(database, soon, days(-10))
    lapsed = waiver(
        database,
        *("grant", "--zone", str(zone), "--granted-by", "Minister"),
        *("--granted-on", days(-30)),
        rule="Benefit cap",
        expires=days(-5),
    )
    lapsed = as_json(lapsed)["id"]
    fund(database, f"pay {commitment} 1000 --reason 'zone payment'")

    found = as_json(fund(database, "zones exceptions --json", user="auditor"))["exceptions"]
    assert [(e["exception"], e["zone_id"], e["waiver_id"]) for e in found] == [
        ("waiver expiring within 60 days", zone, soon),
        ("zone spending after a waiver expired", zone, lapsed),
        ("zone without a comparison area", bare, None),
    ]
    assert (found[0]["date"], found[0]["days"]) == (days(20), 20)
    assert (found[1]["amount"], found[1]["days"]) == ("1000.00", 5)
    assert "£1,000.00" in found[1]["detail"]
    table = fund(database, "zones exceptions", user="auditor").stdout
    assert "zone without a comparison area" in table
    fund(database, "zones exceptions --json", user="board", expect=1)


def test_the_zone_estimate_equals_the_evidence_estimate_on_the_same_data(database, zone):
    (database.parent / "series.csv").write_text(SERIES, encoding="utf-8")
    (database.parent / "evidence.csv").write_text(EVIDENCE, encoding="utf-8")
    evidence = as_json(
        fund(database, "evidence estimate evidence.csv --design did --json", user=None)
    )
    before = counts(database)
    preview = as_json(fund(database, f"zones estimate {zone} series.csv --json", user="board"))
    assert preview == {"zone_id": zone, **evidence}
    assert counts(database) == before  # an estimate writes nothing

    stored = as_json(fund(database, f"zones outcomes {zone} series.csv --reason data --json"))
    assert {name: stored[name] for name in ESTIMATE} == evidence
    shown = as_json(fund(database, f"zones show {zone} --json"))
    judged = shown["estimate"]
    assert judged["result_id"] == stored["result_id"]
    assert [judged[n] for n in ("effect", "ci_low", "ci_high", "n", "design")] == [
        evidence[n] for n in ("effect", "ci_low", "ci_high", "n", "design")
    ]
    assert judged["verdict"] is not None and judged["evidence_level"] >= 2
    assert judged["target_effect"] == "0.0500"
    assert len(shown["series"]) == 18
    assert {(r["area_code"], r["group"]) for r in shown["series"]} == {
        (LEEDS, "zone"),
        ("E08000036", "comparison"),
        ("E08000032", "comparison"),
    }
    text = fund(database, f"zones show {zone}").stdout
    assert "Outcome series: 18 values" in text and "Verdict:" in text
