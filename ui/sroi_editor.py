"""The SROI page's impact map: a fund manager edits it as a table and saves a new version,
values rows with proxies from the library, or imports a file; everyone may download it.

The table is a draft kept for the version it was drawn from: valuing a row with a library
proxy sends the table's edits with it, so nothing typed is lost, and saving starts from the
saved version again. Every cell goes to the service as typed; the service checks the map
whole and names every problem at once, under the form, and stores nothing until all are
put right.
"""

from __future__ import annotations

import json

import duckdb
import pandas as pd
import streamlit as st

from fund import labels
from fund.auth import User
from fund.money import format_gbp
from fund.sroi import impact_file, proxies, report, service, views
from fund.sroi.discount import FLAT
from fund.sroi.model import DEDUCTIONS
from fund.sroi.report import Report
from ui import format, forms, session

SAVE, USE = "Save as a new version", "Value the row with this proxy"
_FRACTION = "A fraction from 0 to 1, e.g. 0.25"
_WHY = "One line: where the figure comes from. Zero is allowed, silence is not."


def _config() -> dict:
    config = {
        "_index": st.column_config.NumberColumn("Row"),
        "stakeholder": st.column_config.TextColumn("Stakeholder", required=True),
        "outcome": st.column_config.TextColumn("Outcome", required=True),
        "indicator": st.column_config.TextColumn("Indicator", required=True),
        "quantity": st.column_config.TextColumn("Quantity", help="How many, e.g. 20"),
        "proxy_code": st.column_config.TextColumn(
            "Proxy code", help="A code of the proxy library (use the picker below)"
        ),
        views.LIBRARY_VALUE: st.column_config.TextColumn(
            labels.heading(views.LIBRARY_VALUE),
            disabled=True,
            help="The library proxy's value in the map's price year, as last saved or picked",
        ),
        "proxy": st.column_config.TextColumn(
            "Typed proxy (£)", help="£ per unit, e.g. 5000.00; leave blank with a proxy code"
        ),
        "proxy_source": st.column_config.TextColumn(
            "Source of typed proxy", help="Where a typed value comes from"
        ),
        "duration_years": st.column_config.TextColumn("Duration (years)", help="1 to 100"),
        "start_year": st.column_config.SelectboxColumn(
            "Start year", options=["1", "2"], help="1: the year of the activity; 2: the next"
        ),
        "ranges": st.column_config.TextColumn(
            "Sensitivity ranges (JSON)",
            help='e.g. {"quantity": {"low": "15", "high": "25", "distribution": "pert"}}',
        ),
    }
    for deduction in DEDUCTIONS:
        name = labels.heading(deduction)
        config[deduction] = st.column_config.TextColumn(name, help=_FRACTION)
        config[f"{deduction}_why"] = st.column_config.TextColumn(f"{name}: why", help=_WHY)
    return config


def section(con: duckdb.DuckDBPyConnection, user: User, experiment_id: int, found: Report | None):
    """The map as the person may use it: editable for a fund manager, read-only otherwise."""
    if found is not None:
        _download(con, user, found)
    if not views.editable(con, user):
        _read_only(found)
        return
    _editor(con, user, experiment_id, found)
    with st.expander("Import a file as a new version"):
        _import(experiment_id)


def _read_only(found: Report | None) -> None:
    if found is None:
        st.caption("No impact map to show: a fund manager has not written one yet.")
        return
    format.table(views.editor_rows(found.impact_map).drop(columns=[views.LIBRARY_VALUE]))
    st.caption(
        "Each outcome's proxy is a library code (valued in the map's price year) or a typed"
        " value with its source; fractions are 0 to 1."
    )


def _download(con: duckdb.DuckDBPyConnection, user: User, found: Report) -> None:
    version = found.stored.version
    document = report.export(con, user, found.experiment.experiment_id, version)
    st.download_button(
        "Download the impact map (JSON)",
        json.dumps(document, indent=2, ensure_ascii=False),
        file_name=f"impact-map-experiment-{found.experiment.experiment_id}-v{version}.json",
        mime="application/json",
        icon=":material/download:",
        key="sroi-download",
    )


# --- the editor ------------------------------------------------------------------------------


def _editor(con: duckdb.DuckDBPyConnection, user: User, experiment_id: int, found: Report | None):
    price_year = found.impact_map.price_year if found is not None else None
    library = _library(con, user, price_year)
    draft = _draft(experiment_id, found)
    with forms.Form(f"sroi-map-{experiment_id}", (SAVE, USE)) as form:
        st.caption(
            "One outcome per row; rows are numbered as problems name them (outcomes/0 is the"
            " first). Amounts and fractions as typed; a wholly blank row is ignored."
        )
        rows = st.data_editor(
            draft["rows"],
            key=form.key(f"outcomes-{draft['version']}-{draft['n']}"),
            num_rows="dynamic",
            width="stretch",
            hide_index=False,
            placeholder="",  # an empty cell, not "None"
            column_config=_config(),
        )
        settings = _settings(con, user, form, found)
        reason = st.text_input("Reason", key=form.key("reason"))
        row, code = _picker(form, library)
    if form.pressed == USE:
        _use(experiment_id, draft, rows, row, code, library)
    elif form.pressed == SAVE:
        document = views.document(rows, **settings)
        form.write(
            service.save_document, experiment_id=experiment_id, document=document, reason=reason
        )


def _draft(experiment_id: int, found: Report | None) -> dict:
    """The table being edited: the shown version's outcomes until a proxy is picked, then
    the table as it stood with that proxy in it."""
    version = found.stored.version if found is not None else 0
    draft = st.session_state.get(f"sroi-draft:{experiment_id}")
    if draft is None or draft["version"] != version:
        impact_map = found.impact_map if found is not None else None
        draft = {"version": version, "rows": views.editor_rows(impact_map), "n": 0}
    return draft


def _settings(con, user, form: forms.Form, found: Report | None) -> dict:
    """Discount schedule (or flat rate), whether year 1 is discounted, and the price year."""
    discount = found.impact_map.discount if found is not None else None
    names = views.schedule_names(con, user)
    current = discount.schedule if discount is not None else names[0]
    left, middle, right, last = st.columns(4)
    schedule = left.selectbox(
        "Discount schedule",
        names,
        index=names.index(current) if current in names else 0,
        format_func=lambda n: "A flat rate" if n == FLAT else n,
        key=form.key("schedule"),
    )
    rate = middle.text_input(
        "Flat rate (a fraction)",
        str(discount.rate) if discount is not None and discount.rate is not None else "",
        help="Only with a flat rate, e.g. 0.035",
        key=form.key("rate"),
    )
    price_year = right.text_input(
        "Price year",
        found.impact_map.price_year if found is not None else "",
        help="A financial year such as 2024/25; blank: the newest the deflator covers",
        key=form.key("price-year"),
    )
    first = last.checkbox(
        "Discount year 1",
        discount.first_year_discounted if discount is not None else True,
        help="The Guide's convention (year 1 has t = 1); untick for the Green Book's t = 0",
        key=form.key("first-year"),
    )
    return {
        "schedule": schedule,
        "rate": rate,
        "first_year_discounted": first,
        "price_year": price_year,
    }


# --- the proxy picker --------------------------------------------------------------------------


def _library(con: duckdb.DuckDBPyConnection, user: User, price_year: str | None) -> pd.DataFrame:
    """Search the library; the matches, each with its value as its source gives it and
    restated to the map's price year, side by side."""
    search = st.text_input(
        "Search the proxy library",
        key="sroi-proxy-search",
        placeholder="e.g. apprenticeship, homelessness, GP visit",
    )
    found = proxies.library(con, user, search=search or None, price_year=price_year)
    shown = ["code", "description", "unit", "value", "price_year", "restated", "restated_year"]
    with st.expander(f"{format.count(len(found), 'proxy', 'proxies')} in the library match"):
        format.table(found[[*shown, "source"]], height=300)
    return found


def _picker(form: forms.Form, library: pd.DataFrame) -> tuple[int, str | None]:
    """Which row to value with which library proxy (the search above narrows the list)."""
    st.write("Value a row with a proxy from the library")
    left, right = st.columns([1, 5])
    row = left.number_input("Row", min_value=0, step=1, key=form.key("picker-row"))
    restated = dict(zip(library["code"], library["restated"], strict=True))
    described = dict(zip(library["code"], library["description"], strict=True))
    code = right.selectbox(
        "Library proxy",
        list(library["code"]),
        index=None,
        placeholder="Type to search the matches",
        format_func=lambda c: f"{c} · {described[c]} · {format_gbp(restated[c])}",
        key=form.key("picker-proxy"),
    )
    return int(row), code


def _use(
    experiment_id: int,
    draft: dict,
    rows: pd.DataFrame,
    row: int,
    code: str | None,
    library: pd.DataFrame,
) -> None:
    """Put the picked proxy into the row, keeping every other edit, and draw the table again."""
    problem = _picked_wrong(rows, row, code)
    if problem is not None:
        st.error(format.plain(problem))
        return
    restated = library.set_index("code").loc[code, "restated"]
    table = views.with_proxy(rows.reset_index(drop=True), row, code, restated)
    st.session_state[f"sroi-draft:{experiment_id}"] = {
        "version": draft["version"],
        "rows": table,
        "n": draft["n"] + 1,
    }
    st.rerun()


def _picked_wrong(rows: pd.DataFrame, row: int, code: str | None) -> str | None:
    if code is None:
        return "Library proxy: choose one to value the row with"
    if row >= len(rows):
        return f"Row: {row} is not a row of the table (0 to {len(rows) - 1})"
    return None


# --- importing a file ----------------------------------------------------------------------------


def _import(experiment_id: int) -> None:
    with forms.Form(f"sroi-import-{experiment_id}", "Import as a new version") as form:
        st.caption(
            "An impact map file (DESIGN.md §4): JSON, or a CSV with one outcome per row. It is"
            " checked whole; every problem is named and nothing is stored until all are put"
            " right. Its inputs are not used: they come from the ledger."
        )
        upload = st.file_uploader("Impact map file", type=["json", "csv"], key=form.key("file"))
        reason = st.text_input("Reason", key=form.key("reason"))
    if form.submitted:
        if upload is None:
            st.error("Impact map file: choose a JSON or CSV file")
            return
        text = session.attempt(impact_file.decode, upload.getvalue())
        if text is not None:
            form.write(
                service.import_impact_map,
                experiment_id=experiment_id,
                text=text,
                suffix="." + upload.name.rsplit(".", 1)[-1],
                reason=reason,
            )
