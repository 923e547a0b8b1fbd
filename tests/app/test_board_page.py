"""The Board page: board members, fund managers and auditors read every figure as at a date
they choose, to the penny as the board's view computes it; an earlier date shows the
records as they stood then; a chosen experiment shows its tornado and Monte Carlo charts;
board members see no official's name anywhere on it; admins are refused."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from fund import db, ledger, register
from fund.board import appetite
from fund.board.view import board
from fund.money import format_gbp
from fund.sroi import service
from tests.app.helpers import button, select
from tests.app.test_sroi_page import MAP
from tests.conftest import key

PAGE = "pages/board.py"
OFFICIALS = ("Pat Official", "Mo Manager", "Sam Second")


@pytest.fixture
def mapped(con, people, funded) -> int:
    """The small grant has £8,000.00 committed, £3,000.00 paid and an impact map."""
    experiment = funded.experiments["small_grant"]
    ledger.commit(
        con,
        people.manager,
        experiment_id=experiment,
        amount="8000.00",
        counterparty="Youth Trust",
        reason="grant agreed",
        key=key(),
    )
    ledger.pay(con, people.manager, commitment_id=1, amount="3000.00", reason="tranche", key=key())
    service.save_document(con, people.manager, experiment, MAP, key=key(), reason="first map")
    return experiment


@pytest.fixture
def earlier(con, people, funded):
    """Forty days ago, a £500,000.00 ring-fence was declared, £50,000.00 allocated from it and
    an experiment added: the day thirty days ago saw only that; today sees the test portfolio
    besides."""
    then = db.utc_now() - timedelta(days=40)
    with db.clock_at(then):
        fence = register.declare_ringfence(
            con,
            people.manager,
            name="Old Fund",
            owner_body="Northborough Council",
            financial_years="2025-26",
            declared_amount="500000.00",
            purpose="An earlier pot",
            advertised_on=then.date(),
            delegated_limit="10000.00",
            key=key(),
        ).entity_id
        programme = register.add_programme(
            con, people.manager, ringfence_id=fence, name="Old programme", target="t", key=key()
        ).entity_id
        ledger.allocate(
            con, people.manager, programme_id=programme, amount="50000.00", reason="r", key=key()
        )
        register.add_experiment(
            con,
            people.manager,
            programme_id=programme,
            title="An early trial",
            instrument="small_grant",
            phase=1,
            risk_rating="low",
            official="Pat Official",
            user_involvement="consulted",
            partners=[],
            key=key(),
        )
    return db.today() - timedelta(days=30)


def open_page(app, user):
    at = app(user, PAGE)
    assert not at.exception, at.exception
    return at


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def chart_titles(at) -> list[str]:
    return [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]


def everything(at) -> str:
    """Every word the page rendered: each element's message (tables' data included), and
    each table's cells again as text."""
    parts = [str(node.proto) for node in _elements(at._tree)]
    parts += [d.value.to_csv() for d in at.dataframe]
    return "\n".join(parts)


def _elements(node):
    children = getattr(node, "children", None)
    if children is None:
        yield node
        return
    for child in children.values():
        yield from _elements(child)


def shown(figure) -> str:
    return format_gbp(figure)


@pytest.mark.parametrize("role", ["board", "manager", "auditor"])
def test_board_members_fund_managers_and_auditors_read_every_section(app, people, mapped, role):
    at = open_page(app, getattr(people, role))
    assert at.title[0].value == "Board"
    assert [h.value for h in at.header] == [
        "Social return",
        "Money",
        "Social ventures",
        "Learning",
        "Risk",
        "Lessons digest",
        "One experiment's sensitivity",
        "The board pack",
    ]
    assert not at.error
    assert [b.label for b in at.main.button] == ["Prepare the board pack"]


def test_the_headline_figures_are_the_views_to_the_penny(app, con, people, mapped):
    at = open_page(app, people.board)
    view = board(con, people.board)
    found = metrics(at)
    held = view.money
    assert found["Ring-fence size"] == shown(held.ring_fence) == "£1,200,000.00"
    assert found["Allocated"] == shown(held.allocated) == "£100,000.00"
    assert found["Committed"] == shown(held.committed) == "£8,000.00"
    assert found["Paid"] == shown(held.paid) == "£3,000.00"
    assert found["Available"] == shown(held.available) == "£92,000.00"
    assert found["Leverage"] == f"£{held.leverage} per £1"
    assert found["SROI ratio"] == f"{view.sroi.ratio:,.2f} : 1"
    assert found["5th percentile"] == f"{view.sroi.band.p5:,.2f} : 1"
    assert found["95th percentile"] == f"{view.sroi.band.p95:,.2f} : 1"
    assert found["Incomplete impact maps"] == "1"  # MAP's second outcome lacks two lines
    assert found["Lessons documented"] == "0"


def test_an_earlier_date_shows_the_records_as_they_stood_then(app, con, people, earlier):
    at = open_page(app, people.board)
    assert metrics(at)["Ring-fence size"] == "£1,700,000.00"
    at.date_input(key="board-as-at").set_value(earlier).run()
    assert not at.exception, at.exception
    found = metrics(at)
    view = board(con, people.board, earlier)
    assert found["Ring-fence size"] == shown(view.money.ring_fence) == "£500,000.00"
    assert found["Allocated"] == shown(view.money.allocated) == "£50,000.00"
    assert found["Committed"] == "£0.00"
    assert f"As at the end of {earlier:%d/%m/%Y}" in " ".join(c.value for c in at.caption)


def test_board_members_see_no_officials_name_anywhere(app, people, mapped):
    # Three experiments are past their plans' review date with no results: awaiting a
    # decision, listed with their official for those who may see names.
    manager = everything(open_page(app, people.manager))
    assert "Pat Official" in manager
    at = open_page(app, people.board)
    assert "Kill criteria met" in everything(at) or "Past its review date" in everything(at)
    words = everything(at)
    for name in OFFICIALS:
        assert name not in words


def test_a_chosen_experiment_shows_its_tornado_and_monte_carlo(app, people, mapped):
    at = open_page(app, people.board)
    assert select(at, "Experiment").value == mapped
    titles = chart_titles(at)
    assert any(t.startswith("One-way sensitivity") for t in titles)
    assert any(t.startswith("Monte Carlo, 10,000 draws") for t in titles)


def test_admins_are_refused(app, people, funded):
    at = open_page(app, people.admin)
    assert any("Not permitted" in e.value for e in at.error)
    assert not at.header


def test_a_breached_limit_is_flagged_in_words(app, con, people, portfolio, mapped):
    appetite.declare_appetite(
        con,
        people.manager,
        ringfence_id=portfolio.ringfence_id,
        high_risk_share="50",
        instrument_share="60",
        counterparty_share="0.5",  # £5,000.00 of £1,000,000.00; Youth Trust holds £8,000.00
        reason="declared with the ring-fence",
        key=key(),
    )
    at = open_page(app, people.board)
    assert [e.value for e in at.error] == ["1 limit is breached: see the rows marked Breached."]
    (table,) = [d.value for d in at.dataframe if "standing" in d.value.columns]
    breached = table[table["standing"] == "Breached"]
    assert list(breached["subject"]) == ["Youth Trust"]
    assert list(breached["share"]) == ["0.80%"]


def test_the_board_pack_is_prepared_and_offered_with_its_audit_head(app, con, people, mapped):
    at = open_page(app, people.board)
    button(at, "Prepare the board pack").click().run()
    assert not at.exception, at.exception
    number, digest = board(con, people.board).audit_head
    (ready,) = [s.value for s in at.success]
    assert f"audit row {number:,}, hash `{digest}`" in ready
    downloads = [b.proto.label for b in at.get("download_button")]
    assert downloads == ["Download the PDF", "Download the Excel workbook"]
