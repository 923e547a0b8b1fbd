"""Random claim / verify / reverse / pay / recover sequences on two payment-by-results
contracts, on a fresh database each time, through single payments and payment runs alike.

One contract is on the DWP Innovation Fund card (a claim is one participant's outcome, and
what one participant may earn is capped); the other is cohort-level with a cap per metric.
After every step, from the database: what each contract has earned, recomputed here in plain
Python from the claims, verifications and rate card, is what ``exposure`` shows; paid never
exceeds the commitment; what is to be recovered is whatever was paid, net of recoveries, past
what is earned; and an operation went ahead exactly when that independent model allows it.
A refusal is a RingfenceError (never a raw exception) and writes nothing; a payment that went
ahead left paid net of recoveries within what is earned. Each example ends with the audit
chain verified.
"""

from __future__ import annotations

import atexit
import functools
import itertools
import json
import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from fund import audit, db, ledger
from fund.errors import InvariantBroken, RingfenceError, RowsRefused, ValidationError, describe
from fund.ledger.payment_run import payment
from fund.pbr import claims, contracts, exposure
from fund.pbr.rate_card import rate
from fund.register import Instrument
from tests import conftest
from tests.integration import helpers

ZERO = Decimal("0.00")
PENNY = Decimal("0.01")
REFERENCE = json.loads(
    (Path(__file__).parents[3] / "shared" / "reference" / "pbr_reference.json").read_text()
)
DWP = REFERENCE["rate_cards"][0]
# The cohort-level card: (metric, unit price, cap); no cap on what one participant earns.
COHORT_CARD = [
    ("reconviction events avoided", "700.00", "5000.00"),
    ("stable housing at 12 months", "450.00", "2000.00"),
    ("employment at 6 months", "300.00", None),
]
PARTICIPANTS = ("P-1", "P-2", "P-3")
COHORTS = ("2026 intake", "2027 intake")
# Every table these operations write; a refusal leaves each count as it was.
TABLES = (
    *helpers.TABLES,
    *("pbr_contract", "pbr_rate", "pbr_cohort", "pbr_claim", "pbr_verification"),
)


# --- a template database, built once per process and copied for every example ------------


@dataclass(frozen=True)
class Template:
    path: Path
    people: conftest.People
    contracts: tuple[int, int]  # the DWP card's contract, the cohort card's


def _terms(commitment_id: int, name: str, rates: list, max_per_participant):
    return contracts.ContractTerms(
        commitment_id=commitment_id,
        name=name,
        provider="Outcomes Provider Ltd",
        outcome_payer="Northborough Council",
        starts_on="2026-01-01",
        ends_on="2028-12-31",
        baseline_rule="every outcome is additional",
        verifier="Northborough internal audit",
        rates=rates,
        cohorts=[
            contracts.cohort(name=c, starts_on=f"{c[:4]}-01-01", participants=50) for c in COHORTS
        ],
        max_per_participant=max_per_participant,
    )


@functools.cache
def template() -> Template:
    """The shared fixtures' database with two PbR contracts: the DWP card's on a £15,000.00
    commitment (approved by a second fund manager) and the cohort card's on £9,000.00."""
    base = conftest.template()
    folder = Path(tempfile.mkdtemp(prefix="ringfence-pbr-properties-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "template.duckdb"
    shutil.copy(base.path, path)
    fm, experiment = base.people.manager, base.portfolio.experiments[Instrument.PBR_CONTRACT]
    keys = (f"template-{n}" for n in itertools.count())
    con = db.connect(path)
    ledger.allocate(
        con,
        fm,
        programme_id=base.portfolio.programme_id,
        amount="100000.00",
        reason="fund the programme",
        key=next(keys),
    )
    request = ledger.commit(
        con,
        fm,
        experiment_id=experiment,
        amount="15000.00",
        counterparty="Youth Provider Ltd",
        reason="signed",
        key=next(keys),
    ).entity_id
    dwp_commitment = ledger.decide(
        con, base.people.second_manager, request_id=request, approve=True, reason="ok", key="d"
    ).entity_id
    cohort_commitment = ledger.commit(
        con,
        fm,
        experiment_id=experiment,
        amount="9000.00",
        counterparty="Resettlement Provider Ltd",
        reason="signed",
        key=next(keys),
    ).entity_id
    dwp_rates = [rate(metric=m, definition=m, unit_price=p) for m, p in DWP["prices"].items()]
    cohort_rates = [rate(metric=m, definition=m, unit_price=p, cap=c) for m, p, c in COHORT_CARD]
    made = tuple(
        contracts.add_contract(con, fm, _terms(*terms), reason="signed", key=next(keys)).entity_id
        for terms in (
            (dwp_commitment, "Youth outcomes", dwp_rates, DWP["max_per_participant"]),
            (cohort_commitment, "Reoffending bond", cohort_rates, None),
        )
    )
    _seed_claims(con, base.people, made, keys)
    con.close()
    return Template(path=path, people=base.people, contracts=made)


def _seed_claims(con, people, made: tuple[int, int], keys) -> None:
    """Claims to start from, so that short examples verify and pay too: on each contract
    some accepted (one part-accepted), some awaiting a decision."""
    dwp, cohort = made
    seeds = [
        (dwp, "P-1", "improved school behaviour", 1, "accept"),
        (dwp, "P-1", "first level 3 qualification", 1, "accept"),
        (dwp, "P-2", "entry to first employment (13 weeks)", 1, None),
        (dwp, "P-2", "ESOL completion", 1, None),
        (cohort, None, "reconviction events avoided", 6, "part-accept"),
        (cohort, None, "stable housing at 12 months", 5, "accept"),
        (cohort, None, "employment at 6 months", 9, None),
    ]
    for contract_id, participant, metric, quantity, decision in seeds:
        claim_id = claims.record_claim(
            con,
            people.manager,
            contract_id=contract_id,
            cohort=COHORTS[0],
            metric=metric,
            participant=participant,
            period_start="2026-04-01",
            period_end="2026-06-30",
            quantity=quantity,
            evidence="records seen",
            reason="quarterly claim",
            key=next(keys),
        ).entity_id
        if decision:
            claims.verify_claim(
                con,
                people.auditor,
                claim_id=claim_id,
                decision=decision,
                quantity=quantity - 2 if decision == "part-accept" else None,
                reason="evidence seen",
                key=next(keys),
            )


# --- an independent model, from the raw rows ----------------------------------------------


@dataclass(frozen=True)
class Contract:
    """One contract's figures, from plain SELECTs of its rows and summed here."""

    commitment_id: int
    committed: Decimal
    paid: Decimal
    recovered: Decimal
    earned: Decimal

    @property
    def net_paid(self) -> Decimal:
        return self.paid - self.recovered

    @property
    def payable(self) -> Decimal:
        """What one more payment may be: within the commitment and within what is earned."""
        return min(self.committed - self.paid, self.earned - self.net_paid)


@dataclass(frozen=True)
class Raw:
    contracts: dict[int, tuple]  # contract → (commitment, max per participant)
    rates: dict[tuple[int, str], tuple[Decimal, Decimal | None]]
    claims: dict[int, tuple]  # claim → (contract, metric, participant, quantity)
    verifications: tuple[tuple, ...]  # (id, claim, decision, quantity, reverses)
    entries: tuple[tuple, ...]  # (commitment, kind, amount)

    @classmethod
    def read(cls, con) -> Raw:
        def rows(sql):
            return con.execute(sql).fetchall()

        return cls(
            contracts={
                k: (c, m)
                for k, c, m in rows(
                    "SELECT contract_id, commitment_id, max_per_participant FROM pbr_contract"
                )
            },
            rates={
                (k, m): (p, cap)
                for k, m, p, cap in rows(
                    "SELECT contract_id, metric, unit_price, cap FROM pbr_rate"
                )
            },
            claims={
                c: rest
                for c, *rest in rows(
                    "SELECT claim_id, contract_id, metric, participant, quantity FROM pbr_claim"
                )
            },
            verifications=tuple(
                rows(
                    "SELECT verification_id, claim_id, decision, quantity, reverses"
                    " FROM pbr_verification ORDER BY verification_id"
                )
            ),
            entries=tuple(
                rows("SELECT commitment_id, kind, amount FROM ledger_entry ORDER BY entry_id")
            ),
        )

    def verified(self) -> dict[int, int]:
        """Each claim's verified quantity: the sum of its verification rows."""
        totals: dict[int, int] = defaultdict(int)
        for _, claim, _, quantity, _ in self.verifications:
            totals[claim] += quantity
        return totals

    def standing(self, claim_id: int) -> bool:
        """Whether the claim has a decision that was not reversed."""
        reversed_ = {r for *_, r in self.verifications if r is not None}
        return any(
            c == claim_id and d != "reversed" and v not in reversed_
            for v, c, d, _, _ in self.verifications
        )

    def earned(self, contract_id: int) -> Decimal:
        """Outcome by outcome, in claim order: each participant's outcomes earn until the most
        one may earn is reached, then each metric's within its cap, and the whole within the
        commitment."""
        commitment_id, per_participant = self.contracts[contract_id]
        by_metric: dict[str, Decimal] = defaultdict(lambda: ZERO)
        so_far: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for claim, quantity in sorted(self.verified().items()):
            contract, metric, participant, _ = self.claims[claim]
            if contract != contract_id or quantity <= 0:
                continue
            value = quantity * self.rates[contract, metric][0]
            who = participant or f"#{claim}"
            if per_participant is not None:
                value = max(min(value, per_participant - so_far[who]), ZERO)
            so_far[who] += value
            by_metric[metric] += value
        metrics = sum(
            (min(v, self.rates[contract_id, m][1] or v) for m, v in by_metric.items()), ZERO
        )
        return min(self.money(commitment_id)[0], metrics)

    def money(self, commitment_id: int) -> tuple[Decimal, Decimal, Decimal]:
        """(committed, paid, recovered) summed from the commitment's ledger rows."""
        sums = {"commitment": ZERO, "decommitment": ZERO, "disbursement": ZERO, "recovery": ZERO}
        for commitment, kind, amount in self.entries:
            if commitment == commitment_id:
                sums[kind] += amount
        return (
            sums["commitment"] + sums["decommitment"],
            sums["disbursement"],
            sums["recovery"],
        )

    def contract(self, contract_id: int) -> Contract:
        commitment_id = self.contracts[contract_id][0]
        committed, paid, recovered = self.money(commitment_id)
        return Contract(commitment_id, committed, paid, recovered, self.earned(contract_id))

    def verified_elsewhere(self, claim_id: int) -> bool:
        """Another claim of the same participant's outcome has outcomes verified."""
        contract_id, metric, participant, _ = self.claims[claim_id]
        verified = self.verified()
        return participant is not None and any(
            (k, m, p) == (contract_id, metric, participant) and verified[c] > 0
            for c, (k, m, p, _) in self.claims.items()
            if c != claim_id
        )

    def claimed_before(self, contract_id: int, participant: str, metric: str) -> bool:
        """A claim of the participant's outcome stands: awaiting, or verified above none."""
        verified = self.verified()
        counted = {c for _, c, *_ in self.verifications}
        return any(
            (k, m, p) == (contract_id, metric, participant)
            and (c not in counted or verified[c] > 0)
            for c, (k, m, p, _) in self.claims.items()
        )


# --- the machine -----------------------------------------------------------------------------

picks = st.integers(min_value=0, max_value=1000)
amounts = st.integers(min_value=1, max_value=1_600_000).map(lambda p: Decimal(p).scaleb(-2))
# How to size a payment or recovery: at random, a share of the room there is, all of it, or
# a penny more.
sizes = st.one_of(
    st.none(), st.integers(1, 100), st.integers(1, 100), st.just("all"), st.just("over")
)


def sized(amount: Decimal, size, room: Decimal) -> Decimal:
    if size is None or room <= ZERO:
        return amount
    if size == "all":
        return room
    if size == "over":
        return room + PENNY
    return max(PENNY, (room * size / 100).quantize(PENNY, rounding=ROUND_DOWN))


class PbrMachine(RuleBasedStateMachine):
    """One fresh database per example, driven by random PbR operations."""

    @initialize()
    def open_database(self):
        self.tpl = template()
        self.folder = Path(tempfile.mkdtemp(prefix="ringfence-pbr-example-"))
        path = self.folder / "fund.duckdb"
        shutil.copy(self.tpl.path, path)
        self.con = db.connect(path)
        self.keys = (f"k-{n}" for n in itertools.count())
        self.raw = Raw.read(self.con)
        self.check()

    def teardown(self):
        con = getattr(self, "con", None)
        if con is not None:
            verified = audit.verify(con, self.tpl.people.auditor)
            con.close()
            shutil.rmtree(self.folder, ignore_errors=True)
            assert verified.ok, verified.problem

    # -- observing ---------------------------------------------------------------------------

    def glance(self) -> tuple:
        counts = dict(
            self.con.execute(
                " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in TABLES)
            ).fetchall()
        )
        return counts, helpers.head(self.con)

    def check(self) -> None:
        """Every contract's figures, from the raw rows, against what ``exposure`` shows."""
        shown = exposure.exposure(self.con, self.tpl.people.auditor).set_index("contract_id")
        for contract_id in self.tpl.contracts:
            model = self.raw.contract(contract_id)
            row = shown.loc[contract_id]
            assert row["maximum_liability"] == model.committed
            assert row["earned"] == model.earned, (contract_id, row["earned"], model)
            assert row["paid"] == model.net_paid
            assert row["to_recover"] == max(model.net_paid - model.earned, ZERO)
            assert row["verified_unpaid"] == max(model.earned - model.net_paid, ZERO)
            assert model.paid <= model.committed, "paid past the commitment"
            assert model.earned <= model.committed
            if model.net_paid > model.earned:
                event("paid past what is earned, after a reversal: flagged for recovery")

    def outcome(self, call, *, allowed: bool, refusal: type[RingfenceError], label: str, writes=1):
        """Run ``call``: it goes ahead exactly when the model allows it; a refusal is the
        expected RingfenceError and writes nothing; either way the figures are checked."""
        before, raw_before = self.glance(), self.raw
        try:
            call()
        except RingfenceError as error:
            event(f"{label} refused: {type(error).__name__}")
            assert not allowed, f"{label} refused although the rules allow it: {describe(error)}"
            assert isinstance(error, refusal), f"{label}: expected {refusal.__name__}: {error!r}"
            assert describe(error)
            assert self.glance() == before, f"{label} was refused but wrote something"
            assert Raw.read(self.con) == raw_before
            self.check()
            return False
        event(f"{label} written")
        assert allowed, f"{label} went ahead although the model refuses it"
        self.raw = Raw.read(self.con)
        counts, _ = self.glance()
        assert counts["audit_log"] == before[0]["audit_log"] + writes
        self.check()
        return True

    def contract_of(self, c: int) -> int:
        return self.tpl.contracts[c % 2]

    def claim_of(self, c: int, standing: bool | None) -> int | None:
        """A claim: one with a standing decision, one without, or any (``standing`` None)."""
        known = [
            k for k in sorted(self.raw.claims) if standing in (None, self.raw.standing(k))
        ] or sorted(self.raw.claims)
        return known[c % len(known)] if known else None

    # -- the operations ------------------------------------------------------------------------

    @rule(
        on_dwp=st.booleans(),
        m=picks,
        cohort=st.sampled_from(COHORTS),
        quantity=st.integers(1, 12),
        participant=st.sampled_from(PARTICIPANTS),
        bad_metric=st.integers(0, 9).map(lambda n: n == 0),  # now and then, off the card
    )
    def record_claim(self, on_dwp, m, cohort, quantity, participant, bad_metric):
        contract_id = self.tpl.contracts[0 if on_dwp else 1]
        card = list(DWP["prices"]) if on_dwp else [name for name, *_ in COHORT_CARD]
        metric = "happiness" if bad_metric else card[m % len(card)]
        who = participant if on_dwp else None
        if bad_metric:
            allowed = False
        elif on_dwp:
            quantity = 1 if quantity < 12 else 2  # one outcome, now and then more
            allowed = quantity == 1 and not self.raw.claimed_before(contract_id, who, metric)
        else:  # a claim may be worth more than its caps: they bound what it earns
            allowed = True
        self.outcome(
            lambda: claims.record_claim(
                self.con,
                self.tpl.people.manager,
                contract_id=contract_id,
                cohort=cohort,
                metric=metric,
                participant=who,
                period_start="2026-04-01",
                period_end="2026-06-30",
                quantity=quantity,
                evidence="records seen",
                reason="quarterly claim",
                key=next(self.keys),
            ),
            allowed=allowed,
            refusal=ValidationError,
            label="claim",
        )

    @rule(
        c=picks,
        decision=st.sampled_from(["accept", "accept", "part-accept", "reject"]),
        share=st.integers(0, 100),
        awaiting=st.integers(0, 4).map(lambda n: n > 0),
    )
    def verify(self, c, decision, share, awaiting):
        claim_id = self.claim_of(c, standing=False if awaiting else None)
        if claim_id is None:
            return
        claimed = self.raw.claims[claim_id][3]
        part = claimed * share // 100  # none, some or all of what was claimed
        allowed = not self.raw.standing(claim_id)
        if decision == "part-accept":
            allowed = allowed and 0 < part < claimed
        if decision != "reject":  # an outcome earns once
            allowed = allowed and not self.raw.verified_elsewhere(claim_id)
        self.outcome(
            lambda: claims.verify_claim(
                self.con,
                self.tpl.people.auditor,
                claim_id=claim_id,
                decision=decision,
                quantity=part if decision == "part-accept" else None,
                reason="evidence seen",
                key=next(self.keys),
            ),
            allowed=allowed,
            refusal=ValidationError,
            label=f"verify ({decision})",
        )

    @rule(c=picks, decided=st.integers(0, 4).map(lambda n: n > 0))
    def reverse(self, c, decided):
        self.reverse_claim(c, decided)

    @rule(c=picks)
    def reverse_a_decision(self, c):
        """Reversals matter most after payments, so a second rule makes them likelier."""
        self.reverse_claim(c, decided=True)

    def reverse_claim(self, c, decided):
        claim_id = self.claim_of(c, standing=True if decided else None)
        if claim_id is None:
            return
        self.outcome(
            lambda: claims.reverse_verification(
                self.con,
                self.tpl.people.auditor,
                claim_id=claim_id,
                reason="evidence withdrawn",
                key=next(self.keys),
            ),
            allowed=self.raw.standing(claim_id),
            refusal=ValidationError,
            label="reverse",
        )

    @rule(c=picks, amount=amounts, size=sizes)
    def pay(self, c, amount, size):
        contract_id = self.contract_of(c)
        now = self.raw.contract(contract_id)
        amount = sized(amount, size, now.payable)
        paid = self.outcome(
            lambda: ledger.pay(
                self.con,
                self.tpl.people.manager,
                commitment_id=now.commitment_id,
                amount=amount,
                reason="outcome payment",
                key=next(self.keys),
            ),
            allowed=amount <= now.payable,
            refusal=InvariantBroken,
            label="pay",
        )
        if paid:
            after = self.raw.contract(contract_id)
            assert after.net_paid <= after.earned
            assert after.paid == now.paid + amount

    @rule(
        rows=st.lists(st.tuples(picks, amounts, sizes), min_size=1, max_size=3),
    )
    def pay_run(self, rows):
        room = {k: self.raw.contract(k) for k in self.tpl.contracts}
        left = {k: room[k].payable for k in room}
        run, allowed, paid = [], True, defaultdict(lambda: ZERO)
        for c, amount, size in rows:
            contract_id = self.contract_of(c)
            amount = sized(amount, size, left[contract_id])
            allowed = allowed and amount <= left[contract_id]
            left[contract_id] -= amount
            paid[contract_id] += amount
            run.append(
                payment(
                    commitment_id=room[contract_id].commitment_id,
                    amount=str(amount),
                    on=None,
                    reason="outcome payment run",
                    key=next(self.keys),
                )
            )
        went = self.outcome(
            lambda: ledger.pay_run(self.con, self.tpl.people.manager, run),
            allowed=allowed,
            refusal=RowsRefused,
            label=f"pay run of {len(run)}",
            writes=len(run),
        )
        if went:
            for contract_id, amount in paid.items():
                after = self.raw.contract(contract_id)
                assert after.net_paid <= after.earned
                assert after.paid == room[contract_id].paid + amount

    @rule(c=picks, amount=amounts, size=sizes)
    def recover(self, c, amount, size):
        contract_id = self.contract_of(c)
        now = self.raw.contract(contract_id)
        owed = max(now.net_paid - now.earned, ZERO)
        # Mostly what is flagged for recovery, sized against what was paid net otherwise.
        amount = sized(amount, size, owed if owed > ZERO else now.net_paid)
        self.outcome(
            lambda: ledger.recover(
                self.con,
                self.tpl.people.manager,
                commitment_id=now.commitment_id,
                amount=amount,
                reason="recovered",
                key=next(self.keys),
            ),
            allowed=amount <= now.net_paid,
            refusal=InvariantBroken,
            label="recover",
        )


PbrMachine.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=18,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestRandomPbrOperations = PbrMachine.TestCase
