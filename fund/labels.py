"""The words people read: column headings, coded values, the figures of the position, dates.

One place for the app, the CLI and the exports, so that a figure has one name wherever it is
shown: on the Portfolio page, in the table of what a write changed, in `fund position` and in
a downloaded spreadsheet. The database and JSON keep codes ("small_grant", "2025-01-14");
only what people read goes through here.

This module imports nothing of the fund but :mod:`fund.money`, so any module may use it
(the registers of instruments, phases and routes included) without an import cycle.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import pandas as pd
import pyarrow as pa

from fund.money import format_gbp

# Dates on screen; files keep ISO dates (CSV) or real dates (Excel).
DATE = "%d/%m/%Y"
TIME = "%d/%m/%Y %H:%M"  # always UTC; headings of time columns say so
# The same, for Streamlit's grid (momentJS tokens).
GRID_DATE = "DD/MM/YYYY"
GRID_TIME = "DD/MM/YYYY HH:mm"

# The figures of the position, in the order they are shown, and what each one means. The
# Portfolio page, `fund position` and the table of what a write changed all name them so.
FIGURES = {
    "ring_fence": "Ring-fence size",
    "allocated": "Allocated",
    "committed": "Committed",
    "paid": "Paid",
    "recovered": "Recovered",
    "written_off": "Written off",
    "outstanding": "Outstanding",
    "available": "Available",
    "headroom": "Headroom",
    "match_funding": "Match funding",
    "leverage": "Leverage",
}
FIGURE_HELP = {
    "ring_fence": "Declared, after virements",
    "allocated": "Given to programmes",
    "committed": "Awarded, contracted, invested",
    "paid": "Disbursed to date",
    "recovered": "Clawed back or repaid",
    "written_off": "Paid out, not coming back",
    "outstanding": "Committed, not yet paid",
    "available": "Allocated, not yet committed",
    "headroom": "Ring-fence not yet allocated",
    "match_funding": "Partners' cash and in kind",
    "leverage": "Partner match funding for each £1 of public money committed",
}

# Column names as people say them. A column not listed is its name in words, and an id
# column ("programme_id") is the thing's heading and "#" ("Programme #").
HEADINGS = {
    **FIGURES,
    "ringfence": "Ring-fence",
    "ringfence_id": "Ring-fence #",
    "risk_rating": "Risk rating",
    "official": "Responsible official",
    "user_involvement": "Service-user involvement",
    "match_cash": "Match funding (cash)",
    "match_in_kind": "Match funding (in kind)",
    "cumulative_committed": "Committed to date",
    "cumulative_paid": "Paid to date",
    "declared_amount": "Declared",
    "seq": "Row #",
    "entity_id": "Record #",
    "audit_seq": "Audit row #",
    "reverses": "Reverses entry #",
    "reversed_by": "Reversed by entry #",
    "value_date": "Value date",
    "recorded_at": "Recorded at (UTC)",
    "requested_at": "Requested at (UTC)",
    "moved_at": "Moved at (UTC)",
    "created_at": "Created (UTC)",
    "last_sign_in": "Last sign-in (UTC)",
    "locked_until": "Locked until (UTC)",
    "display_name": "Name",
    "username": "User name",
    # SROI (DESIGN.md §4)
    "present_value": "Present value",
    "net_present_value": "Net present value",
    "sroi_ratio": "SROI ratio",
    "net_sroi_ratio": "Net SROI ratio",
    "payback_months": "Payback (months)",
    "price_year": "Price year",
    "impact_maps": "Experiments with a map",
    "outcome_row": "Outcome",
    "incomplete": "Incomplete maps",
    "without_inputs": "Maps without inputs",
    "price_years": "Price years",
    "proxy_code": "Proxy code",
    "proxy_source": "Proxy source",
    "library_value": "Library value (£)",
    "duration_years": "Duration (years)",
    "drop_off": "Drop-off",
    "restated": "Restated value",
    "restated_year": "Restated to",
    # Small grants (issue 14)
    "recipient_id": "Organisation identifier",
    "applicant_type": "Applicant type",
    "report_due": "Report due",
    "out_of_range": "Outside the range",
    "above_limit": "Above the delegated limit",
    "min_amount": "Smallest grant",
    "max_amount": "Largest grant",
    "file_name": "File",
    # Experimental zones (issue 15)
    "area_name": "Area",
    "area_code": "Area code (ONS)",
    "comparison_areas": "Comparison areas",
    "waivers_in_force": "Waivers in force",
    "legal_basis": "Legal basis",
    "renews": "Renews waiver #",
    "renewed_by": "Renewed by waiver #",
    "days_left": "Days to expiry",
    # Social venture investments (issue 16)
    "paid_in": "Paid in",
    "residual_value": "Residual value",
    "residual_on": "Residual value as at",
    "dpi": "DPI",
    "rvpi": "RVPI",
    "tvpi": "TVPI",
    "irr": "IRR",
    "irr_reason": "No IRR because",
    "investment_type": "Type",
    "follow_on_reserve": "Follow-on reserve",
    "interest_rate": "Interest rate (% a year)",
    "stake": "Stake (%)",
    "every_months": "Every (months)",
    "grace_months": "Grace (months)",
    "covered": "Covered by repayments",
    "due_to_date": "Due to date",
    "repaid_against_schedule": "Repaid against the schedule",
    "instalments_overdue": "Instalments overdue",
    "overdue_since": "Overdue since",
    "next_due": "Next due",
    "valued_on": "Valued on",
    "cumulative": "Cumulative net cash flow",
}

# Columns where an empty cell means it has not happened yet.
NEVER = {"last_sign_in": "never"}


def words(code: object) -> str:
    """'civil_society' → 'Civil society'."""
    return str(code).replace("_", " ").capitalize()


def heading(column: str) -> str:
    """'value_date' → 'Value date', 'experiment_id' → 'Experiment #'."""
    if column in HEADINGS:
        return HEADINGS[column]
    if column.endswith("_id"):
        return f"{heading(column.removesuffix('_id'))} #"
    return words(column).replace("ingfence", "ing-fence")  # Ring-fence, to ring-fence


# --- coded values ---------------------------------------------------------------------------

INSTRUMENTS = {
    "small_grant": "Small grant",
    "experimental_zone": "Experimental zone",
    "pbr_contract": "Payment-by-results contract",
    "social_venture": "Social venture investment",
}
PHASES = {
    0: "0 latent",
    1: "1 design & discovery",
    2: "2 mobilisation",
    3: "3 mainstream",
    4: "4 embedding",
}
SCALING_ROUTES = {
    "uncontrolled_diffusion": "Uncontrolled diffusion",
    "direct_diffusion": "Direct diffusion by a parent organisation "
    "(federation, licence, franchise)",
    "takeover": "Takeover by an existing organisation",
    "organisational_growth": "Growth of the owning organisation",
}
KINDS = {"ringfence_virement": "Ring-fence virement", "write_off": "Write-off"}


def _coded(table: Mapping) -> Callable[[object], str]:
    """A label from ``table``, or the value in words when it is not a code (already a label)."""
    return lambda code: table.get(str(code), words(code))


def phase(code: object) -> str:
    """'3' or 3 → '3 mainstream'; a label already made is left as it is."""
    text = str(code)
    return PHASES[int(text)] if text.isdigit() and int(text) in PHASES else text


VALUES: dict[str, Callable[[object], str]] = {
    "instrument": _coded(INSTRUMENTS),
    "phase": phase,
    "from_phase": phase,
    "to_phase": phase,
    "risk_rating": words,
    "user_involvement": words,
    "scaling_route": _coded(SCALING_ROUTES),
    "sector": words,
    "role": words,
    "kind": _coded(KINDS),
    "outcome": words,
    "applicant_type": words,
    "investment_type": words,
    "basis": words,
}


def value(column: str, code: object) -> str:
    """A coded value as people say it: value("kind", "write_off") → 'Write-off'."""
    return VALUES[column](code) if column in VALUES else str(code)


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with coded values (instrument, phase, kind…) replaced by their labels."""
    changes = {
        column: frame[column].map(lambda v, f=f: None if pd.isna(v) else f(v))
        for column, f in VALUES.items()
        if column in frame.columns and frame[column].dtype != "float64"
    }
    return frame.assign(**changes) if changes else frame


def for_people(frame: pd.DataFrame) -> pd.DataFrame:
    """What a person reads: coded values as labels, columns under their headings."""
    return readable(frame).rename(columns=heading)


# --- kinds of column ------------------------------------------------------------------------


def _arrow(series: pd.Series) -> pa.DataType | None:
    dtype = series.dtype
    return dtype.pyarrow_dtype if isinstance(dtype, pd.ArrowDtype) else None


def is_money(series: pd.Series) -> bool:
    """Money arrives from DuckDB as an Arrow decimal to the penny (DECIMAL(18,2)), so that it
    stays exact; other decimals (a rate or a stake in per cent, to four places) are not."""
    kind = _arrow(series)
    return kind is not None and pa.types.is_decimal(kind) and kind.scale == 2


def is_date(series: pd.Series) -> bool:
    kind = _arrow(series)
    return kind is not None and pa.types.is_date(kind)


def is_time(series: pd.Series) -> bool:
    kind = _arrow(series)
    return (kind is not None and pa.types.is_timestamp(kind)) or pd.api.types.is_datetime64_dtype(
        series.dtype
    )


def when(value: object, column: str = "") -> str:
    """A date as 14/01/2025, a time as 14/01/2025 09:30; missing as 'never' where that is
    what an empty cell means, else blank."""
    if value is None or value is pd.NA or value is pd.NaT or value != value:  # NaN
        return NEVER.get(column, "")
    if isinstance(value, datetime):
        return value.strftime(TIME)
    if isinstance(value, date):
        return value.strftime(DATE)
    return str(value)


def figure(name: str, value: Decimal | None) -> str:
    """A headline figure as shown: £1,234.56, or leverage as '£2.00 per £1'."""
    return leverage(value) if name == "leverage" else format_gbp(value)


def ratio(value: float | None) -> str:
    """An SROI ratio as the Guide writes it, '2.74 : 1'; '–' while there are no inputs."""
    return "–" if value is None or value != value else f"{value:,.2f} : 1"


def leverage(value: Decimal | None) -> str:
    """'£2.00 per £1', or '–' while nothing is committed."""
    return "–" if value is None else f"£{value} per £1"


# --- an audit row's details -----------------------------------------------------------------

_MONEY_KEYS = {"amount", "declared_amount", "delegated_limit", "match_cash", "match_in_kind"}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
SEPARATOR = " · "


def details(document: str, names: Mapping[str, str] | None = None) -> str:
    """An audit row's recorded request in words: 'Role: Board member · Amount: £3,000.00 ·
    Programme: Youth services'. ``names`` gives the name of each id it holds, by key
    ({"programme_id": "Youth services"}); an id without one reads 'Entry: #189'."""
    values = _json(document)
    if not isinstance(values, dict):
        return str(document)
    return SEPARATOR.join(_field(key, value, names or {}) for key, value in _present(values))


def _json(document: object) -> object:
    try:
        return json.loads(document) if isinstance(document, str) else document
    except ValueError:
        return document


def _present(values: dict) -> list[tuple[str, object]]:
    return [(k, v) for k, v in values.items() if v not in (None, "None", "", [], {})]


def _field(key: str, value: object, names: Mapping[str, str]) -> str:
    if key.endswith("_id"):
        label = heading(key.removesuffix("_id"))
        return f"{label}: {names[key]}" if key in names else f"{label}: #{value}"
    return f"{heading(key)}: {_value(key, value)}"


def _value(key: str, value: object) -> str:
    """One recorded value in words: money in £, dates as DD/MM/YYYY, codes as labels."""
    if isinstance(value, list):
        return "; ".join(_item(item) for item in value)
    if key in _MONEY_KEYS:
        return _pounds(value)
    if key in VALUES:
        return VALUES[key](value)
    text = str(value)
    if _ISO_DATE.fullmatch(text):
        return date.fromisoformat(text).strftime(DATE)
    return {"true": "yes", "false": "no", "True": "yes", "False": "no"}.get(text, text)


def _item(item: object) -> str:
    """One entry of a recorded list: a partner as 'Youth Trust (Sector: Civil society, …)'."""
    if not isinstance(item, dict):
        return str(item)
    shown = [(k, v) for k, v in _present(item) if k != "name" and not _nothing(k, v)]
    rest = ", ".join(f"{heading(k)}: {_value(k, v)}" for k, v in shown)
    return f"{item.get('name', '')} ({rest})".strip() if rest else str(item.get("name", ""))


def _nothing(key: str, value: object) -> bool:
    """A zero amount inside a listed item ("Match funding (cash): £0.00") says nothing."""
    return key in _MONEY_KEYS and _pounds(value) == "£0.00"


def _pounds(value: object) -> str:
    try:
        return format_gbp(Decimal(str(value)))
    except InvalidOperation:
        return str(value)
