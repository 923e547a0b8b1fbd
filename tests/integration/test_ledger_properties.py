"""Random sequences of ledger operations, valid and invalid, on a fresh database each time.

After every step: no invariant is broken in the balance views; a refused operation left
every table, the audit head and the position exactly as they were; an operation was
refused exactly when an independent model of the rules says it must be; and the position
(total, by programme, by instrument) equals sums computed here from the raw ledger rows,
with the three views adding up to the same committed and paid. At the end of each example
the audit chain verifies.
"""

from __future__ import annotations

import atexit
import copy
import functools
import itertools
import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from fund import audit, auth, db, ledger, register, users
from fund.errors import (
    IdempotencyConflict,
    InvariantBroken,
    NotFound,
    RingfenceError,
    SecondPersonRequired,
    ValidationError,
    describe,
)
from fund.evidence import plans
from fund.portfolio import POSITION_FIGURES, position
from tests.conftest import PASSWORD, plan_for
from tests.integration.helpers import FAST_HASHER, counts

ZERO = Decimal("0.00")
PENNY = Decimal("0.01")
LIMIT = Decimal("10000.00")  # the delegated limit of both ring-fences
NOWHERE = 999  # an id that never exists
TOTAL = POSITION_FIGURES

# --- a template database, built once per process and copied for every example ------------


@dataclass(frozen=True)
class Template:
    path: Path
    ringfences: tuple[int, ...]
    programmes: tuple[int, ...]  # the first two share the first ring-fence
    experiments: tuple[int, ...]


INSTRUMENTS = [
    (0, "small_grant"),
    (0, "social_venture"),
    (1, "pbr_contract"),
    (2, "experimental_zone"),
    (2, "social_venture"),
]


@functools.cache
def template() -> Template:
    folder = Path(tempfile.mkdtemp(prefix="ringfence-properties-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "template.duckdb"
    keys = (f"template-{n}" for n in itertools.count())
    real_hasher, auth._hasher = auth._hasher, FAST_HASHER
    try:
        con = db.connect(path)
        admin = users.bootstrap_admin(con, username="admin", display_name="A", password=PASSWORD)
        for name in ("manager", "second"):
            users.add_user(
                con,
                admin,
                username=name,
                display_name=name,
                role="fund_manager",
                password=PASSWORD,
                key=next(keys),
            )
    finally:
        auth._hasher = real_hasher
    fm = auth.find_user(con, "manager")
    ringfences = tuple(
        register.declare_ringfence(
            con,
            fm,
            name=name,
            owner_body="Northborough Council",
            financial_years="2025-26",
            declared_amount=amount,
            purpose="p",
            advertised_on=date(2025, 3, 1),
            delegated_limit=str(LIMIT),
            key=next(keys),
        ).entity_id
        for name, amount in [("Innovation Fund", "100000"), ("Second Fund", "50000")]
    )
    programmes = tuple(
        register.add_programme(
            con, fm, ringfence_id=rf, name=name, target="t", key=next(keys)
        ).entity_id
        for rf, name in [
            (ringfences[0], "Young people into work"),
            (ringfences[0], "Financial inclusion"),
            (ringfences[1], "Mental health"),
        ]
    )
    for programme_id, amount in zip(programmes, ("40000", "20000", "20000"), strict=True):
        ledger.allocate(
            con, fm, programme_id=programme_id, amount=amount, reason="start", key=next(keys)
        )
    experiments = tuple(
        register.add_experiment(
            con,
            fm,
            programme_id=programmes[p],
            title=f"{instrument} {p}",
            instrument=instrument,
            phase=1,
            risk_rating="medium",
            official="Pat",
            user_involvement="consulted",
            key=next(keys),
        ).entity_id
        for p, instrument in INSTRUMENTS
    )
    for experiment_id, (_, instrument) in zip(experiments, INSTRUMENTS, strict=True):
        plans.register_plan(
            con, fm, experiment_id, plan_for(instrument), reason="plan", key=next(keys)
        )
    # A few commitments to start from, one paid in full and one in part.
    for e, amount, paid in [(0, "8000", "3000"), (1, "5000", "5000"), (3, "6000", None)]:
        commitment = ledger.commit(
            con,
            fm,
            experiment_id=experiments[e],
            amount=amount,
            counterparty="Partner",
            reason="start",
            key=next(keys),
        ).entity_id
        if paid:
            ledger.pay(
                con, fm, commitment_id=commitment, amount=paid, reason="start", key=next(keys)
            )
    con.close()
    return Template(path, ringfences, programmes, experiments)


# --- an independent model, summed from the raw ledger rows ---------------------------------


@dataclass
class Commitment:
    programme: int
    instrument: str
    committed: Decimal = ZERO
    paid: Decimal = ZERO
    recovered: Decimal = ZERO
    written_off: Decimal = ZERO


@dataclass
class Model:
    ceiling: dict[int, Decimal]
    rf_allocated: dict[int, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    allocated: dict[int, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    committed: dict[int, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    paid: dict[int, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    commitments: dict[int, Commitment] = field(default_factory=dict)

    def apply(self, kind, rf, programme, commitment, amount) -> None:
        if kind in ("allocation", "virement"):
            self.rf_allocated[rf] += amount
            self.allocated[programme] += amount
        elif kind == "ringfence_virement":
            self.ceiling[rf] += amount
        elif kind in ("commitment", "decommitment"):
            self.committed[programme] += amount
            self.commitments[commitment].committed += amount
        elif kind == "disbursement":
            self.paid[programme] += amount
            self.commitments[commitment].paid += amount
        elif kind == "recovery":
            self.commitments[commitment].recovered += amount
        elif kind == "write_off":
            self.commitments[commitment].written_off += amount
        else:  # pragma: no cover
            raise AssertionError(kind)

    def holds(self) -> bool:
        """Every invariant of DESIGN §3, judged from the sums alone."""
        for c in self.commitments.values():
            returned = c.written_off + (0 if c.instrument == "social_venture" else c.recovered)
            if c.paid > c.committed or returned > c.paid:
                return False
        if any(self.committed[p] > self.allocated[p] for p in {*self.committed, *self.allocated}):
            return False
        return all(self.rf_allocated[r] <= self.ceiling[r] for r in self.ceiling)

    def allows(self, *movements) -> bool:
        trial = copy.deepcopy(self)
        for kind, rf, programme, commitment, amount in movements:
            if kind == "commitment" and commitment not in trial.commitments:
                trial.commitments[commitment] = Commitment(programme, "new")
            trial.apply(kind, rf, programme, commitment, amount)
        return trial.holds()


@dataclass(frozen=True)
class Raw:
    """The rows as stored, read with plain SELECTs (no views)."""

    entries: tuple[tuple, ...]
    declared: dict[int, Decimal]
    programme_rf: dict[int, int]
    programme_name: dict[int, str]
    experiment: dict[int, tuple[int, int, str]]  # experiment → (programme, ring-fence, instrument)
    commitment: dict[int, tuple[int, int, int, str]]  # → (experiment, programme, rf, instrument)

    @classmethod
    def read(cls, con) -> Raw:
        entries = tuple(
            con.execute(
                "SELECT entry_id, kind, ringfence_id, programme_id, commitment_id, amount,"
                " reverses, virement_id FROM ledger_entry ORDER BY entry_id"
            ).fetchall()
        )
        programmes = con.execute(
            "SELECT programme_id, ringfence_id, name FROM programme"
        ).fetchall()
        experiments = {
            e: (p, rf, instrument)
            for e, p, rf, instrument in con.execute(
                "SELECT e.experiment_id, e.programme_id, p.ringfence_id, e.instrument"
                " FROM experiment AS e JOIN programme AS p USING (programme_id)"
            ).fetchall()
        }
        commitment = {
            c: (e, *experiments[e])
            for c, e in con.execute(
                "SELECT commitment_id, experiment_id FROM commitment"
            ).fetchall()
        }
        return cls(
            entries=entries,
            declared=dict(
                con.execute("SELECT ringfence_id, declared_amount FROM ringfence").fetchall()
            ),
            programme_rf={p: rf for p, rf, _ in programmes},
            programme_name={p: name for p, _, name in programmes},
            experiment=experiments,
            commitment=commitment,
        )

    def model(self) -> Model:
        model = Model(ceiling=dict(self.declared))
        for c, (_, programme, _, instrument) in self.commitment.items():
            model.commitments[c] = Commitment(programme, instrument)
        for _, kind, rf, programme, commitment, amount, _, _ in self.entries:
            assert isinstance(amount, Decimal)
            model.apply(kind, rf, programme, commitment, amount)
        return model


# --- the machine -----------------------------------------------------------------------------

amounts = st.one_of(
    st.integers(min_value=1, max_value=500_000),  # up to £5,000
    st.integers(min_value=1, max_value=1_500_000),  # around the £10,000 delegated limit
    st.integers(min_value=1, max_value=12_000_000),  # sometimes more than a ring-fence holds
).map(lambda pence: Decimal(pence).scaleb(-2))
picks = st.integers(min_value=0, max_value=1000)
# How to size an amount: at random, as a percentage of the room there is, or a penny over it.
approvers = st.sampled_from([None, "manager", "second"])
sizes = st.one_of(
    st.none(),
    st.integers(min_value=1, max_value=100),
    st.integers(min_value=1, max_value=100),
    st.just("over"),
)


def sized(amount: Decimal, size, room: Decimal) -> Decimal:
    """The drawn amount, or one fitted to ``room`` so that valid writes happen often."""
    if size is None or room <= ZERO:
        return amount
    if size == "over":
        return room + PENNY
    return max(PENNY, (room * size / 100).quantize(PENNY, rounding=ROUND_DOWN))


AGAINST = {
    "pay": ledger.pay,
    "decommit": ledger.decommit,
    "recover": ledger.recover,
    "write_off": ledger.write_off,
}


def against_movement(operation, rf, programme, commitment, amount):
    kind, sign = {
        "pay": ("disbursement", 1),
        "decommit": ("decommitment", -1),
        "recover": ("recovery", 1),
        "write_off": ("write_off", 1),
    }[operation]
    return (kind, rf, programme, commitment, sign * amount)


class LedgerMachine(RuleBasedStateMachine):
    """One fresh database per example, driven by random ledger operations."""

    @initialize()
    def open_database(self):
        self.tpl = template()
        self.folder = Path(tempfile.mkdtemp(prefix="ringfence-example-"))
        path = self.folder / "fund.duckdb"
        shutil.copy(self.tpl.path, path)
        self.con = db.connect(path)
        self.people = {name: auth.find_user(self.con, name) for name in ("manager", "second")}
        self.keys = (f"k-{n}" for n in itertools.count())
        self.last_write = None  # (call taking a key, key used, what it wrote)
        self.state = self.observe()

    def teardown(self):
        con = getattr(self, "con", None)
        if con is not None:
            check = audit.verify(con, self.people["manager"])
            con.close()
            shutil.rmtree(self.folder, ignore_errors=True)
            assert check.ok, check.problem

    # -- observing the database --------------------------------------------------------------

    def observe(self):
        """The state after a write went ahead, every figure checked against the raw rows."""
        con, fm = self.con, self.people["manager"]
        raw = Raw.read(con)
        model = raw.model()
        total = position(con, fm, "total")
        programmes = position(con, fm, "programme")
        instruments = position(con, fm, "instrument")

        # The balance views never show a broken invariant.
        assert con.execute(
            "SELECT (SELECT count(*) FROM commitment_balance WHERE paid > committed),"
            " (SELECT count(*) FROM programme_balance WHERE committed > allocated),"
            " (SELECT count(*) FROM ringfence_balance WHERE allocated > ceiling)"
        ).fetchone() == (0, 0, 0)
        assert model.holds()

        # The position equals the sums of the raw ledger rows.
        committed = sum((c.committed for c in model.commitments.values()), ZERO)
        paid = sum((c.paid for c in model.commitments.values()), ZERO)
        recovered = sum((c.recovered for c in model.commitments.values()), ZERO)
        written_off = sum((c.written_off for c in model.commitments.values()), ZERO)
        ring_fence = sum(model.ceiling.values(), ZERO)
        allocated = sum(model.rf_allocated.values(), ZERO)
        expected_total = {
            "ring_fence": ring_fence,
            "allocated": allocated,
            "committed": committed,
            "paid": paid,
            "recovered": recovered,
            "written_off": written_off,
            "outstanding": committed - paid,
            "available": allocated - committed,
            "headroom": ring_fence - allocated,
        }
        shown_total = self.total(total)
        assert shown_total == expected_total

        by_programme = {
            name: (a, c, p)
            for name, a, c, p in zip(
                programmes["programme"],
                programmes["allocated"],
                programmes["committed"],
                programmes["paid"],
                strict=True,
            )
        }
        assert by_programme == {
            raw.programme_name[p]: (model.allocated[p], model.committed[p], model.paid[p])
            for p in raw.programme_name
        }

        expected_instruments = defaultdict(lambda: (ZERO, ZERO))
        for c in model.commitments.values():
            was = expected_instruments[c.instrument]
            expected_instruments[c.instrument] = (was[0] + c.committed, was[1] + c.paid)
        labels = {i.label: i.value for i in register.Instrument}
        by_instrument = {
            labels[name]: (c, p)
            for name, c, p in zip(
                instruments["instrument"],
                instruments["committed"],
                instruments["paid"],
                strict=True,
            )
        }
        assert by_instrument == {
            i.value: expected_instruments[i.value] for i in register.Instrument
        }

        # Sliced three ways, the money adds up to the same committed and paid.
        for column, whole in (("committed", committed), ("paid", paid)):
            assert sum(programmes[column], ZERO) == whole
            assert sum(instruments[column], ZERO) == whole
            assert shown_total[column] == whole
        return self.glance(raw=raw, total=shown_total)

    def glance(self, *, raw=None, total=None):
        """What a refused write must leave exactly as it was."""
        con = self.con
        return {
            "counts": counts(con),
            "head": con.execute("SELECT seq, row_hash FROM audit_head").fetchone(),
            "total": total or self.total(position(con, self.people["manager"], "total")),
            "raw": raw or Raw.read(con),
        }

    @staticmethod
    def total(frame) -> dict[str, Decimal]:
        assert len(frame) == 1
        row = {name: frame.iloc[0][name] for name in TOTAL}
        assert all(isinstance(v, Decimal) for v in row.values()), row
        return row

    def outcome(
        self, call, *, allowed: bool, refusal: type[RingfenceError] = InvariantBroken, label=""
    ):
        """Run ``call``; it must succeed exactly when ``allowed``, and a refusal writes nothing."""
        before = self.state
        try:
            written = call()
        except RingfenceError as error:
            event(f"{label} refused: {type(error).__name__}")
            assert not allowed, f"refused although the rules allow it: {error}"
            assert isinstance(error, refusal), f"expected {refusal.__name__}, got {error!r}"
            assert describe(error).startswith(f"{error.field}: ")
            after = self.glance()
            assert after["counts"] == before["counts"]
            assert after["head"] == before["head"]
            assert after["total"] == before["total"]
            assert after["raw"] == before["raw"]
            return None
        event(f"{label} written: {written.entity}")
        assert allowed, f"{refusal.__name__} expected but the write went ahead: {written}"
        assert not written.replayed
        self.state = self.observe()
        assert self.state["counts"]["audit_log"] == before["counts"]["audit_log"] + 1
        return written

    def write(self, label, make, *, allowed, refusal=InvariantBroken):
        """A write called with a fresh key, remembered so that it can be retried."""
        k = next(self.keys)
        written = self.outcome(lambda: make(k), allowed=allowed, refusal=refusal, label=label)
        if written is not None:
            self.last_write = (make, k, written)
        return written

    def model(self) -> Model:
        return self.state["raw"].model()

    def pick(self, rows, index):
        return rows[index % len(rows)] if rows else None

    # -- the operations ------------------------------------------------------------------------

    @rule(p=picks, amount=amounts, size=sizes, actor=st.sampled_from(["manager", "second"]))
    def allocate(self, p, amount, size, actor):
        programme = self.tpl.programmes[p % len(self.tpl.programmes)]
        rf = self.state["raw"].programme_rf[programme]
        model = self.model()
        amount = sized(amount, size, model.ceiling[rf] - model.rf_allocated[rf])
        allowed = self.model().allows(("allocation", rf, programme, None, amount))
        self.write(
            "allocate",
            lambda k: ledger.allocate(
                self.con,
                self.people[actor],
                programme_id=programme,
                amount=amount,
                reason="allocate",
                key=k,
            ),
            allowed=allowed,
        )

    @rule(
        e=picks,
        amount=amounts,
        size=sizes,
        actor=st.sampled_from(["manager", "second"]),
        approver=approvers,
    )
    def commit(self, e, amount, size, actor, approver):
        experiment = self.tpl.experiments[e % len(self.tpl.experiments)]
        programme, rf, _ = self.state["raw"].experiment[experiment]
        model = self.model()
        amount = sized(amount, size, model.allocated[programme] - model.committed[programme])
        allowed = self.model().allows(("commitment", rf, programme, "new", amount))
        written = self.write(
            "commit",
            lambda k: ledger.commit(
                self.con,
                self.people[actor],
                experiment_id=experiment,
                amount=amount,
                counterparty="Partner",
                reason="award",
                key=k,
            ),
            allowed=allowed,
        )
        if written is not None:
            assert written.entity == ("commitment" if amount <= LIMIT else "approval request")
        self.follow_up(written, approver)

    @rule(
        r=picks,
        actor=st.sampled_from(["manager", "second"]),
        approve=st.booleans(),
    )
    def decide(self, r, actor, approve):
        pending = self.con.execute(
            "SELECT q.request_id FROM approval_request AS q"
            " ANTI JOIN approval_decision AS d USING (request_id) ORDER BY q.request_id"
        ).fetchall()
        chosen = self.pick(pending, r)
        self.decide_request(chosen[0] if chosen else NOWHERE, actor, approve)

    def decide_request(self, request_id, actor, approve):
        found = self.con.execute(
            "SELECT q.kind, q.amount, q.requested_by, q.from_ringfence_id, q.to_ringfence_id,"
            " q.from_programme_id, q.to_programme_id, q.experiment_id"
            " FROM approval_request AS q ANTI JOIN approval_decision AS d USING (request_id)"
            " WHERE q.request_id = ?",
            [request_id],
        ).fetchone()
        person = self.people[actor]
        if found is None:
            allowed, refusal = False, NotFound
        else:
            kind, amount, requester, from_rf, to_rf, from_p, to_p, experiment = found
            refusal = InvariantBroken
            if not approve:
                allowed = True
            elif requester == person.user_id:
                allowed, refusal = False, SecondPersonRequired
            elif kind == "commitment":
                programme, rf, _ = self.state["raw"].experiment[experiment]
                allowed = self.model().allows(("commitment", rf, programme, "new", amount))
            else:
                leg = "virement" if from_p is not None else "ringfence_virement"
                allowed = self.model().allows(
                    (leg, from_rf, from_p, None, -amount), (leg, to_rf, to_p, None, amount)
                )
        written = self.write(
            "approve" if approve else "reject",
            lambda k: ledger.decide(
                self.con, person, request_id=request_id, approve=approve, reason="decided", key=k
            ),
            allowed=allowed,
            refusal=refusal,
        )
        if written is not None and approve and found[0] == "commitment":
            assert written.entity == "commitment"
            assert self.con.execute(
                "SELECT approved_by FROM commitment WHERE commitment_id = ?", [written.entity_id]
            ).fetchone() == (person.user_id,)

    def follow_up(self, written, approver):
        """Often decide a new request at once, so approvals happen in most examples."""
        if written is not None and written.entity == "approval request" and approver:
            self.decide_request(written.entity_id, approver, approve=True)

    @rule(
        operation=st.sampled_from(sorted(AGAINST)),
        c=picks,
        amount=amounts,
        size=sizes,
    )
    def against_commitment(self, operation, c, amount, size):
        raw = self.state["raw"]
        commitment = self.pick(sorted(raw.commitment), c)
        if commitment is None:
            commitment, allowed, refusal = NOWHERE, False, NotFound
        else:
            _, programme, rf, _ = raw.commitment[commitment]
            now = self.model().commitments[commitment]
            returned = now.written_off + (
                0 if now.instrument == "social_venture" else now.recovered
            )
            room = {
                "pay": now.committed - now.paid,
                "decommit": now.committed - now.paid,
                "recover": now.paid - returned,
                "write_off": now.paid - returned,
            }[operation]
            amount = sized(amount, size, room)
            movement = against_movement(operation, rf, programme, commitment, amount)
            allowed, refusal = self.model().allows(movement), InvariantBroken
        self.write(
            operation,
            lambda k: AGAINST[operation](
                self.con,
                self.people["manager"],
                commitment_id=commitment,
                amount=amount,
                reason=operation,
                key=k,
            ),
            allowed=allowed,
            refusal=refusal,
        )

    @rule(e=picks)
    def reverse(self, e):
        entries = self.state["raw"].entries
        chosen = self.pick(entries, e)
        if chosen is None:
            entry_id, allowed, refusal = NOWHERE, False, NotFound
        else:
            entry_id, kind, rf, programme, commitment, amount, reverses, virement = chosen
            reversed_already = any(row[6] == entry_id for row in entries)
            if reverses is not None or virement is not None or reversed_already:
                allowed, refusal = False, ValidationError
            else:
                allowed = self.model().allows((kind, rf, programme, commitment, -amount))
                refusal = InvariantBroken
        self.write(
            "reverse",
            lambda k: ledger.reverse(
                self.con, self.people["manager"], entry_id=entry_id, reason="correction", key=k
            ),
            allowed=allowed,
            refusal=refusal,
        )

    @rule(
        pair=st.sampled_from(
            [
                ("programme", 0, 1),
                ("programme", 1, 0),
                ("programme", 0, 0),  # the same programme: refused
                ("programme", 0, 2),  # different ring-fences: refused
                ("ringfence", 0, 1),
                ("ringfence", 1, 0),
                ("ringfence", 1, 1),  # the same ring-fence: refused
            ]
        ),
        amount=amounts,
        size=sizes,
        actor=st.sampled_from(["manager", "second"]),
        approver=approvers,
    )
    def request_virement(self, pair, amount, size, actor, approver):
        scope, source, target = pair
        raw = self.state["raw"]
        model = self.model()
        if scope == "programme":
            p_from, p_to = self.tpl.programmes[source], self.tpl.programmes[target]
            amount = sized(amount, size, model.allocated[p_from] - model.committed[p_from])
            ids = {"from_programme_id": p_from, "to_programme_id": p_to}
            rf_from, rf_to = raw.programme_rf[p_from], raw.programme_rf[p_to]
            legs = [
                ("virement", rf_from, p_from, None, -amount),
                ("virement", rf_to, p_to, None, amount),
            ]
            valid = p_from != p_to and rf_from == rf_to
        else:
            rf_from, rf_to = self.tpl.ringfences[source], self.tpl.ringfences[target]
            amount = sized(amount, size, model.ceiling[rf_from] - model.rf_allocated[rf_from])
            ids = {"from_ringfence_id": rf_from, "to_ringfence_id": rf_to}
            legs = [
                ("ringfence_virement", rf_from, None, None, -amount),
                ("ringfence_virement", rf_to, None, None, amount),
            ]
            valid = rf_from != rf_to
        if valid:
            allowed, refusal = self.model().allows(*legs), InvariantBroken
        else:
            allowed, refusal = False, ValidationError
        written = self.write(
            f"{scope} virement",
            lambda k: ledger.request_virement(
                self.con, self.people[actor], amount=amount, reason="virement", key=k, **ids
            ),
            allowed=allowed,
            refusal=refusal,
        )
        self.follow_up(written, approver)

    @rule(
        misuse=st.sampled_from(
            [
                ("retry the last write", None, None),
                ("reuse its key for something else", None, IdempotencyConflict),
                ("bad input", {"amount": "twelve"}, ValidationError),
                ("bad input", {"amount": "-5"}, ValidationError),
                ("bad input", {"amount": "1.005"}, ValidationError),
                ("bad input", {"amount": "10000000000000000"}, ValidationError),
                ("bad input", {"amount": ""}, ValidationError),
                ("bad input", {"programme_id": NOWHERE}, NotFound),
                ("bad input", {"programme_id": ""}, ValidationError),
                ("bad input", {"reason": ""}, ValidationError),
                ("bad input", {"key": " "}, ValidationError),
            ]
        )
    )
    def misuse(self, misuse):
        """A form sent twice, a key reused, or input that is not money or not there."""
        what, changes, refusal = misuse
        if what == "retry the last write":
            if self.last_write is None:
                return
            make, k, first = self.last_write
            before = self.state
            again = make(k)
            assert again.replayed
            assert (again.entity, again.entity_id) == (first.entity, first.entity_id)
            assert self.glance() == before
            event("retry replayed")
            return
        if what == "reuse its key for something else":
            if self.last_write is None:
                return
            k = self.last_write[1]
            call = lambda: ledger.reverse(  # noqa: E731 - a different operation, same key
                self.con, self.people["manager"], entry_id=NOWHERE, reason="other", key=k
            )
        else:
            arguments = {
                "programme_id": self.tpl.programmes[0],
                "amount": "1",
                "reason": "x",
                "key": next(self.keys),
                **changes,
            }
            call = lambda: ledger.allocate(  # noqa: E731
                self.con, self.people["manager"], **arguments
            )
        self.outcome(call, allowed=False, refusal=refusal, label=what)


LedgerMachine.TestCase.settings = settings(
    max_examples=20,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestRandomLedgerOperations = LedgerMachine.TestCase
