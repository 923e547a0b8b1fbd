"""Four eyes on small grants, held by random sequences of applications and decisions.

Each example replays applications (recipients from a small pool, some known by an
organisation identifier, some only by a name spelt several ways), awards dated up to 200
days back, declines, reversals and a second fund manager's approvals and rejections on a
fresh copy of the shared template. Afterwards the rows alone are judged, in plain Python
here rather than with the service's SQL: no award above the delegated limit, and no award
taking a recipient's live awards in the programme within the window past it, was committed
on one fund manager's say; the approver of a request was never its requester; and an award
waited exactly when the rule says it must. The pure rule
(:func:`fund.grants.split.second_person`) is held to a direct statement of it too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fund import audit, db, ledger
from fund.auth import User
from fund.errors import RingfenceError, SecondPersonRequired
from fund.grants import applications
from fund.grants.split import WINDOW_DAYS, Nearby, second_person
from fund.ledger import approvals
from tests import conftest
from tests.conftest import key
from tests.integration.helpers import copy_of_template, grant_policy

LOWEST, HIGHEST = Decimal("500.00"), Decimal("10000.00")
# Names that are one recipient spelt three ways, another spelt two, and a third; identifiers
# that join recipients whatever their names say.
NAMES = (
    "Hillside Tenants Group",
    "hillside  tenants GROUP",
    "Hillside Tenants' Group",
    "Riverside Youth Club",
    "RIVERSIDE youth-club",
    "Pantry Trust",
)
IDENTIFIERS = (None, None, "GB-CHC-1001", "GB-CHC-1002")

amounts = st.one_of(
    st.sampled_from(["500.00", "2500.00", "4999.99", "5000.00", "5000.01", "10000.00"]).map(
        Decimal
    ),
    st.decimals(min_value=LOWEST, max_value=Decimal("3000.00"), places=2),
    st.decimals(min_value=LOWEST, max_value=HIGHEST, places=2),
)
picks = st.integers(0, 30)  # which application or waiting request, modulo how many there are
by_second = st.booleans()  # which of the two fund managers acts
apply_steps = st.tuples(
    st.just("apply"), st.sampled_from(NAMES), st.sampled_from(IDENTIFIERS), amounts, by_second
)
award_steps = st.tuples(
    st.just("award"), picks, st.integers(0, 200), st.none() | st.integers(1, 100), by_second
)  # the award's value date is so many days back, but never before its application
decline_steps = st.tuples(st.just("decline"), picks, by_second)
reverse_steps = st.tuples(st.just("reverse"), picks, by_second)
second_steps = st.tuples(st.just("second"), picks, st.booleans(), by_second)
KINDS = {
    "apply": apply_steps,
    "award": award_steps,
    "second": second_steps,
    "decline": decline_steps,
    "reverse": reverse_steps,
}
# Awards most often, then a second fund manager's answers, so that splits and waits happen.
WEIGHTED = ("award",) * 4 + ("second",) * 3 + ("apply", "decline", "reverse")
# Each step happens some days (0 to 5) after the one before, starting 200 days ago, so that
# value dates spread over the window; at most 38 steps stay within the 200 days.
gaps = st.integers(0, 5)
steps = st.tuples(
    st.lists(st.tuples(gaps, apply_steps), min_size=3, max_size=8),
    st.lists(
        st.tuples(gaps, st.sampled_from(WEIGHTED).flatmap(KINDS.__getitem__)),
        min_size=10,
        max_size=30,
    ),
).map(lambda pair: pair[0] + pair[1])


@contextmanager
def fresh_scheme(tmp_path_factory) -> Iterator[tuple]:
    """A private copy of the template, its first programme allocated £200,000 and its
    ring-fence given a small-grant policy of £500 to £10,000, one fund manager up to £5,000."""
    template = conftest.template()
    people, portfolio = template.people, template.portfolio
    with copy_of_template(tmp_path_factory.mktemp("four-eyes")) as con:
        ledger.allocate(
            con,
            people.manager,
            programme_id=portfolio.programme_id,
            amount="200000.00",
            reason="grants budget",
            key=key(),
        )
        grant_policy(con, people, portfolio.ringfence_id)
        yield con, people, portfolio


def _pick(items: list, index: int):
    return items[index % len(items)] if items else None


def _waiting(con) -> list[int]:
    return [
        row[0]
        for row in con.execute(
            "SELECT request_id FROM approval_request WHERE request_id NOT IN"
            " (SELECT request_id FROM approval_decision) ORDER BY request_id"
        ).fetchall()
    ]


@dataclass
class Story:
    """What a sequence has made so far: its applications and the day each was recorded."""

    grants: list[int] = field(default_factory=list)
    applied: dict[int, date] = field(default_factory=dict)


def replay(con, people, portfolio, sequence: list[tuple[int, tuple]]) -> None:
    """Play the steps, each at its own moment: noon UTC 200 days back, then each step its
    gap of days and a minute after the one before (so every row's time orders the steps)."""
    moment = (db.utc_now() - timedelta(days=200)).replace(hour=12, minute=0, second=0)
    story = Story()
    for gap, step in sequence:
        moment += timedelta(days=gap, minutes=1)
        with db.clock_at(moment):
            play(con, people, portfolio, step, story)


def play(con, people, portfolio, step: tuple, story: Story) -> None:
    """One step; a refusal (already decided, nothing to reverse) is fine."""
    managers = (people.manager, people.second_manager)
    kind, *args = step
    if kind == "apply":
        name, identifier, amount, by_second = args
        grant_id = applications.apply(
            con,
            managers[by_second],
            key=key(),
            programme_id=portfolio.programme_id,
            applicant_type="community_organisation",
            applicant="Sam Applicant",
            recipient=name,
            recipient_id=identifier,
            title="A small experiment",
            purpose="Try something new",
            amount=amount,
            planned_start="2026-01-05",
            planned_end="2026-06-30",
        ).entity_id
        story.grants.append(grant_id)
        story.applied[grant_id] = db.today()
        return
    try:
        _decide(con, managers, kind, args, story)
    except SecondPersonRequired:
        raise  # steps never ask a requester to approve: this refusal would be a bug
    except RingfenceError:
        pass


def _decide(con, managers: tuple[User, User], kind: str, args: list, story: Story) -> None:
    if kind == "second":
        which, approve, by_second = args
        request = _pick(_waiting(con), which)
        if request is None:
            return
        actor = managers[by_second]
        requester = con.execute(
            "SELECT requested_by FROM approval_request WHERE request_id = ?", [request]
        ).fetchone()[0]
        if approve and requester == actor.user_id:
            _refused_own_approval(con, actor, request)
            actor = managers[not by_second]
        approvals.decide(
            con, actor, request_id=request, approve=approve, reason="second look", key=key()
        )
        return
    grant_id = _pick(story.grants, args[0])
    if grant_id is None:
        return
    actor = managers[args[-1]]
    if kind == "reverse":
        applications.reverse(con, actor, grant_id=grant_id, reason="reconsidered", key=key())
    elif kind == "decline":
        applications.decide(
            con, actor, grant_id=grant_id, award=False, reason="not a fit", key=key()
        )
    else:
        day = max(story.applied[grant_id], db.today() - timedelta(days=args[1]))
        _award(con, actor, grant_id, day=day, percent=args[2])


def _award(con, actor: User, grant_id: int, *, day: date, percent: int | None) -> None:
    amount = None
    if percent is not None:
        asked = applications.grant(con, grant_id).amount
        amount = max(LOWEST, (asked * percent / 100).quantize(Decimal("0.01")))
    applications.decide(
        con,
        actor,
        grant_id=grant_id,
        award=True,
        amount=amount,
        on=day,
        reason="panel agreed",
        key=key(),
    )


def _refused_own_approval(con, actor: User, request: int) -> None:
    """The requester approving their own request is refused, and nothing is decided."""
    try:
        approvals.decide(con, actor, request_id=request, approve=True, reason="mine", key=key())
    except SecondPersonRequired:
        pass
    else:
        raise AssertionError(f"request #{request} was approved by its own requester")
    assert request in _waiting(con)


# --- the rows, and the rule judged on them in plain Python --------------------------------


@dataclass(frozen=True)
class Decision:
    decision_id: int
    grant_id: int
    decision: str
    amount: Decimal | None
    award_date: date | None
    request_id: int | None
    decided_by: int
    decided_at: datetime
    reverses: int | None


@dataclass(frozen=True)
class Rows:
    decisions: list[Decision]
    recipients: dict[int, tuple[str, str | None, int]]  # grant -> (key, identifier, programme)
    requested_by: dict[int, int]
    answers: dict[int, tuple[bool, int, datetime]]  # request -> (approved, by, at)
    committed: set[int]  # decisions with a commitment
    limit: Decimal


def fetch(con) -> Rows:
    decisions = [
        Decision(*row)
        for row in con.execute(
            "SELECT decision_id, grant_id, decision, amount, award_date, request_id,"
            " decided_by, decided_at, reverses FROM grant_decision ORDER BY decision_id"
        ).fetchall()
    ]
    recipients = {
        grant: (name_key, identifier, programme)
        for grant, name_key, identifier, programme in con.execute(
            "SELECT g.grant_id, g.recipient_key, g.recipient_id, x.programme_id"
            " FROM small_grant AS g JOIN experiment AS x USING (experiment_id)"
        ).fetchall()
    }
    return Rows(
        decisions=decisions,
        recipients=recipients,
        requested_by=dict(
            con.execute("SELECT request_id, requested_by FROM approval_request").fetchall()
        ),
        answers={
            request: (approved, by, at)
            for request, approved, by, at in con.execute(
                "SELECT request_id, approved, decided_by, decided_at FROM approval_decision"
            ).fetchall()
        },
        committed={
            row[0] for row in con.execute("SELECT decision_id FROM grant_commitment").fetchall()
        },
        limit=con.execute("SELECT delegated_limit FROM grant_policy").fetchone()[0],
    )


def same_recipient(rows: Rows, one: int, other: int) -> bool:
    """The same recipient in the same programme: by name as normalised, or by identifier."""
    a, b = rows.recipients[one], rows.recipients[other]
    return a[2] == b[2] and (a[0] == b[0] or (a[1] is not None and a[1] == b[1]))


def live_then(rows: Rows, award: Decision, when: Decision) -> bool:
    """Whether ``award`` was a live award when ``when`` was decided: made before it, not
    reversed before it, and its request (if any) not rejected before it."""
    if award.decision != "award" or award.decision_id >= when.decision_id:
        return False
    reversed_before = any(
        d.reverses == award.decision_id and d.decision_id < when.decision_id for d in rows.decisions
    )
    answer = rows.answers.get(award.request_id) if award.request_id else None
    rejected_before = answer is not None and not answer[0] and answer[2] < when.decided_at
    return not reversed_before and not rejected_before


def nearby_total(rows: Rows, award: Decision) -> tuple[Decimal, int]:
    """The other live awards to the recipient in the programme within the window when
    ``award`` was decided: their total and how many."""
    others = [
        d
        for d in rows.decisions
        if d.grant_id != award.grant_id
        and same_recipient(rows, d.grant_id, award.grant_id)
        and live_then(rows, d, award)
        and abs((d.award_date - award.award_date).days) < WINDOW_DAYS
    ]
    return sum((d.amount for d in others), Decimal("0.00")), len(others)


def one_may_award(rows: Rows, award: Decision) -> bool:
    total, count = nearby_total(rows, award)
    return award.amount <= rows.limit and (count == 0 or total + award.amount <= rows.limit)


def four_eyes_problems(rows: Rows) -> list[str]:
    """Every award committed on one person's say that needed two, every approval by its own
    requester or its decider, and every award that waited when one person could decide it."""
    problems = []
    for award in (d for d in rows.decisions if d.decision == "award"):
        alone = one_may_award(rows, award)
        request = award.request_id
        if request is None:
            if not alone:
                problems.append(f"decision #{award.decision_id} committed by one fund manager")
            continue
        if alone:
            problems.append(f"decision #{award.decision_id} waited though within the limit")
        answer = rows.answers.get(request)
        if answer is not None and answer[0]:
            if answer[1] in (award.decided_by, rows.requested_by[request]):
                problems.append(f"request #{request} approved by its requester")
        elif award.decision_id in rows.committed:
            problems.append(f"decision #{award.decision_id} committed without an approval")
    return problems


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=steps)
def test_no_award_that_needs_two_fund_managers_is_committed_by_one(tmp_path_factory, sequence):
    with fresh_scheme(tmp_path_factory) as (con, people, portfolio):
        replay(con, people, portfolio, sequence)
        rows = fetch(con)
        assert four_eyes_problems(rows) == [], sequence
        days = {d.award_date for d in rows.decisions if d.award_date is not None}
        assert all(db.today() - timedelta(days=200) <= day <= db.today() for day in days)
        for request, (approved, by, _) in rows.answers.items():
            assert not approved or by != rows.requested_by[request]
        assert audit.verify(con, people.auditor).ok


money = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("100000.00"), places=2)


@given(
    amount=money,
    limit=money,
    others=st.lists(st.tuples(st.text("abc", min_size=1, max_size=3), money), max_size=4),
)
def test_a_second_person_is_needed_exactly_above_the_limit_or_past_it_together(
    amount, limit, others
):
    nearby = Nearby(
        total=sum((value for _, value in others), Decimal("0.00")),
        identifiers=tuple(name for name, _ in others),
    )
    together = amount + sum(value for _, value in others)
    needed = amount > limit or (bool(others) and together > limit)
    reasons = second_person(amount, limit, nearby)
    assert bool(reasons) == needed
    assert len(reasons) <= 1
    if others and together > limit and amount <= limit:
        assert all(name in reasons[0] for name, _ in others)
