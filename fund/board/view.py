"""The board's view: every figure a board decides with, as the records stood at the end of a
chosen UK day (default today), read once so the page, the pack and its verification agree.

"As at" means the ledger entries, investment terms and valuations, impact map versions,
results, verdict overrides, lessons and closings recorded before the first moment after that day; whatever was recorded later
never shows, whatever date it carries. Two things are not versioned and are as they stand
now: partners' match funding and an experiment's phase and risk rating.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import duckdb
import pandas as pd

from fund.auth import Permission, User, may, require
from fund.board import appetite
from fund.board.money import Money, money
from fund.board.social_return import SocialReturn, social_return
from fund.db import transaction
from fund.evidence.judgement import cutoff as end_of
from fund.evidence.judgement import judgements
from fund.lessons import learning as learned
from fund.lessons.search import search
from fund.ventures import metrics as venture_metrics

MILLION = Decimal(1_000_000)
DIGEST = 5  # lessons in each half of the digest


@dataclass(frozen=True, kw_only=True)
class Learning:
    """What the fund has learned by the date."""

    figures: pd.DataFrame  # one row of :func:`fund.lessons.learning.measure` for the fund
    lessons_per_million: Decimal | None  # lessons ÷ (committed ÷ £1m); None with nothing at risk

    def figure(self, name: str) -> object:
        return self.figures[name].iloc[0]


@dataclass(frozen=True, kw_only=True)
class Risk:
    """The position against the declared appetite, and experiments awaiting a decision."""

    appetite: pd.DataFrame  # :func:`fund.board.appetite.position`
    awaiting_decision: pd.DataFrame  # experiment_id, title, programme, why


@dataclass(frozen=True, kw_only=True)
class BoardView:
    """Everything on the board page and in the pack, as at ``as_at``."""

    as_at: date
    cutoff: datetime  # the first moment after the day, in UTC as rows record it
    money: Money
    ventures: pd.Series  # the fund's venture metrics (:mod:`fund.ventures.metrics`)
    sroi: SocialReturn
    learning: Learning
    risk: Risk
    newest_lessons: pd.DataFrame
    transferable_lessons: pd.DataFrame
    audit_head: tuple[int, str]  # (row number, hash) of the last audit row by the date


def board(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    as_at: object = None,
    *,
    progress: Callable[[float, str], None] | None = None,
) -> BoardView:
    """The board's view as at the end of ``as_at`` (a date or YYYY-MM-DD; default today; never
    in the future), read in one transaction. ``progress`` hears (share done, what is next)."""
    reader = require(con, actor, Permission.READ_SUMMARY)
    day = learned.as_of_day(as_at)
    moment = end_of(day)
    tell = progress or (lambda share, words: None)
    with transaction(con):
        tell(0.0, "Reading the ledger")
        held = money(con, moment)
        tell(0.1, "Drawing the SROI band")
        sroi = social_return(
            con, actor, moment, progress=lambda share: tell(0.1 + 0.7 * share, "Drawing the band")
        )
        tell(0.8, "Reading the ventures, evidence and lessons")
        ventures = venture_metrics.compute(con, day).fund
        judged = judgements(con, as_of=day)
        lessons = search(con, actor, as_of=day)
        view = BoardView(
            as_at=day,
            cutoff=moment,
            money=held,
            ventures=ventures,
            sroi=sroi,
            learning=_learning(con, actor, day, held.committed),
            risk=Risk(
                appetite=appetite.position(con, moment),
                awaiting_decision=awaiting_decision(judged, named=may(reader.role, _PEOPLE)),
            ),
            newest_lessons=lessons.head(DIGEST).reset_index(drop=True),
            transferable_lessons=most_transferable(lessons).head(DIGEST).reset_index(drop=True),
            audit_head=audit_head(con, moment),
        )
    tell(1.0, "Done")
    return view


_PEOPLE = Permission.READ_PEOPLE
NAMES = ("official", "recorded_by")  # the people a board member does not see named


def without_names(view: BoardView) -> BoardView:
    """The view as a board member reads it, whoever read it: what goes to the board (the
    pack) names no official, even when a fund manager or an auditor made it."""

    def unnamed(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.drop(columns=[name for name in NAMES if name in frame.columns])

    return replace(
        view,
        newest_lessons=unnamed(view.newest_lessons),
        transferable_lessons=unnamed(view.transferable_lessons),
        risk=replace(view.risk, awaiting_decision=unnamed(view.risk.awaiting_decision)),
    )


def _learning(
    con: duckdb.DuckDBPyConnection, actor: User, day: date, committed: Decimal
) -> Learning:
    figures = learned.learning(con, actor, as_of=day)
    if figures.empty:  # no experiment yet by the day: nothing learned, nothing to divide
        figures = pd.DataFrame([{name: _NOTHING.get(name, 0) for name in figures.columns}])
    return Learning(
        figures=figures,
        lessons_per_million=per_million(int(figures["lessons"].iloc[0]), committed),
    )


# The learning figures of a fund with no experiment: counts are 0, quotients have none.
_NOTHING = {
    "share_with_lesson": None,
    "median_days_to_lesson": None,
    "paid": Decimal("0.00"),
    "cost_per_lesson": None,
    "highest_level": None,
}


def per_million(lessons: int, at_risk: Decimal) -> Decimal | None:
    """Lessons documented per £1m committed (the money put at risk), to two decimals."""
    if at_risk <= 0:
        return None
    return (lessons * MILLION / at_risk).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def awaiting_decision(judged: pd.DataFrame, *, named: bool) -> pd.DataFrame:
    """Open experiments that need a decision and have none: past their plan's review date
    with no results, or with their kill criteria met and no verdict override."""
    open_ = judged["closed_at"].isna()
    late = judged["past_review"].astype(bool) & judged["result_id"].isna()
    killed = judged["kill_criteria_met"].astype(bool) & judged["overridden_to"].isna()
    found = judged[open_ & (late | killed)]
    why = [
        _why(is_late, is_killed, review)
        for is_late, is_killed, review in zip(
            late[found.index], killed[found.index], found["review_date"], strict=True
        )
    ]
    columns = ["experiment_id", "title", "programme", *(["official"] if named else [])]
    return found[columns].assign(why=pd.Series(why, index=found.index, dtype=object))


def _why(late: bool, killed: bool, review: object) -> str:
    reasons = []
    if late:
        reasons.append(f"Past its review date ({review}) with no results")
    if killed:
        reasons.append("Kill criteria met, no decision recorded")
    return "; ".join(reasons)


def most_transferable(lessons: pd.DataFrame) -> pd.DataFrame:
    """Lessons that say where else they apply, strongest evidence first, then newest."""
    says = lessons["transfers_to"].fillna("").str.strip() != ""
    return lessons[says].sort_values(
        ["evidence_level", "recorded_at"], ascending=[False, False], kind="stable"
    )


def audit_head(con: duckdb.DuckDBPyConnection, moment: datetime) -> tuple[int, str]:
    """The last audit row recorded before ``moment``: what a pack as at the day stands on."""
    found = con.execute(
        "SELECT seq, row_hash FROM audit_log WHERE recorded_at < ? ORDER BY seq DESC LIMIT 1",
        [moment],
    ).fetchall()
    return found[0] if found else (0, "0" * 64)
