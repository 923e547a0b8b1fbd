"""The fund's learning on a real database, told as a story of five experiments in the first
half of 2026, each write made at its own moment through the services, and every figure
checked by hand: the share of ended experiments with a lesson, failures documented, median
days from end to lesson, cost per lesson to the penny, and the officials' scorecard.

The story (times UTC; the UK is an hour ahead from 29 March):

===  =====================  ==============  =========  ==========  ============================
     experiment             programme       official   review      what happens
===  =====================  ==============  =========  ==========  ============================
A    Peer mentors           Young people    Ann Able   31/03/2026  paid £1,000.00 (a £2,000.00
                                                                    payment reversed, £500.00
                                                                    recovered); stop; lesson
                                                                    10/04 23:30 (UK 11/04)
B    Money coaching         Financial incl  Bea Bold   none        paid £3,000.00; lesson 01/05,
     (small grant)                                                  closed 20/05 23:30 (UK 21/05)
C    Text reminders         Young people    Zed Zeal   30/06/2026  paid £2,000.01; scale;
                                                                    lesson 20/07
D    Debt advice hub        Financial incl  Ann Able   31/05/2026  paid £1,500.00; no lesson
E    Savings nudges         Financial incl  Bea Bold   31/12/2026  nothing yet: not ended
===  =====================  ==============  =========  ==========  ============================

The template's own experiments are created when the tests run, after the story, so a reading
as at a day of the story does not see them. The story is written once per process and each
test reads its own copy of the file (as ``tests/conftest.py`` does with its template).
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from fund import db, ledger, register
from fund.errors import PermissionDenied, ValidationError
from fund.evidence import plans, results
from fund.lessons import learning
from fund.lessons import register as lessons
from fund.sroi import report, service
from tests import conftest
from tests.conftest import SMALL_GRANT_PLAN, key

AS_OF = date(2026, 7, 31)
LESSON = {
    "what_worked": "Meeting people where they already are",
    "what_did_not": "Asking them to come to us",
    "do_differently": "Start with the people who refer",
    "transfers_to": "Any programme that relies on referrals",
    "tags": "referrals",
}
MAP = {
    "price_year": "2024/25",
    "outcomes": [
        {
            "stakeholder": "young people",
            "outcome": "into sustained work",
            "indicator": "in work at 26 weeks",
            "quantity": "2",
            "proxy": "5000.00",
            "duration_years": 1,
            "start_year": 1,
            "deadweight": "0.25",
            "displacement": "0.1",
            "attribution": "0.2",
            "drop_off": "0",
        }
    ],
}


@dataclass(frozen=True)
class Story:
    peer_mentors: int
    money_coaching: int
    text_reminders: int
    debt_advice: int
    savings_nudges: int


def plan(review: str) -> dict[str, object]:
    """A two-group test aiming to raise a share by 0.05, reviewed on ``review``."""
    return {
        **SMALL_GRANT_PLAN,
        "design": "two-group",
        "baseline": "0.40",
        "target_effect": "0.05",
        "planned_sample": "2000",
        "review_date": review,
        "kill_threshold": "0.10",
        "kill_by": review,
    }


def at(moment: str):
    """Every write of the block made at ``moment`` (UTC)."""
    return db.clock_at(datetime.fromisoformat(moment))


def build_story(con, people, portfolio) -> Story:
    """The five experiments of the module's story, written through the services."""
    fm = people.manager
    young, inclusion = portfolio.programme_id, portfolio.other_programme_id
    with at("2026-01-05 09:00"):
        for programme in (young, inclusion):
            ledger.allocate(
                con, fm, programme_id=programme, amount="20000.00", reason="2026", key=key()
            )
        made = {
            name: _experiment(con, fm, programme, title, official, instrument)
            for name, programme, title, official, instrument in [
                ("peer_mentors", young, "Peer mentors", "Ann Able", "experimental_zone"),
                ("money_coaching", inclusion, "Money coaching", "Bea Bold", "small_grant"),
                ("text_reminders", young, "Text reminders", "Zed Zeal", "experimental_zone"),
                ("debt_advice", inclusion, "Debt advice hub", "Ann Able", "experimental_zone"),
                ("savings_nudges", inclusion, "Savings nudges", "Bea Bold", "pbr_contract"),
            ]
        }
        story = Story(**made)
        for experiment, review in [
            (story.peer_mentors, "2026-03-31"),
            (story.text_reminders, "2026-06-30"),
            (story.debt_advice, "2026-05-31"),
            (story.savings_nudges, "2026-12-31"),
        ]:
            plans.register_plan(con, fm, experiment, plan(review), key=key(), reason="plan")
        plans.register_plan(
            con, fm, story.money_coaching, SMALL_GRANT_PLAN, key=key(), reason="plan"
        )
    with at("2026-01-10 09:00"):
        commitments = {
            experiment: _commit(con, fm, experiment, amount)
            for experiment, amount in [
                (story.peer_mentors, "5000.00"),
                (story.money_coaching, "3000.00"),
                (story.text_reminders, "4000.00"),
                (story.debt_advice, "2000.00"),
            ]
        }
    with at("2026-01-15 09:00"):
        for experiment, amount in [
            (story.peer_mentors, "1000.00"),
            (story.money_coaching, "3000.00"),
            (story.text_reminders, "2000.01"),
            (story.debt_advice, "1500.00"),
        ]:
            _pay(con, fm, commitments[experiment], amount)
    with at("2026-02-01 09:00"):
        mistaken = _pay(con, fm, commitments[story.peer_mentors], "2000.00")
    with at("2026-02-02 09:00"):
        ledger.reverse(con, fm, entry_id=mistaken, reason="paid twice", key=key())
    with at("2026-03-01 09:00"):
        ledger.recover(
            con,
            fm,
            commitment_id=commitments[story.peer_mentors],
            amount="500.00",
            reason="unspent",
            key=key(),
        )
    with at("2026-03-20 09:00"):
        _results(con, fm, story.peer_mentors, treated="0.35", comparison="0.45")  # stop
    with at("2026-04-10 23:30"):  # 00:30 on 11 April in the UK
        _lesson(con, fm, story.peer_mentors)
    with at("2026-05-01 10:00"):
        _lesson(con, fm, story.money_coaching)
    with at("2026-05-20 23:30"):  # 00:30 on 21 May in the UK
        lessons.close_experiment(con, fm, story.money_coaching, key=key(), reason="done")
    with at("2026-06-15 09:00"):
        _results(con, fm, story.text_reminders, treated="0.60", comparison="0.45")  # scale
    with at("2026-07-20 12:00"):
        _lesson(con, fm, story.text_reminders)
    return story


def _experiment(con, fm, programme, title, official, instrument) -> int:
    return register.add_experiment(
        con,
        fm,
        programme_id=programme,
        title=title,
        instrument=instrument,
        phase=1,
        risk_rating="medium",
        official=official,
        user_involvement="consulted",
        key=key(),
    ).entity_id


def _commit(con, fm, experiment, amount) -> int:
    return ledger.commit(
        con,
        fm,
        experiment_id=experiment,
        amount=amount,
        counterparty="Provider",
        reason="award",
        key=key(),
    ).entity_id


def _pay(con, fm, commitment, amount) -> int:
    return ledger.pay(
        con, fm, commitment_id=commitment, amount=amount, reason="payment", key=key()
    ).entity_id


def _results(con, fm, experiment, *, treated: str, comparison: str) -> None:
    cells = [
        {"group": group, "post": "1", "n": "1000", "mean": mean, "sd": "0.05"}
        for group, mean in (("treated", treated), ("comparison", comparison))
    ]
    results.record_summary(con, fm, experiment, cells, key=key(), reason="results in")


def _lesson(con, fm, experiment) -> None:
    lessons.record_lesson(con, fm, experiment, LESSON, key=key(), reason="learnt")


@functools.cache
def story_template() -> tuple[Path, Story]:
    """A copy of the shared template with the story written into it, made once."""
    folder = Path(tempfile.mkdtemp(prefix="ringfence-learning-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "fund.duckdb"
    template = conftest.template()
    shutil.copy(template.path, path)
    con = db.connect(path)
    try:
        story = build_story(con, template.people, template.portfolio)
    finally:
        con.close()
    return path, story


@pytest.fixture
def con(db_path):
    """This test's own copy of the story's database (in place of the shared template's)."""
    shutil.copy(story_template()[0], db_path)
    connection = db.connect(db_path)
    yield connection
    connection.close()


@pytest.fixture
def story(con) -> Story:
    return story_template()[1]


def only(found):
    """The one row of the fund's figures, as a dict."""
    assert len(found) == 1
    return found.iloc[0].to_dict()


# --- the fund and its programmes -------------------------------------------------------------


def test_the_fund_learnt_from_three_of_its_four_ended_experiments(con, people, story):
    fund = only(learning.learning(con, people.auditor, as_of=AS_OF))
    assert fund["experiments"] == 5
    assert fund["ended"] == 4  # A, C and D by their review dates, B by its closing
    assert fund["lessons"] == 3 and fund["ended_with_lesson"] == 3
    assert fund["share_with_lesson"] == Decimal("0.75")
    assert fund["failures_documented"] == 1  # peer mentors: stopped, with a lesson
    # A: 31/03 → 11/04 (UK) = 11; B: lesson before its end, 0; C: 30/06 → 20/07 = 20.
    assert fund["median_days_to_lesson"] == 11
    # Disbursements net of the reversal; the £500.00 recovered does not net off.
    assert fund["paid"] == Decimal("7500.01")
    assert fund["cost_per_lesson"] == Decimal("2500.00")  # 7,500.01 ÷ 3 = 2,500.0033…
    levels = [fund[f"level_{n}"] for n in range(6)]
    assert levels == [0, 3, 0, 2, 0, 0] and fund["highest_level"] == 3
    assert (fund["verdict_scale"], fund["verdict_stop"], fund["verdict_none"]) == (1, 1, 3)


def test_each_programme_has_its_own_figures_in_the_order_of_their_names(con, people, story):
    found = learning.learning(con, people.board, by="programme", as_of=AS_OF)
    assert list(found["programme"]) == ["Financial inclusion", "Young people into work"]
    inclusion, young = found.iloc[0].to_dict(), found.iloc[1].to_dict()
    assert (inclusion["experiments"], inclusion["ended"], inclusion["lessons"]) == (3, 2, 1)
    assert inclusion["share_with_lesson"] == Decimal("0.5")
    assert inclusion["median_days_to_lesson"] == 0
    assert inclusion["paid"] == Decimal("4500.00") and inclusion["cost_per_lesson"] == Decimal(
        "4500.00"
    )
    assert (young["experiments"], young["ended"], young["lessons"]) == (2, 2, 2)
    assert young["share_with_lesson"] == Decimal("1") and young["failures_documented"] == 1
    assert young["median_days_to_lesson"] == 15.5  # the middle of 11 and 20
    assert young["paid"] == Decimal("3000.01")
    assert young["cost_per_lesson"] == Decimal("1500.01")  # 1,500.005, rounded half-up


def test_as_at_the_day_before_a_lesson_it_is_absent_and_so_is_money_not_yet_paid(
    con, people, story
):
    before = only(learning.learning(con, people.auditor, as_of=date(2026, 4, 10)))
    assert (before["ended"], before["lessons"]) == (1, 0)  # A's review date has passed
    assert before["share_with_lesson"] == Decimal("0")
    assert before["median_days_to_lesson"] is None
    assert pd.isna(before["cost_per_lesson"])  # no lesson, no cost per lesson
    after = only(learning.learning(con, people.auditor, as_of=date(2026, 4, 11)))
    assert (after["lessons"], after["failures_documented"]) == (1, 1)
    assert after["median_days_to_lesson"] == 11
    january = only(learning.learning(con, people.auditor, as_of="2026-01-20"))
    assert january["paid"] == Decimal("7500.01")  # the 15 January payments, nothing since
    february = only(learning.learning(con, people.auditor, as_of="2026-02-01"))
    assert february["paid"] == Decimal("9500.01")  # before the mistaken payment was reversed


def test_a_closing_is_dated_by_its_uk_day(con, people, story):
    on_the_20th = learning.learning(con, people.auditor, by="official", as_of="2026-05-20")
    bea = on_the_20th.set_index("official").loc["Bea Bold"]
    assert bea["ended"] == 0  # closed at 00:30 on 21 May in the UK
    on_the_21st = learning.learning(con, people.auditor, by="official", as_of="2026-05-21")
    assert on_the_21st.set_index("official").loc["Bea Bold", "ended"] == 1


# --- the officials' scorecard ----------------------------------------------------------------


def test_the_scorecard_lists_officials_by_name_and_shows_learning_not_wins(con, people, story):
    found = learning.learning(con, people.manager, by="official", as_of=AS_OF)
    assert list(found["official"]) == ["Ann Able", "Bea Bold", "Zed Zeal"]
    ann, bea, zed = (row.to_dict() for _, row in found.iterrows())
    # Ann's only result is a stop, documented: learning, not a mark against her.
    assert (ann["experiments"], ann["lessons"], ann["learning"]) == (2, 1, 1)
    assert ann["failures_documented"] == 1 and ann["verdict_stop"] == 1
    assert ann["share_with_lesson"] == Decimal("0.5") and ann["median_days_to_lesson"] == 11
    assert ann["paid"] == Decimal("2500.00") and ann["cost_per_lesson"] == Decimal("2500.00")
    assert (bea["experiments"], bea["ended"], bea["learning"]) == (2, 1, 1)
    assert bea["verdict_none"] == 2 and bea["highest_level"] == 1
    assert (zed["learning"], zed["verdict_scale"], zed["median_days_to_lesson"]) == (1, 1, 20)
    assert zed["cost_per_lesson"] == Decimal("2000.01")
    assert [ann["highest_level"], zed["highest_level"]] == [3, 3]


def test_the_scorecard_sums_each_officials_sroi_as_the_sroi_report_does(con, people, story):
    complete = {
        **MAP,
        "outcomes": [
            {
                **MAP["outcomes"][0],
                "proxy_source": "fiscal saving per person into work (DWP)",
                "justifications": {
                    "deadweight": "cohort data",
                    "displacement": "few jobs displaced",
                    "attribution": "the college's share",
                    "drop_off": "one year only",
                },
            }
        ],
    }
    for experiment, document in [(story.text_reminders, complete), (story.debt_advice, MAP)]:
        service.save_document(con, people.manager, experiment, document, key=key(), reason="map")
    found = learning.learning(con, people.auditor, by="official", as_of=AS_OF)
    found = found.set_index("official")
    by_experiment = report.experiment_results(con, people.auditor).set_index("experiment_id")
    for official, experiment, incomplete in [
        ("Zed Zeal", story.text_reminders, 0),
        ("Ann Able", story.debt_advice, 1),
    ]:
        row = by_experiment.loc[experiment]
        assert found.loc[official, "impact_maps"] == 1
        assert found.loc[official, "incomplete"] == incomplete
        expected = float(row["present_value"]) / float(row["inputs"])
        assert found.loc[official, "sroi_ratio"] == pytest.approx(expected)
        assert found.loc[official, "sroi_ratio"] == pytest.approx(row["sroi_ratio"])
    assert found.loc["Bea Bold", "impact_maps"] == 0
    assert found.loc["Bea Bold", "sroi_ratio"] is None


def test_a_board_member_reads_the_fund_but_not_the_officials_scorecard(con, people, story):
    assert only(learning.learning(con, people.board, as_of=AS_OF))["lessons"] == 3
    with pytest.raises(PermissionDenied) as refused:
        learning.learning(con, people.board, by="official", as_of=AS_OF)
    assert refused.value.permission == "see who is responsible for each experiment"


def test_an_admin_reads_no_learning(con, people):
    with pytest.raises(PermissionDenied):
        learning.learning(con, people.admin)


@pytest.mark.parametrize(
    ("by", "as_of", "field"),
    [
        ("instrument", None, "by"),
        (None, "31/07/2026", "as of"),
        (None, "2999-01-01", "as of"),
    ],
)
def test_a_grouping_or_day_it_cannot_read_is_refused_naming_it(con, people, by, as_of, field):
    with pytest.raises(ValidationError) as refused:
        learning.learning(con, people.auditor, by=by, as_of=as_of)
    assert refused.value.field == field
