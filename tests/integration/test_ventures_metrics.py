"""The venture metrics (:mod:`fund.ventures.metrics`) on a real database: the worked examples
of /work/shared/reference/irr_examples.json reproduced through the ledger and the metrics
(the fund multiples, the Excel XIRR example, the constructed eight-year fund); and, for any
sequence of drawdowns, recoveries, write-offs and valuations, TVPI = DPI + RVPI, a write-off
of all outstanding worth nothing, and the set-based figures equal to a plain recomputation
of each investment, programme and the fund."""

from __future__ import annotations

import itertools
import json
import math
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from fund import auth, db, ledger, register, returns
from fund.evidence import plans
from fund.register import Instrument
from fund.ventures import metrics, terms, valuations
from tests.conftest import FAST_HASHER, FULL_PLAN, key, template
from tests.integration.helpers import copy_of_template, instrument_commitment

EXAMPLES = Path("/work/shared/reference/irr_examples.json")
TOLERANCE = 1e-6
CENT = Decimal("0.01")
LATER = datetime(2100, 1, 1)  # a cutoff after everything a test records


def example(name: str) -> dict:
    """The worked example of the reference file whose name starts with ``name``."""
    if not EXAMPLES.exists():
        pytest.skip(f"{EXAMPLES} is not on this machine")
    found = [e for e in json.loads(EXAMPLES.read_text())["examples"] if e["name"].startswith(name)]
    assert len(found) == 1, name
    return found[0]


def big_fund(con, people, declared: str = "1000000000.00", programmes: int = 1) -> list[int]:
    """A ring-fence big enough for the examples, fund managers alone up to its size, with
    ``programmes`` programmes each holding a social venture experiment (with its plan)
    allocated a tenth of the ring-fence; the experiments' numbers."""
    fm = people.manager
    ringfence = register.declare_ringfence(
        con,
        fm,
        name="Venture Fund",
        owner_body="Northborough Council",
        financial_years="2000-01 to 2040-41",
        declared_amount=declared,
        purpose="Invest in social ventures",
        advertised_on=date(2025, 3, 1),
        delegated_limit=declared,
        key=key(),
    ).entity_id
    experiments = []
    for n in range(programmes):
        programme = register.add_programme(
            con, fm, ringfence_id=ringfence, name=f"Ventures {n}", target="Back ventures", key=key()
        ).entity_id
        experiment = register.add_experiment(
            con,
            fm,
            programme_id=programme,
            title=f"Venture book {n}",
            instrument=Instrument.SOCIAL_VENTURE.value,
            phase=1,
            risk_rating="high",
            official="Pat Official",
            user_involvement="informed",
            key=key(),
        ).entity_id
        plans.register_plan(con, fm, experiment, FULL_PLAN, key=key(), reason="plan")
        ledger.allocate(
            con,
            fm,
            programme_id=programme,
            amount=str(Decimal(declared) / 10 / programmes),
            reason="fund the ventures",
            key=key(),
        )
        experiments.append(experiment)
    return experiments


def investment(con, people, experiment: int, amount: str, kind: str = "equity") -> int:
    """A commitment of ``amount`` to ``experiment`` with its terms; its number."""
    commitment = ledger.commit(
        con,
        people.manager,
        experiment_id=experiment,
        amount=amount,
        counterparty="Venture Ltd",
        reason="investment agreed",
        key=key(),
    ).entity_id
    given = {"stake": "10"} if kind == "equity" else {}
    terms.record_terms(
        con,
        people.manager,
        terms.InvestmentTerms(commitment_id=commitment, investment_type=kind, **given),
        key=key(),
        reason="terms",
    )
    return commitment


def move(con, people, operation: str, commitment: int, amount: object, on: object) -> None:
    service = {"pay": ledger.pay, "recover": ledger.recover, "write off": ledger.write_off}
    service[operation](
        con,
        people.manager,
        commitment_id=commitment,
        amount=str(amount),
        reason=operation,
        key=key(),
        on=on,
    )


def value(con, people, commitment: int, amount: object, on: object, basis: str = "last_round"):
    valuations.record_valuation(
        con,
        people.manager,
        commitment_id=commitment,
        valued_on=on,
        value=str(amount),
        basis=basis,
        key=key(),
        reason="valued",
    )


def row_of(found: metrics.Metrics, commitment: int):
    rows = found.investments[found.investments["commitment_id"] == commitment]
    assert len(rows) == 1
    return rows.iloc[0]


# ---------------------------------------------------------------------------------------
# The reference examples
# ---------------------------------------------------------------------------------------


def test_the_fund_multiples_example_through_the_metrics(con, people):
    worked = example("fund multiples")
    (experiment,) = big_fund(con, people)
    paid, distributed = Decimal(worked["paid_in"]), Decimal(worked["distributions"])
    commitment = investment(con, people, experiment, str(paid))
    move(con, people, "pay", commitment, paid, "2024-01-15")
    move(con, people, "recover", commitment, distributed, "2025-06-30")
    value(con, people, commitment, worked["residual_value"], "2025-12-31")

    found = metrics.metrics(con, people.auditor)
    row = row_of(found, commitment)
    assert (row["paid_in"], row["distributions"], row["residual_value"]) == (
        Decimal("100000000.00"),
        Decimal("50000000.00"),
        Decimal("150000000.00"),
    )
    assert row["net_cash_flow"] == Decimal("-50000000.00")
    assert (row["valued_on"], row["basis"], row["residual_on"]) == (
        date(2025, 12, 31),
        "last_round",
        date(2025, 12, 31),
    )
    for level in (row, found.programmes.iloc[0], found.fund):
        for name, expected in worked["expected"].items():
            assert level[name.lower()] == pytest.approx(expected, abs=TOLERANCE), name
    # -100M on 15/01/2024, +50M on 30/06/2025, +150M on 31/12/2025.
    days = [date(2024, 1, 15), date(2025, 6, 30), date(2025, 12, 31)]
    assert row["irr"] == pytest.approx(returns.xirr(days, [-1e8, 5e7, 1.5e8]).rate, abs=1e-9)
    assert row["irr_reason"] is None


def test_the_excel_xirr_example_on_its_own_2008_dates(con, people, portfolio):
    worked = example("XIRR and XNPV")
    commitment = instrument_commitment(con, people, portfolio, Instrument.SOCIAL_VENTURE, "10000")
    terms.record_terms(
        con,
        people.manager,
        terms.InvestmentTerms(commitment_id=commitment, investment_type="recoverable grant"),
        key=key(),
        reason="terms",
    )
    flows = zip(worked["dates"], worked["cash_flows"], strict=True)
    for day, amount in flows:  # the ledger takes value dates that old
        move(con, people, "pay" if amount < 0 else "recover", commitment, abs(amount), day)

    found = metrics.metrics(con, people.board)
    row = row_of(found, commitment)
    assert (row["paid_in"], row["distributions"], row["written_off"]) == (
        Decimal("10000.00"),
        Decimal("13000.00"),
        Decimal("0.00"),
    )
    # Never valued and more came back than went in: held at cost, floored at nothing.
    assert row["residual_value"] == Decimal("0.00")
    assert row["irr"] == pytest.approx(worked["expected_xirr"], abs=TOLERANCE)
    assert found.fund["irr"] == pytest.approx(worked["expected_xirr"], abs=TOLERANCE)
    assert (row["dpi"], row["rvpi"], row["tvpi"]) == pytest.approx((1.3, 0.0, 1.3), abs=1e-12)
    # As at a day in 2008 the books are read as recorded by its end: nothing was, then.
    then = metrics.metrics(con, people.board, as_of=date(2008, 2, 29))
    assert then.investments.empty
    assert then.fund["paid_in"] == Decimal("0.00")
    assert math.isnan(then.fund["tvpi"])


def test_the_constructed_eight_year_fund(con, people):
    worked = example("constructed eight-year fund")
    expected = worked["expected"]
    (experiment,) = big_fund(con, people)
    commitment = investment(con, people, experiment, "9000000")
    first = 2017
    for year, (call, back) in enumerate(
        zip(worked["capital_calls_by_year"], worked["distributions_by_year"], strict=True)
    ):
        day = date(first + year, 6, 30)
        if call:
            move(con, people, "pay", commitment, call, day)
        if back:
            move(con, people, "recover", commitment, back, day)
    residual = worked["residual_value_end_year_7"]
    value(con, people, commitment, residual, date(first + 7, 6, 30))

    row = row_of(metrics.metrics(con, people.manager), commitment)
    assert row["paid_in"] == Decimal(expected["paid_in"])
    assert row["distributions"] == Decimal(expected["distributed"])
    assert row["residual_value"] == Decimal(residual)
    assert row["residual_on"] == date(first + 7, 6, 30)
    for name in ("DPI", "RVPI", "TVPI"):
        assert row[name.lower()] == pytest.approx(expected[name], abs=TOLERANCE), name

    yearly = [
        back - call
        for call, back in zip(
            worked["capital_calls_by_year"], worked["distributions_by_year"], strict=True
        )
    ]
    yearly[7] += residual
    periodic = returns.irr(yearly).rate
    assert periodic == pytest.approx(expected["periodic_irr"], abs=TOLERANCE)
    # Dated a year apart (two of them leap years), the XIRR is the periodic rate within 0.01%.
    assert row["irr"] == pytest.approx(periodic, abs=1e-4)


# ---------------------------------------------------------------------------------------
# Properties, on one database per module (each example makes its own commitments)
# ---------------------------------------------------------------------------------------

BASES = ("cost", "last_round", "written_down")
DAYS = st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 1, 31))
AMOUNTS = st.integers(min_value=1, max_value=5_000_000).map(lambda p: Decimal(p) / 100)
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("pay"), AMOUNTS, DAYS),
        st.tuples(st.just("recover"), AMOUNTS, DAYS),
        st.tuples(st.just("write off"), AMOUNTS, DAYS),
        st.tuples(st.sampled_from(BASES), AMOUNTS, DAYS),
    ),
    max_size=8,
)
COMMITTED = Decimal("100000.00")
PROPERTY = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """One database for the module's properties: a ring-fence with two venture programmes."""
    real, auth._hasher = auth._hasher, FAST_HASHER
    try:
        with copy_of_template(tmp_path_factory.mktemp("ventures")) as con:
            people = template().people
            yield con, people, big_fund(con, people, "100000000000.00", programmes=2)
    finally:
        auth._hasher = real


def run(con, people, commitment: int, first: tuple, steps: list[tuple]) -> dict[str, Decimal]:
    """The first drawdown, then each step kept within the ledger's rules (a recovery or
    write-off only of what is outstanding, a drawdown only of what is unpaid); the money."""
    held = dict.fromkeys(("paid", "recovered", "written_off"), Decimal(0))
    for what, amount, day in [first, *steps]:
        outstanding = held["paid"] - held["recovered"] - held["written_off"]
        if what == "pay":
            amount = min(amount, COMMITTED - held["paid"])
            if amount <= 0:
                continue
            held["paid"] += amount
        elif what in ("recover", "write off"):
            amount = min(amount, outstanding)
            if amount <= 0:
                continue
            held["recovered" if what == "recover" else "written_off"] += amount
        else:
            value(con, people, commitment, amount, day, what)
            continue
        move(con, people, what, commitment, amount, day)
    return held


@PROPERTY
@given(first=st.tuples(st.just("pay"), AMOUNTS, DAYS), steps=STEPS)
def test_tvpi_is_dpi_plus_rvpi_for_any_sequence(book, first, steps):
    con, people, experiments = book
    commitment = investment(con, people, experiments[0], str(COMMITTED))
    held = run(con, people, commitment, first, steps)
    row = row_of(metrics.compute(con, db.today()), commitment)
    assert row["paid_in"] == held["paid"]
    assert row["distributions"] == held["recovered"]
    assert row["written_off"] == held["written_off"]
    assert row["tvpi"] == pytest.approx(row["dpi"] + row["rvpi"], rel=1e-12)
    assert row["dpi"] == pytest.approx(float(held["recovered"] / held["paid"]), rel=1e-12)


@PROPERTY
@given(first=st.tuples(st.just("pay"), AMOUNTS, DAYS), steps=STEPS)
def test_writing_off_all_outstanding_leaves_nothing_residual(book, first, steps):
    con, people, experiments = book
    commitment = investment(con, people, experiments[1], str(COMMITTED))
    held = run(con, people, commitment, first, steps)
    outstanding = held["paid"] - held["recovered"] - held["written_off"]
    if outstanding > 0:
        move(con, people, "write off", commitment, outstanding, db.today())
        held["written_off"] += outstanding
    assume(held["written_off"] > 0)  # nothing outstanding nor written off: not a write-off
    row = row_of(metrics.compute(con, db.today()), commitment)
    assert row["written_off"] == held["written_off"]
    assert row["residual_value"] == Decimal("0.00")
    assert row["rvpi"] == 0.0
    assert row["tvpi"] == pytest.approx(row["dpi"], rel=1e-12)


@settings(PROPERTY, max_examples=10)
@given(
    histories=st.lists(
        st.tuples(st.integers(0, 1), st.tuples(st.just("pay"), AMOUNTS, DAYS), STEPS),
        min_size=1,
        max_size=4,
    ),
    asked=st.dates(min_value=date(2022, 1, 1), max_value=date(2026, 6, 30)),
)
def test_set_based_metrics_equal_a_plain_recomputation(book, histories, asked):
    con, people, experiments = book
    for programme, first, steps in histories:
        commitment = investment(con, people, experiments[programme], str(COMMITTED))
        run(con, people, commitment, first, steps)
    # As at ``asked`` with everything recorded so far counted: the rows were all recorded
    # today, and the metrics count, as at a past day, only what was recorded by its end.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(metrics, "cutoff", lambda _: LATER)
        found = metrics.compute(con, asked)
    plain = recompute(con, asked)
    assert len(found.investments) == len(plain["investment"])
    for level, rows in (("investment", found.investments), ("programme", found.programmes)):
        by = "commitment_id" if level == "investment" else "programme_id"
        assert sorted(int(i) for i in rows[by]) == sorted(plain[level]), level
        for _, row in rows.iterrows():
            same(row, plain[level][int(row[by])], f"{level} {row[by]}")
    same(found.fund, plain["fund"][None], "fund")


def same(row, plain: dict, where: str) -> None:
    for column in metrics.MONEY:
        assert row[column] == plain[column], (where, column)
    for column in metrics.MULTIPLES:
        if plain["paid_in"] == 0:
            assert math.isnan(row[column]), (where, column)
        else:
            assert row[column] == pytest.approx(plain[column], rel=1e-12), (where, column)
    if plain["irr"] is None:
        assert math.isnan(row["irr"]), where
        assert row["irr_reason"] == plain["irr_reason"], where
    else:
        assert row["irr"] == pytest.approx(plain["irr"], rel=1e-9, abs=1e-9), where


def recompute(con, day: date) -> dict[str, dict]:
    """Each investment's metrics on ``day``, one at a time from the ledger's entries and the
    valuations (the rule of fund/ventures/metrics.py), then summed by programme and fund."""
    held = con.execute(
        "SELECT t.commitment_id, x.programme_id FROM venture_terms AS t"
        " JOIN commitment AS c USING (commitment_id) JOIN experiment AS x USING (experiment_id)"
        " ORDER BY 1"
    ).fetchall()
    entries = defaultdict(list)
    for commitment, kind, amount, on in con.execute(
        "SELECT commitment_id, kind, amount, value_date FROM ledger_entry"
        " WHERE kind IN ('disbursement', 'recovery', 'write_off') AND value_date <= ?"
        " ORDER BY entry_id",
        [day],
    ).fetchall():
        entries[commitment].append((kind, amount, on))
    latest = {}
    for commitment, on, worth in con.execute(
        "SELECT commitment_id, valued_on, value FROM venture_valuation WHERE valued_on <= ?"
        " ORDER BY valued_on, valuation_id",
        [day],
    ).fetchall():
        latest[commitment] = (on, worth)  # the last one wins

    levels = {"investment": {}, "programme": defaultdict(list), "fund": {None: []}}
    for commitment, programme in held:
        one = investment_metrics(entries[commitment], latest.get(commitment), day)
        levels["investment"][commitment] = one
        levels["programme"][programme].append(one)
        levels["fund"][None].append(one)
    done = {"investment": {c: finish([m]) for c, m in levels["investment"].items()}}
    done["programme"] = {p: finish(ms) for p, ms in levels["programme"].items()}
    done["fund"] = {None: finish(levels["fund"][None])}
    return done


def investment_metrics(entries: list, valued: tuple | None, day: date) -> dict:
    paid = recovered = written_off = Decimal(0)
    by_day = defaultdict(Decimal)
    since = Decimal(0)
    for kind, amount, on in entries:
        paid += amount if kind == "disbursement" else 0
        recovered += amount if kind == "recovery" else 0
        written_off += amount if kind == "write_off" else 0
        if kind != "write_off":
            by_day[on] += amount if kind == "recovery" else -amount
        if valued is None or on > valued[0]:
            since += -amount if kind != "disbursement" else amount
    if written_off > 0 and written_off >= paid - recovered:
        residual = Decimal(0)
    else:
        residual = max((valued[1] if valued else Decimal(0)) + since, Decimal(0))
    last = max((on for _, _, on in entries), default=None)
    on = valued[0] if valued and (last is None or last <= valued[0]) else day
    flows = [(d, a) for d, a in by_day.items() if a != 0]
    if residual > 0 and paid > 0:  # a value with nothing paid in is no return on anything
        flows.append((on, residual))
    return {
        "paid_in": paid,
        "distributions": recovered,
        "written_off": written_off,
        "residual_value": residual,
        "flows": flows,
    }


def finish(each: list[dict]) -> dict:
    """The money summed, the multiples and the rate of the summed daily flows."""
    total = {
        column: sum((m[column] for m in each), Decimal(0)).quantize(CENT)
        for column in ("paid_in", "distributions", "written_off", "residual_value")
    }
    total["net_cash_flow"] = total["distributions"] - total["paid_in"]
    paid = float(total["paid_in"])
    total["dpi"] = float(total["distributions"]) / paid if paid else None
    total["rvpi"] = float(total["residual_value"]) / paid if paid else None
    total["tvpi"] = (
        (float(total["distributions"]) + float(total["residual_value"])) / paid if paid else None
    )
    daily = defaultdict(float)
    for flow_day, amount in itertools.chain.from_iterable(m["flows"] for m in each):
        daily[flow_day] += float(amount)
    days = sorted(daily)
    rate = returns.xirr(days, [daily[d] for d in days])
    total["irr"] = rate.rate
    total["irr_reason"] = rate.reason or None
    return total
