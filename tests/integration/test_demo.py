"""The demo portfolio: built through the real services on a temporary DuckDB file, it must be
the same every time for one seed, realistic in its shape, and inside every invariant."""

from __future__ import annotations

import itertools
import re
import shlex
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

import duckdb
import pandas as pd
import pytest
from click.testing import CliRunner

from fund import audit, db, demo, ledger
from fund.auth import Role, authenticate, find_user
from fund.cli import cli
from fund.demo import impact
from fund.demo import ventures as demo_ventures
from fund.demo import zones as demo_zones
from fund.demo.run import Run
from fund.errors import ValidationError
from fund.evidence import judgement
from fund.pbr import claims, exposure
from fund.register import Instrument, Involvement, Phase, RiskRating, Sector
from fund.sroi import proxies, report, store, unit_costs
from fund.ventures import metrics as venture_metrics
from fund.ventures import queries as venture_queries
from fund.ventures import schedule as venture_schedule
from fund.zones import exceptions, series
from fund.zones import queries as zone_queries

TODAY = date(2026, 9, 30)  # a fixed day in the past, so that every run plans the same fund


class Built(NamedTuple):
    con: duckdb.DuckDBPyConnection
    summary: demo.DemoSummary


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Built:
    """One demo database shared by the read-only tests of this module (a build takes seconds)."""
    with demo.founded(TODAY):
        con = db.connect(tmp_path_factory.mktemp("demo") / "fund.duckdb")
    summary = demo.build(con, today=TODAY)
    yield Built(con, summary)
    con.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


def value(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    return rows(con, sql, params)[0][0]


LEDGER = (
    "SELECT kind, amount, value_date, programme_id, commitment_id, reverses, reason"
    " FROM ledger_entry ORDER BY entry_id"
)
REGISTER = (
    "SELECT x.title, x.instrument, x.phase, x.risk_rating, x.official, x.user_involvement,"
    " p.name, ep.role, ep.match_cash, ep.match_in_kind"
    " FROM experiment AS x JOIN experiment_partner AS ep USING (experiment_id)"
    " JOIN partner AS p USING (partner_id) ORDER BY x.experiment_id, p.name, ep.role"
)


AUDIT = "SELECT seq, recorded_at, actor, operation, details FROM audit_log ORDER BY seq"
IMPACT = (
    "SELECT m.experiment_id, m.version, m.reason, o.* EXCLUDE (map_id) FROM impact_map AS m"
    " JOIN impact_outcome AS o USING (map_id) ORDER BY m.experiment_id, m.version, o.position"
)


def test_demo_is_the_same_fund_every_time_for_one_seed(built, tmp_path):
    with demo.founded(TODAY):
        again = db.connect(tmp_path / "again.duckdb")
    try:
        demo.build(again, today=TODAY)
        assert rows(again, LEDGER) == rows(built.con, LEDGER)
        assert rows(again, REGISTER) == rows(built.con, REGISTER)
        assert rows(again, AUDIT) == rows(built.con, AUDIT)
        assert rows(again, IMPACT) == rows(built.con, IMPACT)
    finally:
        again.close()


def test_another_seed_plans_another_fund():
    first, second = demo.plan(seed=1, today=TODAY), demo.plan(seed=2, today=TODAY)
    assert [m.amount for m in first.moves] != [m.amount for m in second.moves]
    assert demo.plan(seed=1, today=TODAY) == first


@pytest.mark.parametrize("seed", range(25))
def test_any_seed_plans_a_fund_inside_its_ring_fence(seed):
    plan = demo.plan(seed=seed, today=TODAY)
    allocated = Counter()
    committed = Counter()
    for move in plan.moves:
        if move.op == "allocate" and move.undo is None:
            allocated[move.target] += move.amount
    for experiment in plan.experiments:
        committed[experiment.programme] += experiment.amount or 0
    assert sum(allocated.values()) < demo.DECLARED
    for programme in range(len(demo.PROGRAMMES)):
        assert committed[programme] < allocated[programme]


def test_demo_plan_holds_money_as_decimal_never_float():
    plan = demo.plan(today=TODAY)
    assert all(isinstance(move.amount, Decimal) for move in plan.moves)
    assert all(isinstance(v.amount, Decimal) for v in plan.virements)


def test_demo_ring_fence_is_five_million_pounds_declared_by_a_council(built):
    (fence,) = rows(
        built.con,
        "SELECT declared_amount, owner_body, financial_years, advertised_on, delegated_limit,"
        " purpose FROM ringfence",
    )
    amount, owner, years, advertised, limit, purpose = fence
    assert amount == Decimal("5000000.00")
    assert owner.endswith("Metropolitan Borough Council")
    assert years == "2024-25 to 2025-26"
    assert abs((TODAY - advertised).days - 730) <= 31
    assert limit == Decimal("10000.00")
    assert "£5,000,000.00" in purpose


def test_demo_programmes_follow_the_three_challenge_areas(built):
    names = [name for (name,) in rows(built.con, "SELECT name FROM programme ORDER BY 1")]
    assert names == ["Financial inclusion", "Mental health", "Young people's transition to work"]
    assert all(target for (target,) in rows(built.con, "SELECT target FROM programme"))


def test_demo_has_about_sixty_experiments_across_every_instrument_phase_risk_and_involvement(
    built,
):
    experiments = rows(
        built.con, "SELECT instrument, phase, risk_rating, user_involvement FROM experiment"
    )
    assert 55 <= len(experiments) <= 65
    assert {e[0] for e in experiments} == {i.value for i in Instrument}
    assert {e[1] for e in experiments} == {p.value for p in Phase}
    assert {e[2] for e in experiments} == {r.value for r in RiskRating}
    assert {e[3] for e in experiments} == {i.value for i in Involvement}
    assert len(built.summary.experiment_ids) == len(experiments)


def test_small_grants_are_the_most_numerous_instrument(built):
    counts = dict(rows(built.con, "SELECT instrument, count(*) FROM experiment GROUP BY 1"))
    assert counts["small_grant"] > sum(n for kind, n in counts.items() if kind != "small_grant")


SIZES = {
    "small_grant": (Decimal("500"), Decimal("10000")),
    "experimental_zone": (Decimal("100000"), Decimal("400000")),
    "pbr_contract": (Decimal("100000"), Decimal("600000")),
    "social_venture": (Decimal("50000"), Decimal("250000")),
}


def test_every_award_is_sized_for_its_instrument_in_a_five_million_fund(built):
    awards = rows(
        built.con,
        "SELECT x.instrument, e.amount FROM ledger_entry AS e"
        " JOIN commitment AS c USING (commitment_id) JOIN experiment AS x USING (experiment_id)"
        " WHERE e.kind = 'commitment' AND e.reverses IS NULL",
    )
    for instrument, amount in awards:
        low, high = SIZES[instrument]
        assert low <= amount <= high, (instrument, amount)


def test_commitments_above_the_delegated_limit_were_approved_by_a_second_fund_manager(built):
    unapproved = value(
        built.con,
        "SELECT count(*) FROM commitment AS c JOIN commitment_balance AS b USING (commitment_id)"
        " WHERE b.committed > 10000 AND c.approved_by IS NULL",
    )
    assert unapproved == 0
    decisions = rows(
        built.con,
        "SELECT q.requested_by, d.decided_by FROM approval_request AS q"
        " JOIN approval_decision AS d USING (request_id)",
    )
    assert len(decisions) == built.summary.approvals > 0
    assert all(requester != approver for requester, approver in decisions)


def test_demo_partners_come_from_every_sector_in_every_role_with_match_funding(built):
    shares = rows(
        built.con,
        "SELECT p.sector, ep.role, ep.match_cash, ep.match_in_kind FROM experiment_partner AS ep"
        " JOIN partner AS p USING (partner_id)",
    )
    assert {s[0] for s in shares} == {s.value for s in Sector}
    assert {s[1] for s in shares} == {
        "innovation_creator",
        "innovation_seeker",
        "investor",
        "policy_maker",
        "broker",
        "evaluator",
    }
    assert sum(s[2] for s in shares) > 0
    assert sum(s[3] for s in shares) > 0


def test_demo_leaves_part_of_the_ring_fence_unallocated(built):
    ceiling, allocated = rows(built.con, "SELECT ceiling, allocated FROM ringfence_balance")[0]
    assert Decimal("0") < allocated < ceiling


def test_demo_stays_inside_every_invariant(built):
    assert not rows(built.con, "SELECT * FROM programme_balance WHERE committed > allocated")
    assert not rows(built.con, "SELECT * FROM commitment_balance WHERE paid > committed")
    paid, committed = rows(built.con, "SELECT sum(paid), sum(committed) FROM ledger_effect")[0]
    assert Decimal("0") < paid < committed


def test_demo_has_two_years_of_ledger_history(built):
    history = rows(
        built.con,
        "SELECT min(value_date), max(value_date), count(DISTINCT date_trunc('month', value_date))"
        " FROM ledger_entry WHERE kind = 'disbursement' AND reverses IS NULL",
    )
    first, last, months = history[0]
    assert first >= TODAY - timedelta(days=730)
    assert last <= TODAY
    assert (last - first).days > 600
    assert months >= 18


def test_demo_records_a_clawback_a_repayment_a_write_off_and_a_decommitment(built):
    kinds = Counter(
        kind for (kind,) in rows(built.con, "SELECT kind FROM ledger_entry WHERE reverses IS NULL")
    )
    assert kinds["recovery"] >= 2
    assert kinds["write_off"] >= 1
    assert kinds["decommitment"] >= 1
    assert kinds["disbursement"] > kinds["commitment"]
    reasons = [r for (r,) in rows(built.con, "SELECT reason FROM ledger_entry")]
    assert any(r.startswith("Clawback") for r in reasons)
    assert any(r.startswith("Loan repayment") for r in reasons)


def test_demo_corrects_its_mistakes_with_reversing_entries(built):
    reversals = rows(
        built.con,
        "SELECT r.kind, r.amount, o.amount, r.reason FROM ledger_entry AS r"
        " JOIN ledger_entry AS o ON o.entry_id = r.reverses",
    )
    assert len(reversals) == built.summary.reversals >= 3
    assert all(reversal == -original for _, reversal, original, _ in reversals)
    assert {"disbursement", "allocation", "commitment"} <= {kind for kind, *_ in reversals}
    assert "duplicate payment keyed twice" in {reason for *_, reason in reversals}


def test_demo_leaves_one_virement_awaiting_approval(built):
    auditor = find_user(built.con, "auditor")
    waiting = ledger.pending(built.con, auditor)
    assert list(waiting["kind"]) == ["virement"]
    assert list(waiting["request_id"]) == [built.summary.pending_request_id]


def test_demo_completed_one_virement_between_programmes(built):
    legs = rows(
        built.con,
        "SELECT virement_id, sum(amount), count(*) FROM ledger_entry"
        " WHERE kind = 'virement' GROUP BY 1",
    )
    assert [(total, count) for _, total, count in legs] == [(Decimal("0.00"), 2)]


def test_demo_audit_chain_verifies(built):
    check = audit.verify(built.con, find_user(built.con, "auditor"))
    assert check.ok, check.problem
    assert check.entries == built.summary.ledger_entries


def test_every_demo_user_signs_in_with_the_listed_password(built):
    for user in demo.DEMO_USERS:
        signed_in = authenticate(built.con, user.username, user.password)
        assert (signed_in.role, signed_in.display_name) == (user.role, user.display_name)


def test_demo_users_cover_every_role_with_two_fund_managers():
    roles = Counter(user.role for user in demo.DEMO_USERS)
    assert roles == {Role.ADMIN: 1, Role.AUDITOR: 1, Role.BOARD_MEMBER: 1, Role.FUND_MANAGER: 2}
    assert all(len(user.password) >= 10 for user in demo.DEMO_USERS)


def test_sign_in_page_lists_every_demo_user_with_their_password():
    table = demo.users_table()
    assert list(table["user name"]) == [u.username for u in demo.DEMO_USERS]
    assert list(table["password"]) == [u.password for u in demo.DEMO_USERS]
    assert "fund manager" in set(table["role"])


def test_sign_in_page_can_tell_a_demo_database_from_a_real_one(built, tmp_path):
    fresh = db.connect(tmp_path / "real.duckdb")
    try:
        assert demo.is_demo(built.con)
        assert not demo.is_demo(fresh)
    finally:
        fresh.close()


def test_demo_is_refused_on_a_database_that_already_has_users(built):
    entries = value(built.con, "SELECT count(*) FROM ledger_entry")
    with pytest.raises(ValidationError, match="empty database"):
        demo.build(built.con, today=TODAY)
    assert value(built.con, "SELECT count(*) FROM ledger_entry") == entries


def test_demo_refuses_a_day_in_the_future(tmp_path):
    fresh = db.connect(tmp_path / "future.duckdb")
    try:
        with pytest.raises(ValidationError, match="future"):
            demo.build(fresh, today=date.today() + timedelta(days=400))
    finally:
        fresh.close()


# --- the history is dated as it happened ---------------------------------------------------

# Every column the services stamp with the time of the write.
STAMPED = (
    ("audit_log", "recorded_at"),
    ("ledger_entry", "recorded_at"),
    ("app_user", "created_at"),
    ("ringfence", "created_at"),
    ("programme", "created_at"),
    ("experiment", "created_at"),
    ("commitment", "created_at"),
    ("approval_request", "requested_at"),
    ("approval_decision", "decided_at"),
    ("impact_map", "saved_at"),
)


@pytest.mark.parametrize(("table", "column"), STAMPED)
def test_every_stamped_row_carries_a_time_in_the_two_years_the_demo_depicts(built, table, column):
    advertised = value(built.con, "SELECT advertised_on FROM ringfence")
    first, last = rows(built.con, f"SELECT min({column}), max({column}) FROM {table}")[0]
    assert first.date() >= advertised
    assert last.date() <= TODAY  # built for a day in the past: nothing carries the build's time


def test_audit_rows_are_dated_in_strictly_increasing_order_never_in_the_future(built):
    times = [at for (at,) in rows(built.con, "SELECT recorded_at FROM audit_log ORDER BY seq")]
    assert all(earlier < later for earlier, later in itertools.pairwise(times))
    assert times[-1] <= datetime.now(UTC).replace(tzinfo=None)


def test_each_write_carries_the_time_of_its_own_audit_row(built):
    entries = rows(
        built.con,
        "SELECT count(*) FROM ledger_entry AS e JOIN audit_log AS a ON a.seq = e.audit_seq"
        " WHERE e.recorded_at <> a.recorded_at",
    )
    assert entries == [(0,)]


def test_money_is_keyed_on_or_after_its_value_date(built):
    early = value(
        built.con,
        "SELECT count(*) FROM ledger_entry WHERE CAST(recorded_at AS DATE) < value_date",
    )
    assert early == 0


def test_corrections_are_dated_the_day_the_mistake_was_put_right(built):
    corrections = rows(
        built.con,
        "SELECT r.value_date, CAST(r.recorded_at AS DATE), o.value_date FROM ledger_entry AS r"
        " JOIN ledger_entry AS o ON o.entry_id = r.reverses",
    )
    assert corrections
    for dated, keyed, mistake in corrections:
        assert dated == keyed == mistake < TODAY


def _months(first: date, last: date) -> list[tuple[date, date]]:
    """(first day, last day) of every month from ``first``'s to ``last``'s."""
    found, day = [], first.replace(day=1)
    while day <= last:
        following = (day + timedelta(days=32)).replace(day=1)
        found.append((day, following - timedelta(days=1)))
        day = following
    return found


def test_the_audit_trail_date_filter_finds_the_history_month_by_month(built):
    auditor = find_user(built.con, "auditor")
    advertised = value(built.con, "SELECT advertised_on FROM ringfence")
    total = value(built.con, "SELECT count(*) FROM audit_log")
    found = 0
    for since, until in _months(advertised, TODAY):
        month = audit.trail(built.con, auditor, since=since, until=until)
        assert len(month) > 0, f"no audit rows in {since:%B %Y}"
        assert all(since <= at.date() <= until for at in month["recorded_at"])
        found += len(month)
    assert found == total


# --- the SROI review: an impact map for every experiment from mobilisation on ----------


@pytest.fixture(scope="module")
def results(built) -> pd.DataFrame:
    """Every demo experiment's SROI, as the auditor reads it."""
    return report.experiment_results(built.con, find_user(built.con, "auditor"))


def test_every_experiment_from_mobilisation_on_has_an_impact_map_and_none_before(built):
    mapped = {e for (e,) in rows(built.con, "SELECT DISTINCT experiment_id FROM impact_map")}
    mobilised = {
        e for (e,) in rows(built.con, "SELECT experiment_id FROM experiment WHERE phase >= 2")
    }
    assert mapped == mobilised
    assert len(mapped) >= 30
    assert built.summary.impact_maps == value(built.con, "SELECT count(*) FROM impact_map")


def test_some_demo_experiments_return_well_and_some_return_less_than_they_cost(results):
    ratios = list(results["sroi_ratio"])
    assert sum(2 <= r <= 5 for r in ratios) >= 10
    assert sum(r < 1 for r in ratios) >= 3
    assert all(0 < r <= 5 for r in ratios)


def test_the_bigger_bets_return_about_what_their_maps_were_sized_for(results):
    ratios = dict(zip(results["title"], results["sroi_ratio"], strict=True))
    for title, bet in impact.BIG_BETS.items():
        if title in ratios:
            target = bet.revision.target if bet.revision else bet.target
            assert ratios[title] == pytest.approx(float(target), rel=0.01), title


def test_demo_maps_value_outcomes_with_library_proxies_in_the_default_price_year(built):
    default = unit_costs.report_year(proxies.deflator(built.con), None)
    assert rows(built.con, "SELECT DISTINCT price_year FROM impact_map") == [(default,)]
    outcomes = rows(
        built.con,
        "SELECT o.proxy_code, o.proxy, o.proxy_source FROM impact_outcome AS o",
    )
    library = proxies.lookup(built.con, {code for code, _, _ in outcomes if code})
    for code, proxy, source in outcomes:
        if code is None:  # a disbenefit: a library cost counted against the map
            assert proxy < 0 and "GMCA Unit Cost Database" in source
        else:
            assert proxy == library[code].restated


def test_demo_maps_read_like_a_real_sroi_report(built):
    maps = store.latest(built.con)
    outcomes = [o for m in maps for o in m.impact_map.outcomes]
    assert all(2 <= len(m.impact_map.outcomes) <= 5 for m in maps)
    assert any(o.start_year == 2 for o in outcomes)
    assert any(o.proxy < 0 for o in outcomes)
    assert sum(bool(o.ranges) for o in outcomes) >= 10
    assert {"green-book-standard", "green-book-health"} == {
        m.impact_map.discount.schedule for m in maps
    }
    assert all(o.stakeholder and o.outcome and o.indicator for o in outcomes)


def test_most_demo_maps_justify_every_deduction_and_one_or_two_do_not(results):
    incomplete = results.loc[~results["complete"], "title"]
    assert 1 <= len(incomplete) <= 2
    assert len(results) - len(incomplete) >= 30


def test_one_demo_map_was_revised_with_its_reason_so_its_history_shows(built):
    revised = rows(
        built.con, "SELECT experiment_id FROM impact_map GROUP BY 1 HAVING max(version) > 1"
    )
    assert len(revised) >= 1
    history = store.versions(built.con, revised[0][0])
    assert [v[0] for v in history] == [2, 1]
    assert history[0][3].startswith("Revised:")


def test_demo_maps_were_saved_by_fund_managers_through_the_audited_write_path(built):
    saved = rows(
        built.con,
        "SELECT u.role, a.idempotency_key FROM audit_log AS a"
        " JOIN app_user AS u ON u.user_id = a.actor_id WHERE a.operation = 'save impact map'",
    )
    assert len(saved) == value(built.con, "SELECT count(*) FROM impact_map")
    assert {role for role, _ in saved} == {Role.FUND_MANAGER.value}
    assert all(key.startswith("demo-") for _, key in saved)


# --- the README's walk-through, followed literally -----------------------------------------

README = Path(__file__).resolve().parents[2] / "README.md"
WALK_THROUGH = "### Walk-through: a second person approves"


class WalkThrough(NamedTuple):
    """What the README's walk-through names: the request, who asked, who approves, who is
    refused, and its command lines as (environment, arguments after ``fund``)."""

    request_id: int
    asker: str
    approver: str
    refused: str
    commands: list[tuple[dict[str, str], list[str]]]


def _walk_through() -> WalkThrough:
    text = README.read_text(encoding="utf-8")
    section = re.search(re.escape(WALK_THROUGH) + r"\n(.*?)\n## ", text, re.S).group(1)
    (request,) = set(re.findall(r"#(\d+)", section))  # every mention names the same request
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    commands = []
    for line in block.strip().splitlines():
        words = shlex.split(line)
        settings = list(itertools.takewhile(lambda w: "=" in w, words))
        assert words[len(settings)] == "fund", line
        commands.append((dict(w.split("=", 1) for w in settings), words[len(settings) + 1 :]))
    return WalkThrough(
        request_id=int(request),
        asker=re.search(r"asked for by\s+`(\w+)`", section).group(1),
        approver=re.search(r"Sign in as\s+`(\w+)`", section).group(1),
        refused=re.search(r"Signed in as\s+`(\w+)`, the same approval is refused", section).group(
            1
        ),
        commands=commands,
    )


def _fund(path: Path, arguments: list[str], env: dict[str, str]):
    return CliRunner().invoke(cli, ["--db", str(path), *arguments], env=env)


def test_the_readme_walk_through_works_on_the_demo_as_written(tmp_path):
    steps = _walk_through()
    path = tmp_path / "fund.duckdb"
    with demo.founded(TODAY):
        con = db.connect(path)
    try:
        summary = demo.build(con, today=TODAY)
        asked_by = value(
            con,
            "SELECT u.username FROM approval_request AS q JOIN app_user AS u"
            " ON u.user_id = q.requested_by WHERE q.request_id = ?",
            [steps.request_id],
        )
    finally:
        con.close()
    assert summary.pending_request_id == steps.request_id
    assert (asked_by, steps.refused) == (steps.asker, steps.asker)
    assert steps.approver != steps.asker
    passwords = {u.username: u.password for u in demo.DEMO_USERS}

    own = _fund(
        path,
        ["--as", steps.refused, "approve", str(steps.request_id), "--reason", "mine"],
        {"RINGFENCE_PASSWORD": passwords[steps.refused]},
    )
    assert own.exit_code == 1
    assert "a different fund manager must approve it" in own.stderr

    for env, arguments in steps.commands:
        done = _fund(path, arguments, env)
        assert done.exit_code == 0, done.stderr
        assert arguments[arguments.index("--as") + 1] == steps.approver
    assert f"Request #{steps.request_id} approved: the virement of" in done.stdout
    con = db.connect(path)
    try:
        assert ledger.pending(con, find_user(con, "auditor")).empty
    finally:
        con.close()


def test_demo_evidence_reaches_every_verdict_and_an_override_keeps_the_derived_one(built):
    found = judgement.judgements(built.con, as_of=TODAY)
    judged = found[found["result_id"].notna()]
    assert set(judged["derived_verdict"]) == {"scale", "adapt", "stop", "inconclusive"}
    overridden = judged[judged["overridden_to"].notna()]
    assert len(overridden) == 1
    assert (overridden["derived_verdict"] != overridden["verdict"]).all()
    assert built.summary.result_sets == len(judged) + 1  # one confirmed independently
    assert value(built.con, "SELECT count(*) FROM result_set WHERE evaluator IS NOT NULL") == 1


def test_demo_documents_every_stopped_experiment_with_a_lesson_and_closes_two_failures(built):
    found = judgement.judgements(built.con, as_of=TODAY)
    stopped = found[found["verdict"] == "stop"]
    assert len(stopped) >= 2
    assert stopped["lesson_id"].notna().all()
    assert built.summary.lessons == found["lesson_id"].notna().sum() > len(stopped)
    assert built.summary.closed == 2
    assert found.loc[found["closed_at"].notna(), "lesson_id"].notna().all()


def test_demo_evidence_is_written_on_past_days_and_the_chain_still_verifies(built):
    latest = value(
        built.con,
        "SELECT max(t) FROM (SELECT recorded_at AS t FROM result_set"
        " UNION ALL SELECT recorded_at FROM lesson UNION ALL SELECT closed_at"
        " FROM experiment_closure)",
    )
    assert latest.date() <= TODAY
    check = audit.verify(built.con, find_user(built.con, "auditor"))
    assert check.ok, check.problem


def test_the_demo_bond_paid_its_second_cohort_to_its_cap_and_its_first_nothing(built):
    auditor = find_user(built.con, "auditor")
    money = exposure.exposure(built.con, auditor).set_index("name")
    bond = money.loc["Second Chance social impact bond"]
    assert (bond["maximum_liability"], bond["earned"], bond["paid"]) == (
        Decimal("100000.00"),
        Decimal("50000.00"),
        Decimal("50000.00"),
    )
    decided = claims.claims(built.con, auditor).set_index("metric")
    first = decided.loc["reconviction events avoided, cohort 1"]
    second = decided.loc["reconviction events avoided, cohort 2"]
    assert (first["status"], first["verified"]) == ("rejected", 0)
    assert "below the 10% trigger" in first["decision_reason"]
    assert (second["status"], second["value"]) == ("accepted", Decimal("120000.00"))  # capped
    dwp = money.loc["Youth outcomes, DWP Innovation Fund prices"]
    assert (dwp["earned"], dwp["paid"]) == (Decimal("11600.00"), Decimal("11600.00"))
    waiting = claims.claims(built.con, auditor, awaiting_only=True)
    assert len(waiting) == 2 and set(waiting["verified_by"].isna()) == {True}


# --- the experimental zones (issue 15) -------------------------------------------------------


def _as_of_today():
    """The services' clock on the demo's day, so statuses and days left are read as of it."""
    return db.clock_at(datetime.combine(TODAY, datetime.min.time()) + timedelta(hours=12))


def test_demo_has_two_zones_on_experimental_zone_commitments_each_with_comparison_areas(built):
    found = rows(
        built.con,
        "SELECT x.instrument, z.area_code, z.official, z.starts_on, z.ends_on,"
        " (SELECT count(*) FROM zone_comparison AS k WHERE k.zone_id = z.zone_id)"
        " FROM zone AS z JOIN commitment AS c USING (commitment_id)"
        " JOIN experiment AS x USING (experiment_id) ORDER BY z.zone_id",
    )
    assert len(found) == 2
    for instrument, code, official, starts, ends, comparisons in found:
        assert instrument == Instrument.EXPERIMENTAL_ZONE.value
        assert re.fullmatch(r"E08[0-9]{6}", code) and official
        assert starts < TODAY < ends
        assert comparisons == 2


def test_demo_waivers_one_expiring_within_60_days_one_renewed_and_one_revoked(built):
    auditor = find_user(built.con, "auditor")
    with _as_of_today():
        found = exceptions.exceptions(built.con, auditor, as_of=TODAY)
        register = zone_queries.waivers(built.con, auditor)
    assert list(found["exception"]) == [exceptions.KINDS["expiring"]]  # and nothing else
    assert 0 < found["days"].iloc[0] <= exceptions.SOON_DAYS
    assert Counter(register["status"]) == {"granted": 3, "expired": 1, "revoked": 1}
    renewed = register[register["renews"].notna()]
    assert len(renewed) == 1 and renewed["reason"].iloc[0].startswith("Renewed")
    assert register["legal_basis"].str.contains("pilot|Contract Procedure Rules").all()


def test_the_measured_demo_zone_has_the_estimate_and_verdict_its_series_gives(built):
    auditor = find_user(built.con, "auditor")
    (zone_id, opens) = rows(
        built.con,
        "SELECT DISTINCT zone_id, starts_on FROM zone_outcome JOIN zone USING (zone_id)",
    )[0]
    with _as_of_today():
        view = zone_queries.zone(built.con, auditor, zone_id)
    assert view.judged["verdict"] == "scale"
    assert view.judged["evidence_level"] >= 3  # a difference in differences excluding zero
    assert len(view.series) == 21  # three areas, four quarters before and three after
    again = series.read(demo_zones.series_file(opens), series.zone_areas(built.con, zone_id))
    assert view.judged["effect"] == pytest.approx(again.estimate.effect)
    assert view.judged["ci_low"] == pytest.approx(again.estimate.ci_low)
    assert view.judged["ci_low"] > 0


@pytest.mark.parametrize("days", range(-330, 1, 55))
def test_demo_zone_writes_fall_in_the_funds_history_whatever_day_it_is_built(days):
    planned = demo.plan(today=TODAY + timedelta(days=days))
    writes = demo_zones.zone_writes(Run(con=None, plan=planned))
    assert all(planned.window.advertised <= w.on <= planned.window.today for w in writes)
    assert 0 < demo_zones.EXPIRING_IN.days <= exceptions.SOON_DAYS


# --- the social venture investments (issue 16) -----------------------------------------------


def _commitment_of(built: Built, title: str) -> int:
    return value(
        built.con,
        "SELECT c.commitment_id FROM commitment AS c JOIN experiment AS x USING (experiment_id)"
        " WHERE x.title = ?",
        [title],
    )


def _ventures(built: Built):
    """The arrears, schedule and metrics as the auditor reads them on the demo's day."""
    auditor = find_user(built.con, "auditor")
    with _as_of_today():
        arrears = venture_queries.arrears(built.con, auditor, as_of=TODAY)
        instalments = venture_queries.schedule(built.con, auditor, as_of=TODAY)
        found = venture_metrics.metrics(built.con, auditor, as_of=TODAY)
    return (
        arrears.set_index("commitment_id"),
        instalments,
        found.investments.set_index("commitment_id"),
    )


def test_every_demo_venture_has_its_terms_recorded_on_its_commitments_day(built):
    auditor = find_user(built.con, "auditor")
    assert venture_queries.open_to_terms(built.con, auditor).empty
    found = rows(
        built.con,
        "SELECT t.investment_type, CAST(t.recorded_at AS DATE), e.value_date"
        " FROM venture_terms AS t JOIN ledger_entry AS e USING (commitment_id)"
        " WHERE e.kind = 'commitment' ORDER BY t.commitment_id",
    )
    assert Counter(kind for kind, *_ in found) == {"loan": 3, "equity": 2, "recoverable_grant": 1}
    assert all(recorded == committed for _, recorded, committed in found)
    assert built.summary.pending_request_id == 43  # terms and valuations ask nobody's approval


def test_demo_loans_repaid_on_time_owe_nothing_and_their_instalments_are_their_repayments(built):
    arrears, instalments, found = _ventures(built)
    for title in demo_ventures.ON_TIME:
        loan = _commitment_of(built, title)
        repaid = rows(
            built.con,
            "SELECT value_date, amount FROM ledger_entry WHERE commitment_id = ?"
            " AND kind = 'recovery' ORDER BY value_date",
            [loan],
        )
        due = instalments[(instalments["commitment_id"] == loan)]
        fallen_due = due[due["due_on"] <= TODAY]
        assert list(zip(fallen_due["due_on"], fallen_due["amount"], strict=True)) == repaid
        assert len(repaid) >= 2 and set(fallen_due["status"]) == {"paid"}
        position = arrears.loc[loan]
        assert position["arrears"] == Decimal("0.00")
        assert position["instalments_overdue"] == 0
        assert position["due_to_date"] == position["repaid_against_schedule"] > 0
        outstanding = value(
            built.con, "SELECT principal FROM venture_terms WHERE commitment_id = ?", [loan]
        ) - sum(fallen_due["principal"], Decimal("0.00"))
        assert found.loc[loan, "residual_value"] == outstanding  # amortised cost
        assert found.loc[loan, "basis"] == "cost"
        assert 0.05 < found.loc[loan, "irr"] < 0.12  # its interest, less the holiday
    rates = value(
        built.con,
        "SELECT list(DISTINCT interest_rate) FROM venture_terms WHERE grace_months = 9",
    )
    assert rates == [Decimal("11.3749")]


def test_the_demo_community_lender_is_behind_its_schedule(built):
    arrears, instalments, _ = _ventures(built)
    position = arrears.loc[_commitment_of(built, demo_ventures.LENDER)]
    assert (
        position["due_to_date"],
        position["repaid_against_schedule"],
        position["arrears"],
    ) == (Decimal("112667.65"), Decimal("72600.00"), Decimal("40067.65"))
    assert position["instalments_overdue"] == 2
    assert (position["overdue_since"], position["days_overdue"]) == (date(2026, 5, 14), 139)
    assert position["next_due"] == date(2026, 11, 14)
    lender = instalments[instalments["commitment_id"] == position.name]
    fallen_due = lender[lender["due_on"] <= TODAY]
    assert list(fallen_due["status"]) == ["paid"] * 3 + ["overdue"] * 2
    assert list(fallen_due["covered"])[3:] == [Decimal("4999.41"), Decimal("0.00")]


def test_the_demo_equity_stake_was_revalued_up_at_its_last_round(built):
    _, _, found = _ventures(built)
    stake = _commitment_of(built, demo_ventures.AGENCY)
    terms = rows(
        built.con,
        "SELECT investment_type, stake, follow_on_reserve FROM venture_terms"
        " WHERE commitment_id = ?",
        [stake],
    )
    assert terms == [("equity", Decimal("12.5000"), Decimal("20000.00"))]
    held = found.loc[stake]
    assert (held["paid_in"], held["residual_value"], held["basis"]) == (
        Decimal("80000.00"),
        Decimal("140000.00"),
        "last_round",
    )
    assert held["rvpi"] == pytest.approx(1.75) and held["tvpi"] == pytest.approx(1.75)
    assert held["irr"] > 0


def test_the_failed_demo_venture_is_written_off_and_worth_nothing(built):
    auditor = find_user(built.con, "auditor")
    _, _, found = _ventures(built)
    failed = _commitment_of(built, demo_ventures.RENT_TO_OWN)
    valued = venture_queries.valuations(built.con, auditor, failed)
    assert list(zip(valued["value"], valued["basis"], strict=True)) == [
        (Decimal("0.00"), "written_off")
    ]
    held = found.loc[failed]
    assert held["paid_in"] == held["written_off"] == Decimal("54600.00")
    assert held["residual_value"] == Decimal("0.00")
    assert held["rvpi"] == 0.0 and held["tvpi"] == 0.0
    check = audit.verify(built.con, auditor)
    assert check.ok, check.problem


@pytest.mark.parametrize("days", range(-330, 1, 55))
def test_demo_venture_writes_fall_in_the_funds_history_whatever_day_it_is_built(days):
    planned = demo.plan(today=TODAY + timedelta(days=days))
    writes = demo_ventures.venture_writes(Run(con=None, plan=planned))
    assert len(writes) == 11  # six terms, two amortised costs, a round, a review, a write-off
    assert all(planned.window.advertised <= w.on <= planned.window.today for w in writes)


@pytest.mark.parametrize("thousands", range(110, 221, 5))
def test_an_on_time_demo_loans_instalment_is_its_repayment_to_the_penny(thousands):
    amount = Decimal(thousands * 1000).quantize(Decimal("0.01"))
    repayment = amount * Decimal("0.075")
    rate = demo_ventures.level_rate(amount, repayment, date(2025, 1, 28))
    assert rate == Decimal("11.3749")
    loan = venture_schedule.LoanTerms(
        principal=amount,
        interest_rate=rate,
        starts_on=date(2025, 1, 28),
        grace_months=9,
        instalments=17,
        every_months=3,
    )
    instalments = venture_schedule.schedule(loan)
    level = instalments["principal"] + instalments["interest"]
    assert set(level.iloc[:-1]) == {repayment}  # the last repays what rounding left
    assert sum(instalments["principal"], Decimal("0.00")) == amount
