"""The board's view as at a date: the demo portfolio's figures at three dates equal what the
entries, maps and lessons recorded before the end of each date say, computed here by hand,
and a write made after a date never shows in the view as at that date."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pypdf
import pytest

from fund import db, demo
from fund.auth import Role, find_user
from fund.board.pack import build_pack
from fund.board.view import board
from fund.errors import ValidationError
from fund.ledger import service

TODAY = date(2026, 9, 30)  # the demo's fixed day, as in test_demo
DATES = (date(2025, 3, 31), date(2025, 12, 31), TODAY)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    with demo.founded(TODAY):
        con = db.connect(tmp_path_factory.mktemp("board") / "fund.duckdb")
    demo.build(con, today=TODAY)
    yield con
    con.close()


def user(con, role: Role):
    username = {Role.BOARD_MEMBER: "board", Role.FUND_MANAGER: "manager"}[role]
    return find_user(con, username)


def end_of(day: date) -> datetime:
    """The first moment after the UK day, in UTC without a zone (as rows record times)."""
    start = datetime.combine(day + timedelta(days=1), time(0), ZoneInfo("Europe/London"))
    return start.astimezone(UTC).replace(tzinfo=None)


def by_hand(con, day: date) -> dict[str, Decimal]:
    """The money as at ``day`` from the entries recorded before its end, summed in Python."""
    moment = end_of(day)
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for kind, amount, recorded_at in con.execute(
        "SELECT kind, amount, recorded_at FROM ledger_entry"
    ).fetchall():
        if recorded_at < moment:
            sums[kind] += amount
    declared = sum(
        (
            amount
            for amount, created in con.execute(
                "SELECT declared_amount, created_at FROM ringfence"
            ).fetchall()
            if created < moment
        ),
        Decimal(0),
    )
    return {
        "ring_fence": declared + sums["ringfence_virement"],
        "allocated": sums["allocation"] + sums["virement"],
        "committed": sums["commitment"] + sums["decommitment"],
        "paid": sums["disbursement"],
        "recovered": sums["recovery"],
        "written_off": sums["write_off"],
    }


@pytest.mark.parametrize("day", DATES)
def test_money_as_at_equals_the_entries_recorded_before_the_day_ends(built, day):
    view = board(built, user(built, Role.BOARD_MEMBER), day)
    expected = by_hand(built, day)
    found = {name: getattr(view.money, name) for name in expected}
    assert found == expected
    assert view.money.available == expected["allocated"] - expected["committed"]
    assert view.as_at == day


def test_the_three_dates_differ(built):
    """The demo's money grows over time, so the three dates test three different positions."""
    committed = [by_hand(built, day)["committed"] for day in DATES]
    assert len(set(committed)) == 3


@pytest.mark.parametrize("day", DATES)
def test_maps_lessons_and_audit_head_as_at_the_day(built, day):
    moment = end_of(day)
    view = board(built, user(built, Role.FUND_MANAGER), day)
    maps = built.execute(
        "SELECT count(DISTINCT experiment_id) FROM impact_map WHERE saved_at < ?", [moment]
    ).fetchall()[0][0]
    lessons = built.execute(
        "SELECT count(DISTINCT experiment_id) FROM lesson WHERE recorded_at < ?", [moment]
    ).fetchall()[0][0]
    head = built.execute(
        "SELECT seq, row_hash FROM audit_log WHERE recorded_at < ? ORDER BY seq DESC LIMIT 1",
        [moment],
    ).fetchall()[0]
    assert view.sroi.maps == maps
    assert int(view.learning.figure("lessons")) == lessons
    assert view.audit_head == head
    assert set(view.newest_lessons["recorded_at"]) <= {
        at for (at,) in built.execute("SELECT recorded_at FROM lesson").fetchall() if at < moment
    }


def test_an_entry_posted_after_a_day_never_shows_as_at_that_day(built):
    """A payment recorded now, dated back before every chosen day, moves only today's view."""
    manager = user(built, Role.FUND_MANAGER)
    before = {day: board(built, manager, day) for day in DATES}
    commitment = built.execute(
        "SELECT c.commitment_id FROM commitment AS c JOIN commitment_balance AS b"
        " USING (commitment_id) WHERE b.committed - b.paid >= 100 ORDER BY 1 LIMIT 1"
    ).fetchall()[0][0]
    service.pay(
        built,
        manager,
        commitment_id=commitment,
        amount="100.00",
        reason="A late invoice, dated back",
        key="board-view-late-payment",
        on=DATES[0] - timedelta(days=30),
    )
    for day in DATES:
        after, then = board(built, manager, day), before[day]
        assert (after.money.paid, after.money.committed) == (then.money.paid, then.money.committed)
        assert after.money.burn.equals(then.money.burn)
        assert after.sroi.fund.equals(then.sroi.fund)  # the SROI's inputs too
        assert after.sroi.experiments.equals(then.sroi.experiments)
        assert after.risk.appetite.equals(then.risk.appetite)
        assert after.audit_head == then.audit_head
    assert board(built, manager).money.paid == by_hand(built, db.today())["paid"]


def test_figures_are_exact_decimals(built):
    view = board(built, user(built, Role.BOARD_MEMBER), TODAY)
    money = view.money
    for name in ("ring_fence", "allocated", "committed", "paid", "available", "match_funding"):
        assert isinstance(getattr(money, name), Decimal)
        assert getattr(money, name).as_tuple().exponent == -2
    assert all(isinstance(v, Decimal) for v in money.by_programme["committed"])


def test_a_board_member_sees_no_officials_names(built):
    view = board(built, user(built, Role.BOARD_MEMBER), TODAY)
    officials = {name for (name,) in built.execute("SELECT official FROM experiment").fetchall()}
    for table in (view.newest_lessons, view.transferable_lessons, view.risk.awaiting_decision):
        assert "official" not in table.columns
        assert "recorded_by" not in table.columns
        shown = set(table.astype(str).to_numpy().ravel())
        assert not shown & officials


def test_a_date_in_the_future_is_refused(built):
    with pytest.raises(ValidationError, match="as of"):
        board(built, user(built, Role.BOARD_MEMBER), db.today() + timedelta(days=1))


def test_a_day_before_the_fund_began_shows_nothing_yet(built):
    first = built.execute("SELECT min(created_at) FROM ringfence").fetchall()[0][0]
    view = board(built, user(built, Role.BOARD_MEMBER), first.date() - timedelta(days=1))
    assert view.money.ring_fence == view.money.committed == Decimal("0.00")
    assert view.sroi.maps == 0 and view.sroi.band is None and view.sroi.ratio is None
    assert view.learning.figure("lessons") == 0
    assert view.learning.lessons_per_million is None
    assert view.risk.appetite.empty and view.newest_lessons.empty
    assert view.audit_head[0] < 10  # only the database's own first rows, if any


def test_a_pack_made_by_a_fund_manager_names_no_official(built, tmp_path):
    """The pack goes to the board, so it names nobody, whoever made it; the manager's own view
    does name the officials (the control)."""
    manager = user(built, Role.FUND_MANAGER)
    assert "official" in board(built, manager, TODAY).newest_lessons.columns
    made = build_pack(built, manager, TODAY, tmp_path)
    people = {name for (name,) in built.execute("SELECT official FROM experiment").fetchall()}
    people |= {name for (name,) in built.execute("SELECT display_name FROM app_user").fetchall()}
    cells = [
        str(cell)
        for sheet in openpyxl.load_workbook(made.workbook).worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    ]
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(made.pdf).pages)
    for name in people:
        assert not any(name in cell for cell in cells), name
        assert name not in " ".join(text.split()), name
