"""Every service × every role, as DESIGN §2 has it: a fund manager moves money and never
manages users; an auditor reads and verifies but changes nothing; a board member reads
summaries only; an admin manages users and never moves money. Services check this
themselves, against the user's row as it is now."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

import pandas as pd
import pytest

from fund import audit, auth, db, ledger, portfolio, register, users
from fund.auth import Role, User
from fund.errors import PermissionDenied, RingfenceError
from fund.evidence import plans
from fund.evidence import results as evidence
from fund.lessons import register as lessons
from fund.lessons import search as lesson_search
from fund.sroi import proxies as sroi_proxies
from fund.sroi import report as sroi_report
from fund.sroi import service as sroi_service
from fund.unit_of_work import Written
from tests.conftest import FULL_PLAN, PASSWORD, SMALL_GRANT_PLAN, key
from tests.integration.helpers import FAST_HASHER, nothing_written


@dataclass(frozen=True)
class World:
    """One database shared by the whole matrix; every test makes what it needs in it."""

    con: object
    users: dict[Role, User]
    helper: User  # a second fund manager who sets things up for the user under test
    ringfence_id: int
    programme_id: int
    other_programme_id: int
    grant_experiment: int


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(auth, "_hasher", FAST_HASHER)
        con = db.connect(tmp_path_factory.mktemp("permissions") / "fund.duckdb")
        admin = users.bootstrap_admin(
            con, username="admin", display_name="Ada Admin", password=PASSWORD
        )
        for name, role in [
            ("manager", "fund_manager"),
            ("helper", "fund_manager"),
            ("auditor", "auditor"),
            ("board", "board_member"),
        ]:
            users.add_user(
                con,
                admin,
                username=name,
                display_name=name.title(),
                role=role,
                password=PASSWORD,
                key=key(),
            )
        people = {
            Role.ADMIN: admin,
            Role.FUND_MANAGER: auth.authenticate(con, "manager", PASSWORD),
            Role.AUDITOR: auth.authenticate(con, "auditor", PASSWORD),
            Role.BOARD_MEMBER: auth.authenticate(con, "board", PASSWORD),
        }
        helper = auth.authenticate(con, "helper", PASSWORD)
        ringfence_id = register.declare_ringfence(
            con,
            helper,
            name="Innovation Fund",
            owner_body="Northborough Council",
            financial_years="2025-26",
            declared_amount="10000000",
            purpose="Test new ways to help residents",
            advertised_on=date(2025, 3, 1),
            delegated_limit="10000",
            key=key(),
        ).entity_id
        programmes = [
            register.add_programme(
                con, helper, ringfence_id=ringfence_id, name=name, target="t", key=key()
            ).entity_id
            for name in ("Young people into work", "Financial inclusion")
        ]
        for programme_id in programmes:
            ledger.allocate(
                con, helper, programme_id=programme_id, amount="1000000", reason="x", key=key()
            )
        grant = register.add_experiment(
            con,
            helper,
            programme_id=programmes[0],
            title="Small grants for youth workers",
            instrument="small_grant",
            phase=1,
            risk_rating="low",
            official="Pat Official",
            user_involvement="co-designed",
            key=key(),
        ).entity_id
        plans.register_plan(con, helper, grant, SMALL_GRANT_PLAN, key=key(), reason="setup")
        yield World(con, people, helper, ringfence_id, *programmes, grant)
        con.close()


def _paid_commitment(w: World) -> int:
    grant = ledger.commit(
        w.con,
        w.helper,
        experiment_id=w.grant_experiment,
        amount="100",
        counterparty="Youth Trust",
        reason="setup",
        key=key(),
    ).entity_id
    ledger.pay(w.con, w.helper, commitment_id=grant, amount="50", reason="setup", key=key())
    return grant


def _fresh_entry(w: World) -> int:
    return ledger.allocate(
        w.con, w.helper, programme_id=w.programme_id, amount="1", reason="setup", key=key()
    ).entity_id


def _pending_request(w: World) -> int:
    return ledger.commit(
        w.con,
        w.helper,
        experiment_id=w.grant_experiment,
        amount="20000",
        counterparty="Outcomes Ltd",
        reason="setup",
        key=key(),
    ).entity_id


def _impact_map() -> dict:
    """A map unlike the last one saved (a quantity never used before), so each save is new."""
    outcome = {
        "stakeholder": "youth workers",
        "outcome": "new practice adopted",
        "indicator": "teams using it",
        "quantity": key().removeprefix("test-"),
        "proxy": "100.00",
        "duration_years": 1,
        "start_year": 1,
        **dict.fromkeys(("deadweight", "displacement", "attribution", "drop_off"), "0"),
    }
    return {"outcomes": [outcome]}


def _lesson() -> dict:
    """A lesson unlike the last one recorded, so each record is a new version."""
    return {
        "what_worked": f"mentors {key()}",
        "what_did_not": "referrals",
        "do_differently": "employers first",
        "transfers_to": "other boroughs",
    }


def _experiment_with_a_lesson(w: World) -> int:
    """A new experiment with a lesson and no money: ready to be closed."""
    experiment = register.add_experiment(
        w.con,
        w.helper,
        programme_id=w.programme_id,
        title="A finished trial",
        instrument="small_grant",
        phase=1,
        risk_rating="low",
        official="Pat Official",
        user_involvement="informed",
        key=key(),
    ).entity_id
    lessons.record_lesson(w.con, w.helper, experiment, _lesson(), reason="setup", key=key())
    return experiment


def _trial(w: World, *, planned: bool = True) -> int:
    """A new experiment, a full test with a two-group plan unless ``planned`` is false."""
    experiment = register.add_experiment(
        w.con,
        w.helper,
        programme_id=w.programme_id,
        title="A tested trial",
        instrument="pbr_contract",
        phase=1,
        risk_rating="medium",
        official="Pat Official",
        user_involvement="consulted",
        key=key(),
    ).entity_id
    if planned:
        plans.register_plan(w.con, w.helper, experiment, FULL_PLAN, key=key(), reason="setup")
    return experiment


RESULTS = "group,period,post,value\n" + "".join(
    f"{g},2026-Q1,1,{v}\n" for g in ("treated", "comparison") for v in (3, 5, 4, 6)
)
CELLS = [
    {"group": "treated", "post": 1, "n": 40, "mean": 5.5, "sd": 1.5},
    {"group": "comparison", "post": 1, "n": 40, "mean": 4.5, "sd": 1.5},
]


def _named(prefix: str) -> str:
    return f"{prefix} {key()}"


# service name: (prepare(world) -> anything, call(world, actor, prepared) -> result)
SERVICES = {
    "register.declare_ringfence": (
        None,
        lambda w, a, _: register.declare_ringfence(
            w.con,
            a,
            name=_named("Fund"),
            owner_body="Council",
            financial_years="2026-27",
            declared_amount="1000",
            purpose="p",
            advertised_on=date(2025, 1, 1),
            delegated_limit="10",
            key=key(),
        ),
    ),
    "register.add_programme": (
        None,
        lambda w, a, _: register.add_programme(
            w.con, a, ringfence_id=w.ringfence_id, name=_named("Programme"), target="t", key=key()
        ),
    ),
    "register.update_ringfence": (
        None,
        lambda w, a, _: register.update_ringfence(
            w.con, a, ringfence_id=w.ringfence_id, purpose=f"p-{key()}", reason="r", key=key()
        ),
    ),
    "register.update_programme": (
        None,
        lambda w, a, _: register.update_programme(
            w.con, a, programme_id=w.programme_id, target=f"t-{key()}", reason="r", key=key()
        ),
    ),
    "register.add_experiment": (
        None,
        lambda w, a, _: register.add_experiment(
            w.con,
            a,
            programme_id=w.programme_id,
            title="A trial",
            instrument="pbr_contract",
            phase=0,
            risk_rating="high",
            official="Pat",
            user_involvement="informed",
            partners=[
                register.PartnerShare(
                    name="Youth Trust", sector="civil_society", role="broker", match_cash="10"
                )
            ],
            key=key(),
        ),
    ),
    "ledger.allocate": (
        None,
        lambda w, a, _: ledger.allocate(
            w.con, a, programme_id=w.programme_id, amount="1", reason="r", key=key()
        ),
    ),
    "ledger.commit": (
        None,
        lambda w, a, _: ledger.commit(
            w.con,
            a,
            experiment_id=w.grant_experiment,
            amount="1",
            counterparty="c",
            reason="r",
            key=key(),
        ),
    ),
    "ledger.decommit": (
        _paid_commitment,
        lambda w, a, c: ledger.decommit(
            w.con, a, commitment_id=c, amount="1", reason="r", key=key()
        ),
    ),
    "ledger.pay": (
        _paid_commitment,
        lambda w, a, c: ledger.pay(w.con, a, commitment_id=c, amount="1", reason="r", key=key()),
    ),
    "ledger.recover": (
        _paid_commitment,
        lambda w, a, c: ledger.recover(
            w.con, a, commitment_id=c, amount="1", reason="r", key=key()
        ),
    ),
    "ledger.write_off": (
        _paid_commitment,
        lambda w, a, c: ledger.write_off(
            w.con, a, commitment_id=c, amount="1", reason="r", key=key()
        ),
    ),
    "ledger.reverse": (
        _fresh_entry,
        lambda w, a, e: ledger.reverse(w.con, a, entry_id=e, reason="r", key=key()),
    ),
    "ledger.request_virement": (
        None,
        lambda w, a, _: ledger.request_virement(
            w.con,
            a,
            amount="1",
            from_programme_id=w.programme_id,
            to_programme_id=w.other_programme_id,
            reason="r",
            key=key(),
        ),
    ),
    "ledger.decide": (
        _pending_request,
        lambda w, a, r: ledger.decide(w.con, a, request_id=r, approve=True, reason="r", key=key()),
    ),
    "ledger.pending": (None, lambda w, a, _: ledger.pending(w.con, a)),
    "users.add_user": (
        None,
        lambda w, a, _: users.add_user(
            w.con,
            a,
            username=f"user-{key()}",
            display_name="New Person",
            role="auditor",
            password=PASSWORD,
            key=key(),
        ),
    ),
    "portfolio.position": (None, lambda w, a, _: portfolio.position(w.con, a, "programme")),
    "portfolio.burn_by_month": (None, lambda w, a, _: portfolio.burn_by_month(w.con, a)),
    "portfolio.headline": (None, lambda w, a, _: portfolio.headline(w.con, a)),
    "audit.verify": (None, lambda w, a, _: audit.verify(w.con, a)),
    "audit.trail": (None, lambda w, a, _: audit.trail(w.con, a)),
    "sroi.save_document": (
        None,
        lambda w, a, _: sroi_service.save_document(
            w.con, a, w.grant_experiment, _impact_map(), reason="r", key=key()
        ),
    ),
    "sroi.add_proxy": (
        None,
        lambda w, a, _: sroi_proxies.add_proxy(
            w.con,
            a,
            description="Hour of volunteering",
            unit="Per hour",
            value="12.50",
            price_year="2019/20",
            source="Volunteer survey 2020",
            licence="OGL v3.0",
            reason="r",
            key=key(),
        ),
    ),
    "sroi.library": (None, lambda w, a, _: sroi_proxies.library(w.con, a, search="crime")),
    "sroi.position": (None, lambda w, a, _: sroi_report.position(w.con, a, by="programme")),
    "sroi.experiment_results": (None, lambda w, a, _: sroi_report.experiment_results(w.con, a)),
    "lessons.record_lesson": (
        None,
        lambda w, a, _: lessons.record_lesson(
            w.con, a, w.grant_experiment, _lesson(), reason="r", key=key()
        ),
    ),
    "lessons.close_experiment": (
        _experiment_with_a_lesson,
        lambda w, a, e: lessons.close_experiment(w.con, a, e, reason="r", key=key()),
    ),
    "lessons.search": (None, lambda w, a, _: lesson_search.search(w.con, a, text="mentors")),
    "lessons.lesson_history": (
        None,
        lambda w, a, _: lesson_search.lesson_history(w.con, a, w.grant_experiment),
    ),
    "lessons.export": (
        None,
        lambda w, a, _: pd.read_csv(io.StringIO(lesson_search.export(w.con, a))),
    ),
    "plans.register_plan": (
        lambda w: _trial(w, planned=False),
        lambda w, a, e: plans.register_plan(w.con, a, e, FULL_PLAN, reason="r", key=key()),
    ),
    "plans.amend_plan": (
        _trial,
        lambda w, a, e: plans.amend_plan(
            w.con, a, e, {**FULL_PLAN, "target_effect": "0.07"}, reason="r", key=key()
        ),
    ),
    "plans.history": (
        _trial,
        lambda w, a, e: pd.DataFrame(
            {"version": [v.version for v in plans.history(w.con, a, e).versions]}
        ),
    ),
    "results.upload_results": (
        _trial,
        lambda w, a, e: evidence.upload_results(w.con, a, e, RESULTS, reason="r", key=key()),
    ),
    "results.record_summary": (
        _trial,
        lambda w, a, e: evidence.record_summary(w.con, a, e, CELLS, reason="r", key=key()),
    ),
    "results.results": (_trial, lambda w, a, e: evidence.results(w.con, a, e)),
}

FM, AUD, BOARD, ADMIN = Role.FUND_MANAGER, Role.AUDITOR, Role.BOARD_MEMBER, Role.ADMIN
MONEY_AND_REGISTER = {FM}
READ_SUMMARIES = {FM, AUD, BOARD}

# Who may call each service, from DESIGN §2 (not from the code's grant table).
ALLOWED = {
    "register.declare_ringfence": MONEY_AND_REGISTER,
    "register.add_programme": MONEY_AND_REGISTER,
    "register.add_experiment": MONEY_AND_REGISTER,
    "register.update_ringfence": MONEY_AND_REGISTER,
    "register.update_programme": MONEY_AND_REGISTER,
    "ledger.allocate": MONEY_AND_REGISTER,
    "ledger.commit": MONEY_AND_REGISTER,
    "ledger.decommit": MONEY_AND_REGISTER,
    "ledger.pay": MONEY_AND_REGISTER,
    "ledger.recover": MONEY_AND_REGISTER,
    "ledger.write_off": MONEY_AND_REGISTER,
    "ledger.reverse": MONEY_AND_REGISTER,
    "ledger.request_virement": MONEY_AND_REGISTER,
    "ledger.decide": MONEY_AND_REGISTER,
    "ledger.pending": {FM, AUD},
    "users.add_user": {ADMIN},
    "portfolio.position": READ_SUMMARIES,
    "portfolio.burn_by_month": READ_SUMMARIES,
    "portfolio.headline": READ_SUMMARIES,
    "audit.verify": {FM, AUD, ADMIN},
    "audit.trail": {FM, AUD},
    "sroi.save_document": MONEY_AND_REGISTER,
    "sroi.add_proxy": MONEY_AND_REGISTER,
    "sroi.library": READ_SUMMARIES,
    "sroi.position": READ_SUMMARIES,
    "sroi.experiment_results": READ_SUMMARIES,
    "lessons.record_lesson": MONEY_AND_REGISTER,
    "lessons.close_experiment": MONEY_AND_REGISTER,
    "lessons.search": READ_SUMMARIES,
    "lessons.lesson_history": READ_SUMMARIES,
    "lessons.export": {FM, AUD},
    "plans.register_plan": MONEY_AND_REGISTER,
    "plans.amend_plan": MONEY_AND_REGISTER,
    "plans.history": READ_SUMMARIES,
    "results.upload_results": MONEY_AND_REGISTER,
    "results.record_summary": MONEY_AND_REGISTER,
    "results.results": READ_SUMMARIES,
}


def test_the_matrix_covers_every_service():
    assert set(ALLOWED) == set(SERVICES)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize("service", list(SERVICES))
def test_each_role_may_do_exactly_what_the_design_allows(world, service, role):
    prepare, call = SERVICES[service]
    prepared = prepare(world) if prepare else None
    actor = world.users[role]
    if role in ALLOWED[service]:
        before = world.con.execute("SELECT max(seq) FROM audit_log").fetchone()[0]
        result = call(world, actor, prepared)
        if isinstance(result, Written):
            assert not result.replayed
            assert world.con.execute(
                "SELECT actor FROM audit_log WHERE seq > ?", [before]
            ).fetchall() == [(actor.username,)]
        elif isinstance(result, audit.ChainCheck):
            assert result.ok, result.problem
        elif isinstance(result, portfolio.Headline):
            assert result.ring_fence > 0
        else:
            assert isinstance(result, pd.DataFrame)
    else:
        with nothing_written(world.con), pytest.raises(PermissionDenied) as refused:
            call(world, actor, prepared)
        assert refused.value.field == "user"
        assert str(refused.value).startswith(f"user: {actor.username} is not permitted to ")


def test_an_admin_never_moves_money():
    grants = auth.GRANTS[Role.ADMIN]
    assert not grants & {
        auth.Permission.ALLOCATE,
        auth.Permission.COMMIT,
        auth.Permission.PAY,
        auth.Permission.REVERSE,
        auth.Permission.REQUEST_VIREMENT,
        auth.Permission.APPROVE,
    }


def test_a_board_member_cannot_replay_someone_elses_write(world):
    k = key()
    ledger.allocate(
        world.con, world.helper, programme_id=world.programme_id, amount="1", reason="r", key=k
    )
    with nothing_written(world.con), pytest.raises(PermissionDenied):
        ledger.allocate(
            world.con,
            world.users[BOARD],
            programme_id=world.programme_id,
            amount="1",
            reason="r",
            key=k,
        )


def _person(world, name: str, role: str) -> User:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(auth, "_hasher", FAST_HASHER)
        users.add_user(
            world.con,
            world.users[ADMIN],
            username=name,
            display_name=name,
            role=role,
            password=PASSWORD,
            key=key(),
        )
        return auth.authenticate(world.con, name, PASSWORD)


@pytest.mark.parametrize(
    ("role", "service"),
    [
        ("fund_manager", "ledger.allocate"),
        ("fund_manager", "ledger.decide"),
        ("fund_manager", "portfolio.position"),
        ("auditor", "audit.verify"),
        ("auditor", "audit.trail"),
        ("board_member", "portfolio.headline"),
        ("admin", "users.add_user"),
    ],
)
def test_a_deactivated_user_is_refused_everything(world, role, service):
    person = _person(world, f"gone-{key()}", role)
    prepare, call = SERVICES[service]
    prepared = prepare(world) if prepare else None
    world.con.execute("UPDATE app_user SET active = false WHERE user_id = ?", [person.user_id])
    with nothing_written(world.con), pytest.raises(PermissionDenied):
        call(world, person, prepared)
    with pytest.raises(RingfenceError) as refused:
        auth.authenticate(world.con, person.username, PASSWORD)
    assert refused.value.field == "password"


def test_a_changed_role_takes_effect_at_once(world):
    person = _person(world, f"demoted-{key()}", "fund_manager")
    ledger.allocate(
        world.con, person, programme_id=world.programme_id, amount="1", reason="r", key=key()
    )
    world.con.execute(
        "UPDATE app_user SET role = 'board_member' WHERE user_id = ?", [person.user_id]
    )
    with nothing_written(world.con), pytest.raises(PermissionDenied):
        ledger.allocate(
            world.con, person, programme_id=world.programme_id, amount="1", reason="r", key=key()
        )
    assert isinstance(portfolio.position(world.con, person, "total"), pd.DataFrame)


def test_a_user_who_is_not_in_the_database_is_refused(world):
    stranger = User(user_id=9999, username="stranger", display_name="S", role=Role.FUND_MANAGER)
    with nothing_written(world.con), pytest.raises(PermissionDenied):
        ledger.allocate(
            world.con, stranger, programme_id=world.programme_id, amount="1", reason="r", key=key()
        )
    with pytest.raises(PermissionDenied):
        portfolio.position(world.con, stranger, "total")


def test_the_role_a_caller_claims_counts_for_nothing(world):
    board = world.users[BOARD]
    claims_more = User(
        user_id=board.user_id, username=board.username, display_name="B", role=Role.FUND_MANAGER
    )
    with nothing_written(world.con), pytest.raises(PermissionDenied):
        ledger.allocate(
            world.con,
            claims_more,
            programme_id=world.programme_id,
            amount="1",
            reason="r",
            key=key(),
        )
