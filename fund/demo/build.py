"""Carrying the plan out through the services: the demo users, the register, every money
move, the virements and the impact maps, with the same permissions and invariants as real
input."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial

import duckdb

from fund import db, users
from fund.auth import Role, User
from fund.board.appetite import declare_appetite
from fund.demo.accounts import DEMO_USERS, mark_as_demo
from fund.demo.catalogue import (
    APPETITE,
    DECLARED,
    DELEGATED_LIMIT,
    OWNER_BODY,
    PROGRAMMES,
    RINGFENCE_NAME,
)
from fund.demo.evidence import Write, evidence_writes, register_plan
from fund.demo.experiments import ExperimentPlan
from fund.demo.grant_round import grant_round_writes
from fund.demo.impact import save_maps
from fund.demo.moves import carry_out, vire
from fund.demo.outcome_contracts import outcome_contract_writes
from fund.demo.plan import plan
from fund.demo.run import Run
from fund.demo.timeline import Window, window_as_of
from fund.demo.ventures import venture_writes
from fund.demo.zones import MEASURED, zone_writes
from fund.errors import ValidationError
from fund.register import add_experiment, add_programme, declare_ringfence


@dataclass(frozen=True, kw_only=True)
class DemoSummary:
    """What :func:`build` made, for the CLI to report and tests to look up."""

    ringfence_id: int
    programme_ids: tuple[int, ...]
    experiment_ids: tuple[int, ...]
    commitments: int
    ledger_entries: int
    reversals: int
    approvals: int
    pending_request_id: int
    impact_maps: int  # versions saved: one per experiment at mobilisation or later, and a revision
    result_sets: int
    lessons: int
    closed: int


FOUNDED_AT = time(8, 0)  # an hour before the first write of the first day


def founded(today: date | None = None) -> AbstractContextManager[None]:
    """The clock to create a demo database on: the morning the fund was advertised, before
    its first write. Creating a database records the reference data its migrations load in
    the audit trail; opened under this clock, that row sits where the history begins, so
    the trail reads in order from row 1. Open the file inside it, then :func:`build`."""
    day = window_as_of(today or db.today()).advertised
    moment = datetime.combine(day, FOUNDED_AT, db.BOOKS_TIMEZONE).astimezone(UTC)
    return db.clock_at(moment.replace(tzinfo=None))


def build(
    con: duckdb.DuckDBPyConnection, *, seed: int = 2026, today: date | None = None
) -> DemoSummary:
    """Fill an empty, migrated database with the demo users and portfolio.

    Every row goes through the services, so the demo obeys every permission and invariant a
    real fund does. ``today`` (default: today in the UK) anchors the two years of value
    dates, and each write runs on the demo's clock (:meth:`Run.on`), so the audit trail, the
    times rows record and the dates of corrections read as the history happened.
    """
    today = today or db.today()
    if today > db.today():
        raise ValidationError("today", f"must not be in the future, not {today}")
    if con.execute("SELECT count(*) FROM app_user").fetchall()[0][0]:
        raise ValidationError(
            "database", "the demo goes into an empty database; this one has users"
        )
    run = Run(con=con, plan=plan(seed=seed, today=today))
    admin = _add_users(run)
    with run.on(run.plan.window.advertised):
        mark_as_demo(con, admin, key=run.key())
    ringfence_id = _add_register(run)
    for write in _in_date_order(run):
        write.do()
    pending = vire(run)
    maps = save_maps(run)
    return _summary(run, ringfence_id, pending, maps)


def _in_date_order(run: Run) -> list[Write]:
    """The money moves and the evidence writes, by day: the run's clock only moves forward,
    so each is written on its own day only if they come in order (a day's moves first)."""
    moves = [Write(move.on, partial(carry_out, run, move)) for move in run.plan.moves]
    writes = [
        *moves,
        *evidence_writes(run, by_area=MEASURED),
        *outcome_contract_writes(run),
        *grant_round_writes(run),
        *zone_writes(run),
        *venture_writes(run),
    ]
    return sorted(writes, key=lambda write: write.on)


def _add_users(run: Run) -> User:
    """The admin founds the database and adds one user per role, plus a second fund manager,
    on the day the fund is advertised; returns the admin."""
    admin_spec, *others = DEMO_USERS
    day = run.plan.window.advertised
    with run.on(day):
        admin = users.bootstrap_admin(
            run.con,
            username=admin_spec.username,
            display_name=admin_spec.display_name,
            password=admin_spec.password,
        )
    managers = []
    for spec in others:
        with run.on(day):
            written = users.add_user(
                run.con,
                admin,
                username=spec.username,
                display_name=spec.display_name,
                role=spec.role.value,
                password=spec.password,
                key=run.key(),
                reason="demo account",
            )
        if spec.role == Role.FUND_MANAGER:
            managers.append(
                User(
                    user_id=written.entity_id,
                    username=spec.username,
                    display_name=spec.display_name,
                    role=spec.role,
                )
            )
    run.managers = tuple(managers)
    return admin


def _add_register(run: Run) -> int:
    """The ring-fence, its risk appetite and its programmes, as the first fund manager records
    them the day the fund is advertised, and the experiments, as the panels select them before the launch."""
    blueprint, manager = run.plan, run.manager(0)
    with run.on(blueprint.window.advertised):
        ringfence_id = declare_ringfence(
            run.con,
            manager,
            name=RINGFENCE_NAME,
            owner_body=OWNER_BODY,
            financial_years=blueprint.financial_years,
            declared_amount=DECLARED,
            purpose=blueprint.purpose,
            advertised_on=blueprint.window.advertised,
            delegated_limit=DELEGATED_LIMIT,
            key=run.key(),
            reason="Declared and advertised by the Council's cabinet",
        ).entity_id
    with run.on(blueprint.window.advertised):
        declare_appetite(
            run.con,
            manager,
            ringfence_id=ringfence_id,
            **APPETITE,
            key=run.key(),
            reason="Risk appetite declared with the ring-fence by the Council's cabinet",
        )
    for spec in PROGRAMMES:
        with run.on(blueprint.window.advertised):
            written = add_programme(
                run.con,
                manager,
                ringfence_id=ringfence_id,
                name=spec.name,
                target=spec.target,
                key=run.key(),
                reason="Challenge area agreed by the fund's board",
            )
        run.programme_ids.append(written.entity_id)
    for position, experiment in enumerate(blueprint.experiments):
        selected = _selected_on(blueprint.window, position)
        with run.on(selected):
            run.experiment_ids.append(_add_experiment(run, experiment))
        with run.on(selected):
            register_plan(run, experiment, run.experiment_ids[-1], selected)
    return ringfence_id


# The panels meet from a fortnight after the fund is advertised, and select a few a day.
PANELS_START = timedelta(days=14)
SELECTED_A_DAY = 5


def _selected_on(window: Window, position: int) -> date:
    return window.advertised + PANELS_START + timedelta(days=position // SELECTED_A_DAY)


def _add_experiment(run: Run, experiment: ExperimentPlan) -> int:
    return add_experiment(
        run.con,
        run.manager(0),
        programme_id=run.programme_ids[experiment.programme],
        title=experiment.title,
        instrument=experiment.instrument.value,
        phase=experiment.phase,
        risk_rating=experiment.risk.value,
        official=experiment.official,
        user_involvement=experiment.involvement.value,
        partners=list(experiment.partners),
        key=run.key(),
        reason="Selected by the programme panel",
    ).entity_id


def _summary(run: Run, ringfence_id: int, pending: int, maps: int) -> DemoSummary:
    entries, result_sets, lessons, closed = run.con.execute(
        "SELECT (SELECT count(*) FROM ledger_entry), (SELECT count(*) FROM result_set),"
        " (SELECT count(*) FROM lesson), (SELECT count(*) FROM experiment_closure)"
    ).fetchone()
    return DemoSummary(
        ringfence_id=ringfence_id,
        programme_ids=tuple(run.programme_ids),
        experiment_ids=tuple(run.experiment_ids),
        commitments=len(run.commitments),
        ledger_entries=entries,
        reversals=run.reversals,
        approvals=run.approvals,
        pending_request_id=pending,
        impact_maps=maps,
        result_sets=result_sets,
        lessons=lessons,
        closed=closed,
    )
