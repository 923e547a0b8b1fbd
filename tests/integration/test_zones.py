"""Experimental zones through the services: a waiver's life from request to renewal,
revocation and making permanent, each change audited; the auditor's four exceptions; bad
input refused naming the field with nothing written; the zone's effect equal to the evidence
module's on the same data; and board members reading the register without officials' names."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
import pytest

from fund import audit, db, ledger
from fund.errors import FileRefused, PermissionDenied, ValidationError
from fund.evidence import estimate, judgement, observations, plans
from fund.register import Instrument, add_experiment
from fund.zones import exceptions, queries, series, waivers, zone
from fund.zones.areas import Area
from fund.zones.waivers import Decision, WaiverTerms
from tests.conftest import FULL_PLAN, key
from tests.integration.helpers import instrument_commitment, nothing_written

LEEDS = "E08000035"
WAKEFIELD = Area("E08000036", "Wakefield")
BRADFORD = Area("E08000032", "Bradford")
MINISTER = "Minister for Employment"
STARTS = date(2025, 4, 1)

# Three months before the zone's start and three from it, in the zone and two comparisons.
SERIES = """area,period,value
E08000035,2025-01,50.1
E08000035,2025-02,49.7
E08000035,2025-03-01,50.4
E08000035,2025-04,53.2
E08000035,2025-05,54.0
E08000035,2025-Q3,53.1
E08000036,2025-01,47.9
E08000036,2025-02,48.3
E08000036,2025-03,48.0
E08000036,2025-04,48.6
E08000036,2025-05,48.1
E08000036,2025-Q3,48.9
e08000032,2025-01,45.2
E08000032,2025-02,45.9
E08000032,2025-03,45.5
E08000032,2025-04,46.0
E08000032,2025-05,45.7
E08000032,2025-Q3,46.4
"""


def days(n: int) -> date:
    """The day ``n`` days from today."""
    return db.today() + timedelta(days=n)


def rule(**changes: object) -> WaiverTerms:
    given = {
        "rule": "Jobseeker availability conditions",
        "source": "Jobseekers Act 1995, s.6",
        "legal_basis": "Employment Zones Regulations 2003, reg. 4",
        "scope": "zone residents aged 18 to 24",
        "expires_on": days(300),
    }
    return WaiverTerms(**(given | changes))


def by(authority: str = MINISTER, on: object = None) -> Decision:
    return Decision(authority=authority, decided_on=days(0) if on is None else on)


def zone_terms(commitment_id: int, **changes: object) -> zone.ZoneTerms:
    given = {
        "commitment_id": commitment_id,
        "area_name": "Leeds",
        "area_code": LEEDS,
        "starts_on": STARTS,
        "ends_on": days(365),
        "official": "Pat Official",
        "comparisons": [WAKEFIELD],
    }
    return zone.ZoneTerms(**(given | changes))


@pytest.fixture
def commitment(con, people, portfolio) -> int:
    """£250,000.00 committed to the experimental-zone experiment, whose plan was amended to
    a difference in differences first."""
    plans.amend_plan(
        con,
        people.manager,
        portfolio.experiments[Instrument.EXPERIMENTAL_ZONE],
        {**FULL_PLAN, "design": "did"},
        key=key(),
        reason="a zone is measured against its comparison areas",
    )
    return instrument_commitment(con, people, portfolio, Instrument.EXPERIMENTAL_ZONE, "250000.00")


@pytest.fixture
def leeds(con, people, commitment) -> int:
    """Leeds, from 2025-04-01 to a year from today, compared with Wakefield."""
    return add(con, people, zone_terms(commitment))


def add(con, people, terms: zone.ZoneTerms) -> int:
    return zone.add_zone(con, people.manager, terms, key=key(), reason="zone agreed").entity_id


def another_commitment(con, people, portfolio, amount: str = "5000.00") -> int:
    """A small commitment (within the limit) to a second experimental-zone experiment: an
    experiment is one zone."""
    experiment = add_experiment(
        con,
        people.manager,
        programme_id=portfolio.programme_id,
        title="A second zone",
        instrument=Instrument.EXPERIMENTAL_ZONE.value,
        phase=1,
        risk_rating="medium",
        official="Pat Official",
        user_involvement="co-designed",
        key=key(),
    ).entity_id
    plans.register_plan(con, people.manager, experiment, FULL_PLAN, key=key(), reason="plan")
    return ledger.commit(
        con,
        people.manager,
        experiment_id=experiment,
        amount=amount,
        counterparty="Zone Ltd",
        reason="pilot",
        key=key(),
    ).entity_id


def granted(con, people, zone_id, *, on: date, **terms: object) -> int:
    """A waiver recorded as granted by the minister on ``on``; its number."""
    return waivers.record_granted(
        con, people.manager, zone_id, rule(**terms), by(on=on), key=key(), reason="on file"
    ).entity_id


def rows(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    """The frame's ``columns`` as tuples of plain values (a missing one as None)."""
    return [
        tuple(None if pd.isna(value) else value for value in row)
        for row in frame[columns].itertuples(index=False)
    ]


def register(con, actor, zone_id=None) -> list[tuple]:
    found = queries.waivers(con, actor, zone_id=zone_id)
    return rows(found, ["waiver_id", "status", "renews", "renewed_by"])


def found(con, people, **kwargs) -> list[tuple]:
    return rows(
        exceptions.exceptions(con, people.auditor, **kwargs), ["exception", "zone_id", "waiver_id"]
    )


# --- the waiver life cycle -------------------------------------------------------------------


def test_a_waiver_is_requested_then_granted(con, people, leeds):
    requested_key = key()
    requested = waivers.request_waiver(
        con, people.manager, leeds, rule(), key=requested_key, reason="the zone needs it"
    )
    assert requested.said == (
        f"Waiver #{requested.entity_id} (Jobseeker availability conditions) requested for zone"
        f" #{leeds} Leeds, to expire on {days(300)}."
    )
    waiver_id = requested.entity_id
    again = waivers.request_waiver(
        con, people.manager, leeds, rule(), key=requested_key, reason="the zone needs it"
    )
    assert (again.entity_id, again.replayed) == (waiver_id, True)
    (row,) = queries.waivers(con, people.manager).itertuples(index=False)
    assert row.status == "requested"
    assert all(pd.isna(v) for v in (row.granted_on, row.granted_by, row.days_left, row.renews))

    waivers.grant_waiver(con, people.manager, waiver_id, by(on=days(-10)), key=key(), reason="ok")
    (row,) = queries.waivers(con, people.manager, zone_id=leeds).itertuples(index=False)
    assert (row.waiver_id, row.status, row.granted_by, row.granted_on) == (
        waiver_id,
        "granted",
        MINISTER,
        days(-10),
    )
    assert (row.expires_on, row.days_left) == (days(300), 300)
    assert row.legal_basis == "Employment Zones Regulations 2003, reg. 4"
    assert row.recorded_by == "Mo Manager"
    assert queries.zones(con, people.manager)["waivers_in_force"].tolist() == [1]
    assert audit.verify(con, people.auditor).ok


def test_a_waiver_expires_when_the_clock_passes_its_expiry_and_is_renewed(con, people, leeds):
    then = db.utc_now() - timedelta(days=100)
    with db.clock_at(then):
        # Granted 100 days ago to expire 70 days ago: in force on that day...
        old = granted(con, people, leeds, on=days(-5), expires_on=days(30))
        assert register(con, people.manager) == [(old, "granted", None, None)]
        assert queries.waivers(con, people.manager)["days_left"].tolist() == [30]
    # ...and expired now.
    assert register(con, people.manager) == [(old, "expired", None, None)]
    assert queries.waivers(con, people.manager)["days_left"].isna().all()
    assert queries.zones(con, people.manager)["waivers_in_force"].tolist() == [0]

    written = waivers.renew_waiver(
        con,
        people.manager,
        old,
        days(200),
        by(on=days(-1)),
        key=key(),
        reason="the interim review found it still needed",
    )
    renewal = written.entity_id
    assert renewal != old
    assert written.said == (
        f"Waiver #{old} renewed as waiver #{renewal} (Jobseeker availability conditions),"
        f" granted by {MINISTER} on {days(-1)}, to {days(200)}."
    )
    assert register(con, people.manager) == [
        (old, "expired", None, renewal),
        (renewal, "granted", old, None),
    ]
    new = queries.waivers(con, people.manager).set_index("waiver_id").loc[renewal]
    assert (new["rule"], new["source"], new["legal_basis"], new["scope"]) == (
        "Jobseeker availability conditions",
        "Jobseekers Act 1995, s.6",
        "Employment Zones Regulations 2003, reg. 4",
        "zone residents aged 18 to 24",
    )
    assert (new["reason"], new["granted_on"], new["expires_on"], new["days_left"]) == (
        "the interim review found it still needed",
        days(-1),
        days(200),
        200,
    )
    # A waiver is renewed once; a later renewal renews the renewal.
    with nothing_written(con), pytest.raises(ValidationError) as error:
        waivers.renew_waiver(con, people.manager, old, days(400), by(), key=key(), reason="again")
    assert (error.value.field, error.value.rule) == (
        "waiver",
        f"#{old} was renewed already, by waiver #{renewal}",
    )
    with nothing_written(con), pytest.raises(ValidationError) as error:
        waivers.renew_waiver(
            con, people.manager, renewal, days(100), by(), key=key(), reason="shorter"
        )
    assert (error.value.field, error.value.rule) == (
        "expiry",
        f"must be after the expiry it renews ({days(200)}), not {days(100)}",
    )
    assert audit.verify(con, people.auditor).ok


def test_a_waiver_is_revoked_or_made_permanent(con, people, leeds):
    requested = waivers.request_waiver(
        con, people.manager, leeds, rule(rule="Benefit cap"), key=key(), reason="asked"
    ).entity_id
    in_force = granted(con, people, leeds, on=days(-20))
    permanent = granted(con, people, leeds, on=days(-30), rule="Work search hours")

    waivers.revoke_waiver(
        con, people.manager, requested, by("Secretary of State"), key=key(), reason="withdrawn"
    )
    waivers.revoke_waiver(con, people.manager, in_force, by(), key=key(), reason="not needed")
    waivers.make_permanent(
        con, people.manager, permanent, by("Parliament"), key=key(), reason="the law changed"
    )

    found = queries.waivers(con, people.manager).set_index("waiver_id")
    assert found.loc[[requested, in_force, permanent], "status"].tolist() == [
        "revoked",
        "revoked",
        "made permanent",
    ]
    assert found.loc[permanent, ["ended_by", "ended_on"]].tolist() == ["Parliament", days(0)]
    assert found.loc[requested, "ended_by"] == "Secretary of State"
    assert queries.waivers(con, people.manager, status="revoked")["waiver_id"].tolist() == [
        requested,
        in_force,
    ]
    assert queries.zones(con, people.manager)["waivers_in_force"].tolist() == [0]

    # Nothing ends twice, and only a granted waiver is made permanent.
    for decide, waiver_id, said in (
        (waivers.revoke_waiver, in_force, "only a requested or granted waiver can be revoked"),
        (waivers.make_permanent, requested, "only a granted waiver can be made permanent"),
        (waivers.grant_waiver, permanent, "only a requested waiver can be granted"),
    ):
        with nothing_written(con), pytest.raises(ValidationError) as error:
            decide(con, people.manager, waiver_id, by(), key=key(), reason="again")
        assert error.value.field == "waiver"
        assert error.value.rule.endswith(said)

    operations = con.execute(
        "SELECT operation FROM audit_log WHERE entity = 'waiver' ORDER BY seq"
    ).fetchall()
    assert [o for (o,) in operations] == [
        "request waiver",
        "grant waiver",
        "grant waiver",
        "revoke waiver",
        "revoke waiver",
        "make permanent waiver",
    ]
    assert audit.verify(con, people.auditor).ok


def test_a_decision_before_the_grant_or_in_the_future_is_refused(con, people, leeds):
    waiver_id = granted(con, people, leeds, on=days(-10))
    with nothing_written(con), pytest.raises(ValidationError) as error:
        waivers.revoke_waiver(
            con, people.manager, waiver_id, by(on=days(-11)), key=key(), reason="r"
        )
    assert error.value.field == "decision date"
    with nothing_written(con), pytest.raises(ValidationError) as error:
        waivers.grant_waiver(con, people.manager, waiver_id, by(on=days(1)), key=key(), reason="r")
    assert (error.value.field, error.value.rule) == (
        "grant date",
        f"{days(1)} is in the future: record a decision once made",
    )


# --- the auditor's exceptions ----------------------------------------------------------------


def test_a_waiver_expiring_within_sixty_days_is_an_exception_until_renewed(con, people, leeds):
    soon = granted(con, people, leeds, on=days(-10), expires_on=days(20))
    edge = granted(con, people, leeds, on=days(-10), expires_on=days(60), rule="Benefit cap")
    granted(con, people, leeds, on=days(-10), expires_on=days(61), rule="Work search hours")
    waivers.request_waiver(
        con, people.manager, leeds, rule(expires_on=days(5)), key=key(), reason="r"
    )

    every = exceptions.exceptions(con, people.auditor)
    assert found(con, people) == [
        ("waiver expiring within 60 days", leeds, soon),
        ("waiver expiring within 60 days", leeds, edge),
    ]
    first = every.iloc[0]
    assert (first["zone"], first["date"], first["days"]) == ("Leeds", days(20), 20)
    assert first["detail"] == (
        f"Waiver #{soon} (Jobseeker availability conditions) expires on {days(20)}, in 20 days,"
        " and is not renewed"
    )

    waivers.renew_waiver(con, people.manager, soon, days(300), by(), key=key(), reason="needed")
    assert found(con, people) == [("waiver expiring within 60 days", leeds, edge)]


def test_a_zone_spending_after_a_waiver_expired_is_an_exception_with_the_amount(
    con, people, leeds, commitment
):
    lapsed = granted(con, people, leeds, on=days(-40), expires_on=days(-5), rule="Benefit cap")
    for amount, on in (("700.00", days(-5)), ("1000.50", days(-4)), ("234.06", days(0))):
        ledger.pay(
            con, people.manager, commitment_id=commitment, amount=amount, on=on,
            reason="zone payment", key=key(),
        )  # fmt: skip

    every = exceptions.exceptions(con, people.auditor)
    assert found(con, people) == [("zone spending after a waiver expired", leeds, lapsed)]
    money = queries.zones(con, people.manager).iloc[0]
    assert (money["budget"], money["paid"]) == (Decimal("250000.00"), Decimal("1934.56"))
    (row,) = every.itertuples(index=False)
    # Paid after the expiry day only: the £700.00 of the expiry day itself is within it.
    assert row.amount == Decimal("1234.56") and isinstance(row.amount, Decimal)
    assert (row.date, row.days, row.rule) == (days(-5), 5, "Benefit cap")
    assert row.detail == (
        f"Waiver #{lapsed} (Benefit cap) expired on {days(-5)}; the zone has paid £1,234.56 since"
    )

    # Renewed, it no longer lapsed.
    waivers.renew_waiver(con, people.manager, lapsed, days(100), by(), key=key(), reason="late")
    assert found(con, people) == []


def test_an_expired_waiver_of_a_zone_not_spending_is_no_exception(con, people, leeds, commitment):
    granted(con, people, leeds, on=days(-40), expires_on=days(-5))
    ledger.pay(
        con, people.manager, commitment_id=commitment, amount="900.00", on=days(-6),
        reason="before the expiry", key=key(),
    )  # fmt: skip
    assert found(con, people) == []


def test_a_zone_without_a_comparison_area_is_an_exception_until_one_is_added(
    con, people, portfolio, leeds
):
    bare = add(
        con,
        people,
        zone_terms(another_commitment(con, people, portfolio), area_code="e08000036",
                   area_name="Wakefield", comparisons=[]),
    )  # fmt: skip
    every = exceptions.exceptions(con, people.auditor)
    assert found(con, people) == [("zone without a comparison area", bare, None)]
    assert every.loc[0, "date"] == STARTS
    assert every.loc[0, "detail"] == (
        "No comparison area: any effect claimed has nothing to be measured against"
    )

    zone.add_comparisons(con, people.manager, bare, [BRADFORD], key=key(), reason="agreed")
    assert found(con, people) == []
    assert queries.zone(con, people.manager, bare).comparisons["area_code"].tolist() == [
        BRADFORD.code
    ]


def test_a_zone_past_its_end_with_no_verdict_is_an_exception_until_judged(con, people, commitment):
    ended = add(
        con, people, zone_terms(commitment, ends_on=days(-3), comparisons=[WAKEFIELD, BRADFORD])
    )
    assert found(con, people) == [("zone ended with no verdict", ended, None)]
    row = exceptions.exceptions(con, people.auditor).iloc[0]
    assert (row["date"], row["days"]) == (days(-3), 3)
    assert row["detail"] == f"Ended on {days(-3)}, 3 days ago, with no verdict on its results"
    # Not yet ended on its last day.
    assert found(con, people, as_of=days(-3)) == []

    series.upload(con, people.manager, ended, SERIES.encode(), key=key(), reason="results")
    assert queries.zone(con, people.manager, ended).judged["verdict"] is not None
    assert found(con, people) == []


def test_exception_ids_read_as_whole_numbers_beside_missing_ones(con, people, portfolio, leeds):
    soon = granted(con, people, leeds, on=days(-10), expires_on=days(20))
    other = another_commitment(con, people, portfolio)
    ended = add(con, people, zone_terms(other, ends_on=days(-1), comparisons=[]))
    every = exceptions.exceptions(con, people.auditor)
    assert rows(every, ["exception", "zone_id", "waiver_id"]) == [
        ("waiver expiring within 60 days", leeds, soon),
        ("zone without a comparison area", ended, None),
        ("zone ended with no verdict", ended, None),
    ]
    assert str(every["waiver_id"].dtype) == "Int64" and str(every["days"].dtype) == "Int64"
    assert every["detail"][0].startswith(f"Waiver #{soon} (")
    assert every["detail"][2] == f"Ended on {days(-1)}, 1 day ago, with no verdict on its results"
    assert ".0" not in "".join(every["detail"])
    assert every.loc[1:, ["waiver_id", "rule", "amount"]].isna().all().all()
    with pytest.raises(PermissionDenied):
        exceptions.exceptions(con, people.board)


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "said"),
    [
        ({"legal_basis": None}, "legal basis", "is required"),
        ({"legal_basis": "   "}, "legal basis", "is required"),
        ({"expires_on": None}, "expiry", "is required: a waiver is limited in time"),
        ({"expires_on": " "}, "expiry", "is required: a waiver is limited in time"),
        ({"rule": ""}, "rule", "is required"),
        ({"source": None}, "legislation or guidance", "is required"),
    ],
)
def test_a_waiver_without_its_terms_is_refused_naming_the_field(
    con, people, leeds, changes, field, said
):
    for record in (
        lambda: waivers.request_waiver(
            con, people.manager, leeds, rule(**changes), key=key(), reason="r"
        ),
        lambda: waivers.record_granted(
            con, people.manager, leeds, rule(**changes), by(), key=key(), reason="r"
        ),
    ):
        with nothing_written(con), pytest.raises(ValidationError) as error:
            record()
        assert error.value.field == field
        assert error.value.rule.startswith(said)


@pytest.mark.parametrize("after", [0, -1])
def test_a_waiver_expiring_on_or_before_its_grant_is_refused(con, people, leeds, after):
    expiry = days(-10 + after)
    with nothing_written(con), pytest.raises(ValidationError) as error:
        waivers.record_granted(
            con, people.manager, leeds, rule(expires_on=expiry), by(on=days(-10)),
            key=key(), reason="r",
        )  # fmt: skip
    assert (error.value.field, error.value.rule) == (
        "expiry",
        f"{expiry} must be after the grant date ({days(-10)})",
    )

    with db.clock_at(db.utc_now() - timedelta(days=20)):  # requested before its expiry
        requested = waivers.request_waiver(
            con, people.manager, leeds, rule(expires_on=expiry), key=key(), reason="r"
        ).entity_id
    with nothing_written(con), pytest.raises(ValidationError) as error:
        waivers.grant_waiver(
            con, people.manager, requested, by(on=days(-10)), key=key(), reason="r"
        )
    assert error.value.field == "expiry"


@pytest.mark.parametrize("expiry", [0, -1])
def test_a_waiver_requested_to_expire_by_today_is_refused(con, people, leeds, expiry):
    with nothing_written(con), pytest.raises(ValidationError) as error:
        waivers.request_waiver(
            con, people.manager, leeds, rule(expires_on=days(expiry)), key=key(), reason="r"
        )
    assert (error.value.field, error.value.rule) == (
        "expiry",
        f"{days(expiry)} has passed: a waiver requested now must expire after today ({days(0)})",
    )


@pytest.mark.parametrize("end", [waivers.revoke_waiver, waivers.make_permanent])
def test_a_renewed_waiver_is_decided_on_by_its_renewal(con, people, leeds, end):
    old = granted(con, people, leeds, on=days(-10), expires_on=days(20))
    new = waivers.renew_waiver(
        con, people.manager, old, days(300), by(), key=key(), reason="still needed"
    ).entity_id
    with nothing_written(con), pytest.raises(ValidationError) as error:
        end(con, people.manager, old, by(), key=key(), reason="r")
    assert (error.value.field, error.value.rule) == (
        "waiver",
        f"#{old} was renewed by #{new}: decide on #{new}, the waiver in force",
    )
    end(con, people.manager, new, by(), key=key(), reason="r")
    assert queries.waivers(con, people.manager)["status"].tolist() == [
        "granted",
        "revoked" if end is waivers.revoke_waiver else "made permanent",
    ]


def test_an_experiment_is_one_zone(con, people, portfolio, leeds, commitment):
    second = ledger.commit(
        con,
        people.manager,
        experiment_id=portfolio.experiments[Instrument.EXPERIMENTAL_ZONE],
        amount="5000.00",
        counterparty="Zone Ltd",
        reason="a second contract",
        key=key(),
    ).entity_id
    with nothing_written(con), pytest.raises(ValidationError) as error:
        add(con, people, zone_terms(second, area_code="E08000036", area_name="Wakefield",
                                    comparisons=[]))  # fmt: skip
    assert error.value.field == "commitment"
    assert f"is zone #{leeds} already (commitment #{commitment})" in error.value.rule


@pytest.mark.parametrize("code", ["X123", "E0800003", "E08000035X", ""])
def test_a_zone_whose_area_code_is_not_an_ons_code_is_refused(con, people, commitment, code):
    with nothing_written(con), pytest.raises(ValidationError) as error:
        add(con, people, zone_terms(commitment, area_code=code))
    assert error.value.field == "area code"
    if code:
        assert error.value.rule.startswith(f"{code!r} is not an ONS area code")


def test_a_comparison_area_with_a_bad_code_is_refused(con, people, commitment, leeds):
    with nothing_written(con), pytest.raises(ValidationError) as error:
        add(con, people, zone_terms(commitment, comparisons=[Area("E0800003", "Wakefield")]))
    assert error.value.field == "comparison area code"
    for given, field, said in (
        ([Area("X123", "Bradford")], "comparison area code", "'X123' is not an ONS area code"),
        ([Area(LEEDS, "Leeds")], "comparison area", f"{LEEDS} is the zone's own area"),
        ([WAKEFIELD], "comparison area", f"{WAKEFIELD.code} is already compared with zone"),
        ([], "comparison area", "give at least one"),
    ):
        with nothing_written(con), pytest.raises(ValidationError) as error:
            zone.add_comparisons(con, people.manager, leeds, given, key=key(), reason="r")
        assert error.value.field == field
        assert error.value.rule.startswith(said)


def test_a_zone_on_a_commitment_of_another_instrument_is_refused(con, people, portfolio):
    other = instrument_commitment(con, people, portfolio, Instrument.PBR_CONTRACT, "5000.00")
    with nothing_written(con), pytest.raises(ValidationError) as error:
        add(con, people, zone_terms(other))
    assert error.value.field == "commitment"
    assert error.value.rule.endswith("only an experimental zone's commitment is a zone")


def test_a_commitment_is_one_zone_only(con, people, commitment, leeds):
    with nothing_written(con), pytest.raises(ValidationError) as error:
        add(con, people, zone_terms(commitment, area_code="E08000032"))
    assert (error.value.field, error.value.rule) == (
        "commitment",
        f"#{commitment} is zone #{leeds} already",
    )


def test_a_zone_ending_before_it_starts_is_refused(con, people, commitment):
    with nothing_written(con), pytest.raises(ValidationError) as error:
        add(con, people, zone_terms(commitment, ends_on=STARTS))
    assert error.value.field == "end"


def refused_series(con, people, zone_id, text: str) -> list[str]:
    with nothing_written(con), pytest.raises(FileRefused) as error:
        series.upload(con, people.manager, zone_id, text.encode(), key=key(), reason="data")
    with nothing_written(con), pytest.raises(FileRefused):
        series.preview(con, people.manager, zone_id, text.encode())
    return [problem.message() for problem in error.value.problems]


def test_a_series_with_no_period_before_the_start_is_refused(con, people, leeds):
    text = "area,period,value\nE08000035,2025-04,53.2\nE08000036,2025-Q2,48.6\n"
    assert refused_series(con, people, leeds, text) == [
        "period: no period before the zone's start (2025-04-01): a difference in differences"
        " needs the areas measured before it"
    ]


def test_a_series_naming_an_unknown_area_is_refused_with_its_row(con, people, leeds):
    text = (
        "area,period,value\nE08000035,2025-03,50\nE08000032,2025-03,47\n"
        "E08000036,2025-03,48\nE08000035,2025-04,53\nE08000036,2025-04,48\nX1,2025-04,1\n"
    )
    assert refused_series(con, people, leeds, text) == [
        "row 3/area: 'E08000032' is neither the zone's area nor one of its comparison areas"
        " (E08000035, E08000036)",
        "row 7/area: 'X1' is neither the zone's area nor one of its comparison areas"
        " (E08000035, E08000036)",
    ]


# --- the zone's effect is the evidence module's --------------------------------------------


def test_the_zones_estimate_equals_the_evidence_estimate_on_the_same_data(con, people, commitment):
    zone_id = add(con, people, zone_terms(commitment, comparisons=[WAKEFIELD, BRADFORD]))
    checked = series.read(SERIES, series.zone_areas(con, zone_id))
    expected = estimate.estimate(observations.read(series.evidence_text(checked.rows)), "did")
    assert expected.n == 18 and expected.design == "did"
    # By hand: Leeds rose 3.3667 points from before to after, its comparisons 0.4833.
    assert expected.effect == pytest.approx((160.3 - 150.2) / 3 - (283.7 - 280.8) / 6)

    with nothing_written(con):  # a preview, for any reader, writes nothing
        previewed, preview_estimate = series.preview(con, people.board, zone_id, SERIES.encode())
    assert preview_estimate == expected == previewed.estimate
    assert previewed.text == checked.text

    written = series.upload(con, people.manager, zone_id, SERIES.encode(), key=key(), reason="data")
    judged = (
        judgement.judgements(con)
        .set_index("experiment_id")
        .loc[series.zone_areas(con, zone_id).experiment_id]
    )
    assert judged["result_id"] == written.entity_id
    assert (judged["design"], judged["method"], judged["n"]) == (
        expected.design,
        expected.method,
        expected.n,
    )
    assert [judged["effect"], judged["ci_low"], judged["ci_high"]] == [
        expected.effect,
        expected.ci_low,
        expected.ci_high,
    ]
    assert judged["verdict"] is not None and judged["evidence_level"] >= 2

    shown = queries.zone(con, people.manager, zone_id)
    assert shown.judged["result_id"] == written.entity_id
    assert shown.judged["effect"] == expected.effect
    assert len(shown.series) == 18
    assert shown.series.groupby("group")["area_code"].unique().map(sorted).to_dict() == {
        "comparison": [BRADFORD.code, WAKEFIELD.code],
        "zone": [LEEDS],
    }
    stored = con.execute(
        "SELECT count(*), count(DISTINCT area_code) FROM zone_outcome WHERE result_id = ?",
        [written.entity_id],
    ).fetchone()
    assert stored == (18, 3)
    assert audit.verify(con, people.auditor).ok


def test_a_zones_effect_needs_a_difference_in_differences_plan(con, people, portfolio):
    commitment = instrument_commitment(
        con, people, portfolio, Instrument.EXPERIMENTAL_ZONE, "5000.00"
    )
    zone_id = add(con, people, zone_terms(commitment, comparisons=[WAKEFIELD, BRADFORD]))
    with nothing_written(con), pytest.raises(ValidationError) as error:
        series.upload(con, people.manager, zone_id, SERIES.encode(), key=key(), reason="data")
    assert error.value.field == "design"


# --- what board members read -----------------------------------------------------------------


def test_board_members_read_the_register_without_officials_names(con, people, leeds):
    waiver_id = granted(con, people, leeds, on=days(-10))
    waivers.revoke_waiver(con, people.manager, waiver_id, by(), key=key(), reason="done")
    names = {"official", "granted_by", "ended_by", "recorded_by"}

    for read in (
        lambda who: queries.zones(con, who),
        lambda who: queries.waivers(con, who),
        lambda who: queries.zone(con, who, leeds).zone.to_frame().T,
        lambda who: queries.zone(con, who, leeds).waivers,
    ):
        assert not names & set(read(people.board).columns)
        assert names & set(read(people.manager).columns)
    shown = queries.zone(con, people.board, leeds)
    assert shown.judged is not None and "official" not in shown.judged.index
    assert "official" in queries.zone(con, people.manager, leeds).judged.index
    board_text = " ".join(map(str, [*shown.zone, *shown.waivers.to_numpy().ravel()]))
    assert "Mo Manager" not in board_text and MINISTER not in board_text
    assert "Pat Official" not in board_text
    assert queries.waivers(con, people.board)["status"].tolist() == ["revoked"]
    assert queries.zones(con, people.auditor)["official"].tolist() == ["Pat Official"]


def test_the_exceptions_of_a_past_day_ignore_what_was_decided_after_it(con, people, commitment):
    with db.clock_at(db.utc_now() - timedelta(days=10)):  # zone and grant on their day
        leeds = add(con, people, zone_terms(commitment))
        soon = granted(con, people, leeds, on=days(0), expires_on=days(30))
    waivers.renew_waiver(con, people.manager, soon, days(300), by(), key=key(), reason="needed")
    assert found(con, people) == []
    assert found(con, people, as_of=days(-1)) == [("waiver expiring within 60 days", leeds, soon)]
