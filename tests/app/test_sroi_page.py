"""The SROI page: a fund manager reads an experiment's social return, edits its impact map
and saves a new version; a bad edit names every problem and stores nothing; auditors and
board members read the same figures without an editor, board members without names; an
experiment without a map says so. The Portfolio page adds SROI by programme and instrument.
"""

from __future__ import annotations

import copy
import json

import pandas as pd
import pytest

from fund import ledger
from fund.sroi import service, store
from tests.app.helpers import errors, select, submit_with_table, successes, text
from tests.app.tables import money_columns
from tests.conftest import key
from ui.sroi_editor import SAVE, USE

PAGE = "pages/sroi.py"
REASON = "first map, from the evaluation plan"

# A grant to young people: the first outcome fully justified, the second missing two lines.
MAP = {
    "discount": {"schedule": "green-book-standard", "first_year_discounted": True},
    "outcomes": [
        {
            "stakeholder": "Young people",
            "outcome": "Into sustained work",
            "indicator": "in work at 26 weeks",
            "quantity": "20",
            "proxy": "5000.00",
            "proxy_source": "DWP evaluation of youth employment schemes",
            "duration_years": 3,
            "start_year": 1,
            "deadweight": "0.25",
            "displacement": "0.1",
            "attribution": "0.2",
            "drop_off": "0.1",
            "justifications": {
                "deadweight": "ONS youth employment rate for the borough",
                "displacement": "Few local vacancies taken from others",
                "attribution": "Partners' share of support",
                "drop_off": "Job retention at 12 months",
            },
            "ranges": {"quantity": {"low": "15", "high": "25", "distribution": "pert"}},
        },
        {
            "stakeholder": "Families",
            "outcome": "Less debt",
            "indicator": "households out of arrears",
            "quantity": "8",
            "proxy": "1200.00",
            "proxy_source": "Money Advice Service estimate",
            "duration_years": 2,
            "start_year": 2,
            "deadweight": "0.3",
            "displacement": "0",
            "attribution": "0.1",
            "drop_off": "0.5",
            "justifications": {
                "deadweight": "Arrears fall this much without help",
                "displacement": "Nobody else's debt rises",
            },
        },
    ],
}


@pytest.fixture
def mapped(con, people, funded):
    """The small grant has £8,000.00 committed, £3,000.00 paid and £500.00 recovered, and two
    versions of its impact map (the second by Mo Manager, who moved quantity from 18 to 20)."""
    manager = people.manager
    experiment = funded.experiments["small_grant"]
    ledger.commit(
        con,
        manager,
        experiment_id=experiment,
        amount="8000.00",
        counterparty="Youth Trust",
        reason="grant agreed",
        key=key(),
    )
    ledger.pay(con, manager, commitment_id=1, amount="3000.00", reason="first tranche", key=key())
    ledger.recover(con, manager, commitment_id=1, amount="500.00", reason="underspend", key=key())
    first = copy.deepcopy(MAP)
    first["outcomes"][0]["quantity"] = "18"
    service.save_document(con, manager, experiment, first, key=key(), reason="draft")
    service.save_document(con, manager, experiment, MAP, key=key(), reason=REASON)
    return experiment


def open_page(app, user, experiment=None):
    at = app(user, PAGE)
    if experiment is not None:
        select(at, "Experiment").set_value(experiment)
        at.run()
    assert not at.exception, at.exception
    return at


def section(at, label: str):
    """Open one of the page's tabs, as clicking it does."""
    at.session_state["sroi-section"] = label
    return at.run()


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def chart_titles(at) -> list[str]:
    return [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]


def warnings(at) -> str:
    return " ".join(w.value for w in at.warning).replace("\\", "")


def test_the_manager_reads_the_latest_version_with_its_ratio_and_its_gaps(app, people, mapped):
    at = open_page(app, people.manager, mapped)
    shown = metrics(at)
    # 20 × £5,000 × 0.75 × 0.9 × 0.8 = £54,000 a year, less 10% a year; inputs are £2,500
    # paid net, plus the partners' £2,500 cash and £1,500 in kind.
    assert shown["Inputs"] == "£6,500.00"
    assert shown["SROI ratio (incomplete map)"].endswith(" : 1")
    assert "Computed from version 2, saved" in at.caption[0].value
    assert "by Mo Manager" in at.caption[0].value
    assert "outcomes/1/attribution has no justification" in warnings(at)
    assert "outcomes/1/drop_off has no justification" in warnings(at)
    assert "2024/25 prices" in " ".join(c.value for c in at.caption).replace("\\", "")


def test_the_result_traces_the_inputs_to_the_ledger(app, people, mapped):
    at = section(open_page(app, people.manager, mapped), "Result")
    assert not at.exception, at.exception
    inputs, entries = at.dataframe[0].value, at.dataframe[1].value
    assert sorted(inputs["amount"].astype(str)) == ["1500.00", "2500.00", "2500.00"]
    assert any("commitment #1" in s for s in inputs["source"])
    assert sorted(entries["kind"]) == ["Disbursement", "Recovery"]
    assert money_columns(at.dataframe[0]) == ["amount"]


def test_sensitivity_draws_the_tornado_the_switching_values_and_the_monte_carlo(
    app, people, mapped
):
    at = section(open_page(app, people.manager, mapped), "Sensitivity")
    assert not at.exception, at.exception
    titles = chart_titles(at)
    assert titles[0].startswith("Monte Carlo, 10,000 draws: P(ratio > 1) = "), titles
    assert titles[1].startswith("One-way sensitivity"), titles
    (switching,) = at.dataframe
    assert {"assumption", "switching_value"} <= set(switching.value.columns)


def test_the_manager_edits_one_outcome_and_saves_a_new_version(app, con, people, mapped):
    at = section(open_page(app, people.manager, mapped), "Impact map")
    at = submit_edit(
        at,
        {
            1: {
                "attribution_why": "Council advice service shares the credit",
                "drop_off_why": "Arrears return after two years",
            }
        },
    )
    assert not errors(at), errors(at)
    assert any("saved as version 3" in s for s in successes(at)), successes(at)
    latest = store.read(con, mapped)
    assert latest.version == 3 and latest.reason == "every line justified"
    assert latest.impact_map.complete
    assert not at.warning  # the map is complete now: no warning where the ratio is shown
    assert select(at, "Version").options[1].startswith("version 3, saved")


def submit_edit(at, edited: dict, reason: str = "every line justified"):
    text(at, "Reason").input(reason)
    return submit_with_table(at, SAVE, edited=edited)


def test_a_bad_edit_names_every_problem_at_once_and_stores_nothing(app, con, people, mapped):
    at = section(open_page(app, people.manager, mapped), "Impact map")
    before = store.versions(con, mapped)
    at = submit_edit(
        at,
        {0: {"deadweight": "1.2", "proxy": "12.345"}, 1: {"start_year": None, "quantity": "-3"}},
        reason="a slip of the keyboard",
    )
    assert not successes(at)
    (shown,) = errors(at)
    for problem in (
        "outcomes/0/deadweight: 1.2 is not a fraction between 0 and 1",
        "outcomes/0/proxy: 12.345 has more than two decimals",
        "outcomes/1/quantity: -3 is negative",
        "outcomes/1/start_year: is required",
    ):
        assert problem in shown, shown
    assert store.versions(con, mapped) == before
    # The person's edits are still in the table, to be put right.
    assert text(at, "Reason").value == "a slip of the keyboard"


def test_the_manager_values_a_row_with_a_library_proxy_and_saves_it(app, con, people, mapped):
    at = section(open_page(app, people.manager, mapped), "Impact map")
    text(at, "Search the proxy library").input("apprentice").run()
    picked = select(at, "Library proxy")
    code = picked.options[0].split(" · ")[0]
    picked.set_value(code)
    at.number_input[0].set_value(1)
    at = submit_with_table(at, USE, edited={1: {"attribution_why": "Advice service's share"}})
    assert not errors(at), errors(at)
    (editor,) = at.data_editor
    row = editor.value.iloc[1]
    assert row["proxy_code"] == code and pd.isna(row["proxy"]) and row["library_value"]
    assert row["attribution_why"] == "Advice service's share"  # the other edit was kept
    at = submit_edit(at, {1: {"drop_off_why": "Arrears return"}}, reason="a library proxy")
    assert any("saved as version 3" in s for s in successes(at)), (successes(at), errors(at))
    saved = store.read(con, mapped).impact_map.outcomes[1]
    assert saved.proxy_code == code and saved.proxy_source is None


@pytest.mark.parametrize("role", ["auditor", "board"])
def test_auditors_and_board_members_read_the_map_without_an_editor(app, people, mapped, role):
    at = open_page(app, getattr(people, role), mapped)
    assert metrics(at)["Inputs"] == "£6,500.00"
    assert "outcomes/1/attribution has no justification" in warnings(at)
    at = section(at, "Impact map")
    assert not at.exception, at.exception
    assert not at.data_editor
    assert not [b for b in at.button if b.label == SAVE]
    assert not at.get("file_uploader")
    assert list(at.dataframe[0].value["stakeholder"]) == ["Young people", "Families"]
    assert [b.proto.label for b in at.get("download_button")] == ["Download the impact map (JSON)"]


def test_board_members_see_no_names_and_no_ledger_entries(app, people, mapped):
    at = open_page(app, people.board, mapped)
    shown = page_text(at)
    assert "Mo Manager" not in shown
    assert "version 2, saved" in shown
    assert not [o for o in select(at, "Version").options if "Mo Manager" in o]
    at = section(at, "Result")
    assert len(at.dataframe) == 1  # the inputs; no ledger entries
    assert "Mo Manager" not in page_text(at)


def test_the_auditor_sees_who_saved_each_version_and_an_older_one(app, people, mapped):
    at = open_page(app, people.auditor, mapped)
    assert "by Mo Manager: first map" in page_text(at)
    select(at, "Version").set_value(1).run()
    assert "Computed from version 1, saved" in page_text(at)
    assert "draft" in page_text(at)


def test_an_experiment_without_a_map_says_so(app, people, mapped, funded):
    other = funded.experiments["social_venture"]
    at = open_page(app, people.board, other)
    assert [i.value for i in at.info] == ["This experiment has no impact map yet."]
    assert not at.metric
    manager = open_page(app, people.manager, other)
    assert manager.data_editor[0].value.empty  # an empty table to start the first map


def test_the_experiments_with_a_map_come_first(app, people, mapped):
    at = open_page(app, people.manager)
    chosen = select(at, "Experiment")
    assert chosen.options[0].startswith(f"#{mapped} ·")
    assert "Experiments with an impact map (1 of 4) come first" in chosen.help


def page_text(at) -> str:
    """Every caption, message and metric the page shows, Markdown escapes removed."""
    parts = [c.value for c in at.caption] + [m.value for m in at.markdown]
    parts += [w.value for w in at.warning] + [i.value for i in at.info]
    return " ".join(parts).replace("\\", "")


def test_the_portfolio_shows_sroi_by_programme_and_instrument(app, people, mapped):
    at = app(people.board, "pages/portfolio.py")
    assert not at.exception, at.exception
    assert "SROI by programme and instrument" in [s.value for s in at.subheader]
    by_programme, by_instrument = at.dataframe[0].value, at.dataframe[1].value
    assert list(by_programme["programme"]) == ["Young people into work"]
    assert list(by_instrument["instrument"]) == ["Small grant"]
    for table in (by_programme, by_instrument):
        assert table["sroi_ratio"].iloc[0].endswith(" : 1")
        assert table["incomplete"].iloc[0] == 1
    assert "1 impact map is incomplete" in warnings(at)
