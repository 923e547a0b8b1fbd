"""The portfolio page: the headline figures in £ for every role that may read summaries,
charts with titles and £ axes, and filters that narrow the experiments table."""

import json

import pytest
from streamlit.testing.v1.element_tree import Block

from fund import labels, ledger, register
from fund.register import Instrument, RiskRating
from tests.app.helpers import (
    errors,
    select,
    visible,
)
from tests.app.tables import money_columns
from tests.conftest import key

PAGE = "pages/portfolio.py"


@pytest.fixture
def spent(con, people, funded):
    """£8,000.00 committed to the small grant and £3,000.00 paid, plus an experiment in the
    other programme that differs in every filtered attribute and has no money."""
    manager = people.manager
    ledger.commit(
        con,
        manager,
        experiment_id=funded.experiments["small_grant"],
        amount="8000.00",
        counterparty="Youth Trust",
        reason="grant agreed",
        key=key(),
    )
    ledger.pay(con, manager, commitment_id=1, amount="3000.00", reason="first tranche", key=key())
    register.add_experiment(
        con,
        manager,
        programme_id=funded.other_programme_id,
        title="Credit union outreach",
        instrument="social_venture",
        phase=3,
        risk_rating="high",
        official="Lee Official",
        user_involvement="user-led",
        key=key(),
    )
    return funded


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def listed(at) -> list[str]:
    (table,) = at.dataframe
    return sorted(table.value["title"])


@pytest.mark.parametrize("who", ["manager", "auditor", "board"])
def test_every_reader_sees_the_headline_figures_in_pounds_and_pence(app, people, spent, who):
    at = app(getattr(people, who), PAGE)

    assert not at.exception
    assert metrics(at) == {
        "Ring-fence size": "£1,200,000.00",
        "Allocated": "£100,000.00",
        "Committed": "£8,000.00",
        "Paid": "£3,000.00",
        "Available": "£92,000.00",
        "Headroom": "£1,100,000.00",
        "Match funding": "£16,000.00",
        "Leverage": "£2.00 per £1",
    }
    assert len(listed(at)) == 5
    assert at.caption[-1].value.startswith("5 experiments.")
    # A reader's page offers filters and nothing to write with.
    assert not at.text_input
    assert not at.main.button


def test_each_figure_is_named_and_explained_as_everywhere_else(app, people, spent):
    """One place names the figures: the Portfolio page, `fund position` and the table of
    what a write changed all read them from fund.labels."""
    at = app(people.manager, PAGE)

    shown = {m.label: m.proto.help for m in at.metric}
    named = ["ring_fence", "allocated", "committed", "paid", "available", "headroom"]
    named += ["match_funding", "leverage"]
    assert shown == {labels.FIGURES[n]: labels.FIGURE_HELP[n] for n in named}


def test_the_figures_wrap_onto_more_rows_rather_than_cut_an_amount_short(app, people, spent):
    """At 1,280 pixels four figures a row cut '£5,000,000.00' to '£5,000,00…'."""
    at = app(people.board, PAGE)

    (row,) = [
        b
        for b in at.main.children.values()
        if isinstance(b, Block) and any(type(c).__name__ == "Metric" for c in b.children.values())
    ]
    layout = row.proto.flex_container
    assert (layout.direction, layout.wrap) == (layout.HORIZONTAL, True)
    assert [type(m).__name__ for m in row.children.values()] == ["Metric"] * 8


def test_before_any_money_the_figures_are_zero_and_leverage_is_a_dash(app, people, portfolio):
    at = app(people.board, PAGE)

    assert not at.exception
    shown = metrics(at)
    assert shown["Allocated"] == "£0.00"
    assert shown["Committed"] == "£0.00"
    assert shown["Headroom"] == "£1,200,000.00"
    assert shown["Leverage"] == "–"


def test_charts_have_titles_axis_labels_and_pounds_on_the_money_axis(app, people, spent):
    at = app(people.manager, PAGE)

    charts = [json.loads(chart.proto.spec)["layout"] for chart in at.get("plotly_chart")]
    assert [c["title"]["text"] for c in charts] == [
        "Allocation by programme",
        "Commitments by instrument",
        "Burn by month against the ring-fence",
        "By lifecycle phase",
        "By risk rating",
    ]
    for layout in charts:
        assert layout["xaxis"]["title"]["text"], layout["title"]
        assert layout["yaxis"]["title"]["text"] == "£"
        assert layout["yaxis"]["tickprefix"] == "£"


def test_the_experiments_table_shows_money_as_pounds_and_codes_in_words(app, people, spent):
    at = app(people.auditor, PAGE)

    (table,) = at.dataframe
    config = json.loads(table.proto.columns)
    shown = table.value
    assert money_columns(table) == ["committed", "paid", "match_funding"]
    assert config["risk_rating"]["label"] == "Risk rating"
    assert all("_" not in v["label"] for v in config.values() if "label" in v), config
    row = shown.set_index("title").loc["Trial of small_grant"]
    assert row["instrument"] == "Small grant"
    assert row["phase"] == "1 design & discovery"
    assert row["risk_rating"] == "Medium"
    assert (str(row["committed"]), str(row["paid"])) == ("8000.00", "3000.00")


def test_each_filter_narrows_the_experiments_table(app, people, spent):
    at = app(people.manager, PAGE)
    everything = listed(at)
    assert len(everything) == 5

    filters = [
        ("Programme", "Financial inclusion", ["Credit union outreach"]),
        (
            "Instrument",
            Instrument.SOCIAL_VENTURE,
            ["Credit union outreach", "Trial of social_venture"],
        ),
        ("Phase", 3, ["Credit union outreach"]),
        ("Risk rating", RiskRating.MEDIUM, [t for t in everything if t != "Credit union outreach"]),
        ("Responsible official", "Lee Official", ["Credit union outreach"]),
    ]
    for label, value, expected in filters:
        select(at, label).set_value(value).run()
        assert listed(at) == expected, label
        assert at.caption[-1].value.startswith(f"{len(expected)} experiment"), label
        select(at, label).set_value(None).run()
        assert listed(at) == everything, label

    # Filters combine: nothing in "Young people into work" is in phase 3.
    select(at, "Programme").set_value("Young people into work")
    select(at, "Phase").set_value(3).run()
    assert listed(at) == []
    assert at.caption[-1].value.startswith("0 experiments.")


def test_an_admin_reaching_the_portfolio_by_url_sees_only_not_permitted(app, people, spent):
    at = app(people.admin, PAGE)

    assert not at.exception
    assert visible(at) == ["error"]
    (message,) = errors(at)
    assert message.startswith("Not permitted:")
    assert message.endswith("cannot read portfolio summaries.")


def test_the_refusal_reads_as_english_for_an_admin(app, people, portfolio):
    at = app(people.admin, PAGE)

    assert errors(at) == ["Not permitted: an admin cannot read portfolio summaries."]
