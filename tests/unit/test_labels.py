"""One place for the words people read: headings, coded values, figures, dates, details."""

from dataclasses import fields
from datetime import date, datetime
from decimal import Decimal

import pandas as pd
import pytest

from fund import labels, portfolio
from fund.auth import Role
from fund.lifecycle import ScalingRoute
from fund.register import Instrument, Phase, phase_label


def test_every_headline_figure_has_one_name_and_a_meaning():
    names = [f.name for f in fields(portfolio.Headline)]
    assert list(labels.FIGURES) == names
    assert list(labels.FIGURE_HELP) == names


def test_a_figure_is_headed_by_its_name_in_every_table():
    for name, shown in labels.FIGURES.items():
        assert labels.heading(name) == shown
    # The ring-fence's size and the ring-fence (its name) are told apart.
    assert labels.heading("ring_fence") == "Ring-fence size"
    assert labels.heading("ringfence") == "Ring-fence"


@pytest.mark.parametrize(
    ("column", "shown"),
    [
        ("value_date", "Value date"),
        ("recorded_at", "Recorded at (UTC)"),
        ("experiment_id", "Experiment #"),
        ("from_programme_id", "From programme #"),
        ("ringfence_id", "Ring-fence #"),
        ("to_ringfence", "To ring-fence"),
        ("reversed_by", "Reversed by entry #"),
        ("counterparty", "Counterparty"),
    ],
)
def test_columns_are_headed_in_words(column, shown):
    assert labels.heading(column) == shown


def test_the_coded_values_match_the_registers_they_label():
    assert {i.value: i.label for i in Instrument} == labels.INSTRUMENTS
    assert {p.value: phase_label(p) for p in Phase} == labels.PHASES
    assert {r.value: r.label for r in ScalingRoute} == labels.SCALING_ROUTES


@pytest.mark.parametrize(
    ("column", "code", "shown"),
    [
        ("instrument", "pbr_contract", "Payment-by-results contract"),
        ("instrument", "Payment-by-results contract", "Payment-by-results contract"),
        ("phase", 3, "3 mainstream"),
        ("phase", "3 mainstream", "3 mainstream"),
        ("kind", "ringfence_virement", "Ring-fence virement"),
        ("kind", "write_off", "Write-off"),
        ("kind", "disbursement", "Disbursement"),
        ("role", Role.BOARD_MEMBER, "Board member"),
        ("sector", "civil_society", "Civil society"),
        ("reason", "as typed", "as typed"),
    ],
)
def test_codes_read_as_labels_and_labels_stay_as_they_are(column, code, shown):
    assert labels.value(column, code) == shown


def test_a_frame_for_people_has_headings_and_labels_and_keeps_its_values():
    frame = pd.DataFrame({"kind": ["write_off", None], "amount": [Decimal("1.00"), None]})

    shown = labels.for_people(frame)

    assert list(shown.columns) == ["Kind", "Amount"]
    assert shown["Kind"].iloc[0] == "Write-off"
    assert pd.isna(shown["Kind"].iloc[1])
    assert shown["Amount"].tolist()[0] == Decimal("1.00")


def test_dates_read_day_month_year_and_a_missing_sign_in_reads_never():
    assert labels.when(date(2025, 1, 14)) == "14/01/2025"
    assert labels.when(datetime(2025, 1, 14, 9, 5, 59)) == "14/01/2025 09:05"
    assert labels.when(pd.Timestamp("2025-01-14 09:05")) == "14/01/2025 09:05"
    assert labels.when(None, "last_sign_in") == "never"
    assert labels.when(pd.NaT, "last_sign_in") == "never"
    assert labels.when(None, "reversed_by") == ""


def test_leverage_reads_pounds_per_pound_or_a_dash():
    assert labels.leverage(Decimal("2.00")) == "£2.00 per £1"
    assert labels.leverage(None) == "–"


def test_audit_details_read_in_words_with_names_money_and_dates():
    document = (
        '{"amount":"3000.00","programme_id":"2","role":"board_member",'
        '"value_date":"2025-01-14","entry_id":"189","demo":"true","phase":3}'
    )

    said = labels.details(document, {"programme_id": "Youth services"})

    assert said == (
        "Amount: £3,000.00 · Programme: Youth services · Role: Board member"
        " · Value date: 14/01/2025 · Entry: #189 · Demo: yes · Phase: 3 mainstream"
    )


def test_a_list_in_the_details_reads_as_named_items_without_zero_amounts():
    document = (
        '{"partners":[{"match_cash":"0.00","match_in_kind":"1500.00","name":"Uni",'
        '"role":"evaluator","sector":"university"}],"from_ringfence_id":"None"}'
    )

    assert labels.details(document) == (
        "Partners: Uni (Match funding (in kind): £1,500.00, Role: Evaluator, Sector: University)"
    )


@pytest.mark.parametrize("document", ["not {json", "[1, 2]", '"text"'])
def test_details_that_are_not_an_object_are_shown_as_they_are(document):
    assert labels.details(document) == document


def test_negative_money_in_details_reads_minus_pounds():
    assert labels.details('{"amount":"-18150.00"}') == "Amount: -£18,150.00"
