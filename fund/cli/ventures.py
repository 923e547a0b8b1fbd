"""`fund ventures`: social venture investments. Their terms (a loan with its repayment
schedule, an equity stake or a recoverable grant), their valuations, a loan's schedule and
arrears, and the venture metrics per investment, programme and the fund.

The money itself stays on the ledger: a drawdown is `fund pay`, a repayment or
distribution `fund recover`, a loss `fund write-off`. Nothing here computes a figure; the
metrics are :mod:`fund.ventures.metrics`'s, printed.
"""

from __future__ import annotations

import click
import pandas as pd

from fund import register
from fund.cli.output import emit_json, json_option, records, render_table, show
from fund.cli.session import Session, pass_session
from fund.cli.writes import (
    AMOUNT_SETTINGS,
    as_document,
    idempotency_key,
    perform_write,
    write_options,
)
from fund.errors import ValidationError
from fund.money import format_gbp
from fund.pbr.contracts import parse_date
from fund.ventures import metrics, queries, terms, valuations

# What a table for people shows; --json gives every column.
_INVESTMENT_COLUMNS = ["commitment_id", "experiment", "counterparty", "investment_type"]
_INVESTMENT_COLUMNS += ["committed", "paid_in", "distributions", "written_off"]
_INVESTMENT_COLUMNS += ["follow_on_reserve", "principal", "interest_rate", "stake", "official"]
_VALUATION_COLUMNS = ["valuation_id", "commitment_id", "experiment", "valued_on", "value"]
_VALUATION_COLUMNS += ["basis", "recorded_by"]
_SCHEDULE_COLUMNS = ["commitment_id", "number", "due_on", "principal", "interest", "amount"]
_SCHEDULE_COLUMNS += ["covered", "status"]
_ARREARS_COLUMNS = ["commitment_id", "experiment", "due_to_date", "repaid_against_schedule"]
_ARREARS_COLUMNS += ["arrears", "instalments_overdue", "overdue_since", "days_overdue", "next_due"]
# The metrics of one level, in the order --json gives them.
_FIGURES = ["paid_in", "distributions", "written_off", "residual_value", "net_cash_flow"]
_FIGURES += ["dpi", "rvpi", "tvpi", "irr", "irr_reason", "valued_on", "basis", "residual_on"]
_LEVELS = {
    "investments": ["commitment_id", "programme_id", *_FIGURES],
    "programmes": ["programme_id", "investments", *_FIGURES],
    "fund": ["investments", *_FIGURES],
}
# The options that only a loan's terms, or only equity's, take.
_LOAN_ONLY = ("principal", "rate", "start", "instalments", "every", "grace")
_EQUITY_ONLY = ("stake",)


def _shown(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The columns for people that the reader may see (officials' names may be left out)."""
    return table[[c for c in columns if c in table.columns]]


def _as_of(given: str | None):
    return None if given is None else parse_date(given, "--as-of")


def _code(value: str | None) -> str | None:
    """A coded choice as typed on a command line ('recoverable-grant') as the services take
    it ('recoverable_grant'); anything else reaches the service, which refuses it."""
    return None if value is None else value.strip().lower().replace("-", "_")


_AS_OF = click.option(
    "--as-of",
    metavar="YYYY-MM-DD",
    help="As the ventures stood at the end of this day (default today).",
)


@click.group("ventures")
def ventures_group() -> None:
    """Social venture investments: terms on a commitment (loan, equity or recoverable grant),
    valuations, a loan's schedule and arrears, and paid-in, distributions, residual value,
    DPI, RVPI, TVPI and IRR. Move their money with 'fund pay', 'fund recover' and
    'fund write-off'."""


# --- writes ---------------------------------------------------------------------------------


@ventures_group.command("terms", context_settings=AMOUNT_SETTINGS)
@click.option("--commitment", "commitment_id", required=True, metavar="ID", help="The commitment.")
@click.option("--type", "investment_type", required=True, help="loan, equity or recoverable-grant.")
@click.option(
    "--principal", metavar="AMOUNT", help="A loan's principal (default: what is committed)."
)
@click.option("--rate", metavar="PERCENT", help="A loan's interest rate, per cent a year.")
@click.option("--start", metavar="YYYY-MM-DD", help="The day a loan starts.")
@click.option("--instalments", metavar="N", help="How many instalments repay a loan.")
@click.option("--every", metavar="MONTHS", help="Months between instalments: 1, 3, 6 or 12.")
@click.option("--grace", metavar="MONTHS", help="Months before the first instalment's period.")
@click.option("--stake", metavar="PERCENT", help="Equity's stake, per cent of the venture held.")
@click.option("--reserve", metavar="AMOUNT", help="Set aside for follow-on rounds (default 0).")
@write_options
@pass_session
def terms_command(
    session: Session, commitment_id, investment_type, reserve, key, as_json, reason, **given
) -> None:
    """Record an investment's terms on a social venture investment's commitment, once
    (fund manager): a loan's principal, interest rate, start, instalments, months between
    them and grace period, whose repayment schedule is recorded with them and printed; an
    equity stake; or a recoverable grant. Any of them may set aside a follow-on reserve."""
    kind = _code(investment_type)
    _only_for_its_type(kind, given)
    recorded = terms.InvestmentTerms(
        commitment_id=commitment_id,
        investment_type=kind,
        follow_on_reserve=reserve or "0",
        principal=given["principal"],
        interest_rate=given["rate"],
        starts_on=given["start"],
        grace_months=given["grace"] or 0,
        instalments=given["instalments"],
        every_months=given["every"],
        stake=given["stake"],
    )
    if as_json:
        key, _ = idempotency_key(key)
        con, user = session.open()
        written = terms.record_terms(con, user, recorded, key=key, reason=reason)
        loan = queries.schedule(con, user, written.entity_id) if kind == "loan" else None
        extra = {} if loan is None else {"schedule": records(loan[_SCHEDULE_COLUMNS[1:6]])}
        emit_json(as_document(written, key) | extra)
        return
    written = perform_write(
        session, terms.record_terms, key=key, as_json=False, terms=recorded, reason=reason
    )
    if kind == "loan":
        loan = queries.schedule(*session.open(), written.entity_id)
        click.echo("\nRepayment schedule:")
        click.echo(render_table(loan[_SCHEDULE_COLUMNS[1:6]]))


def _only_for_its_type(kind: str | None, given: dict[str, object]) -> None:
    """Refuse a loan's options on equity or a grant, and a stake on anything but equity (an
    unknown type is left for the service to name)."""
    if kind not in terms.TYPES:
        return
    misplaced = [
        *(name for name in _LOAN_ONLY if kind != "loan" and given[name] is not None),
        *(name for name in _EQUITY_ONLY if kind != "equity" and given[name] is not None),
    ]
    if misplaced:
        name = misplaced[0]
        owner = "a loan" if name in _LOAN_ONLY else "equity"
        raise ValidationError(
            f"--{name}", f"is for {owner}'s terms, not a {kind.replace('_', ' ')}'s"
        )


@ventures_group.command("value", context_settings=AMOUNT_SETTINGS)
@click.option("--commitment", "commitment_id", required=True, metavar="ID", help="The investment.")
@click.option("--on", "valued_on", required=True, metavar="YYYY-MM-DD", help="The day valued.")
@click.option("--value", required=True, metavar="AMOUNT", help="What it was worth that day.")
@click.option(
    "--basis", required=True, help="cost, last-round, written-down or written-off (value 0)."
)
@write_options
@pass_session
def value_command(session: Session, basis, key, as_json, **valuation) -> None:
    """Record what an investment was worth on a day, and on what basis (fund manager). No
    money moves; a later valuation supersedes it, and the metrics' residual value starts
    from the latest."""
    perform_write(
        session,
        valuations.record_valuation,
        key=key,
        as_json=as_json,
        basis=_code(basis),
        **valuation,
    )


# --- reads ----------------------------------------------------------------------------------


@ventures_group.command("list")
@json_option
@pass_session
def list_command(session: Session, as_json) -> None:
    """Every investment with its terms and its money on the ledger: committed, paid in,
    distributions, written off and the follow-on reserve. Board members see no officials'
    names."""
    table = queries.investments(*session.open())
    show(
        table if as_json else _percents(_shown(table, _INVESTMENT_COLUMNS)), as_json, "investments"
    )


def _percents(table: pd.DataFrame) -> pd.DataFrame:
    """The interest rate and the stake as 12.5 (their headings say per cent), not as money."""
    return table.assign(
        **{
            name: [None if pd.isna(v) else f"{v.normalize():f}" for v in table[name].tolist()]
            for name in ("interest_rate", "stake")
        }
    )


@ventures_group.command("valuations")
@click.option("--commitment", "commitment_id", metavar="ID", help="Only this investment's.")
@json_option
@pass_session
def valuations_command(session: Session, commitment_id, as_json) -> None:
    """Every valuation, oldest first, with its basis and who recorded it (not for board
    members)."""
    table = queries.valuations(*session.open(), commitment_id)
    show(table if as_json else _shown(table, _VALUATION_COLUMNS), as_json, "valuations")


@ventures_group.command("schedule")
@click.argument("loan", required=False)
@_AS_OF
@json_option
@pass_session
def schedule_command(session: Session, loan, as_of, as_json) -> None:
    """Every loan's instalments (or LOAN's), what repayments have covered of each, oldest
    first, and whether it is paid, overdue or to come; then each loan's arrears: what fell
    due, what was repaid against it, the arrears, since when and the next instalment due."""
    con, user = session.open()
    day = _as_of(as_of)
    instalments = queries.schedule(con, user, loan, as_of=day)
    owed = queries.arrears(con, user, as_of=day)
    if loan is not None:
        owed = owed[owed["commitment_id"] == register.parse_id(loan, "commitment")]
    if as_json:
        emit_json({"schedule": records(instalments), "arrears": records(owed)})
        return
    click.echo(render_table(_shown(instalments, _SCHEDULE_COLUMNS)))
    click.echo("\nArrears:")
    click.echo(render_table(_shown(owed, _ARREARS_COLUMNS)))


@ventures_group.command("metrics")
@_AS_OF
@json_option
@pass_session
def metrics_command(session: Session, as_of, as_json) -> None:
    """Paid-in, distributions, residual value, DPI, RVPI, TVPI and IRR of every investment,
    programme and the whole fund, as at a day. The IRR is the rate of the dated flows with
    the residual value as a final flow (XIRR); where there is none, irr_reason says why.
    --json: {"as_of", "investments", "programmes", "fund"}, money as decimal strings."""
    found = metrics.metrics(*session.open(), as_of=_as_of(as_of))
    levels = {
        "investments": _level(found.investments, "investments"),
        "programmes": _level(found.programmes, "programmes"),
        "fund": _level(found.fund.to_frame().T, "fund"),
    }
    if as_json:
        emit_json(
            {
                "as_of": found.as_of,
                "investments": records(levels["investments"]),
                "programmes": records(levels["programmes"]),
                "fund": records(levels["fund"])[0],
            }
        )
        return
    click.echo(f"Venture metrics at {found.as_of:%d/%m/%Y}:")
    click.echo(render_table(_for_people(levels["investments"])))
    click.echo("\nBy programme:")
    click.echo(render_table(_for_people(levels["programmes"])))
    click.echo("\n" + _fund_line(levels["fund"].iloc[0]))


def _level(rows: pd.DataFrame, name: str) -> pd.DataFrame:
    """One level's rows in the order --json gives them, with a reason only where there is
    no rate."""
    rows = rows.reset_index(drop=True)
    return rows[_LEVELS[name]].assign(irr_reason=rows["irr_reason"].where(rows["irr"].isna()))


def _multiple(value: object) -> str:
    return "none" if value is None or pd.isna(value) else f"{float(value):.2f}×"


def _rate(value: object, reason: object) -> str:
    if value is None or pd.isna(value):
        return "none" if reason is None or pd.isna(reason) else f"none ({reason})"
    return f"{float(value):.2%}"


def _for_people(rows: pd.DataFrame) -> pd.DataFrame:
    """The multiples as 1.04×, the rate as 7.12% (or why there is none)."""
    shown = rows.drop(columns=["net_cash_flow", "residual_on", "valued_on", "basis"])
    return shown.assign(
        **{name: [_multiple(v) for v in rows[name].tolist()] for name in metrics.MULTIPLES},
        irr=[
            _rate(r, why)
            for r, why in zip(rows["irr"].tolist(), rows["irr_reason"].tolist(), strict=True)
        ],
    ).drop(columns=["irr_reason"])


def _count(investments: object) -> str:
    return "1 investment" if investments == 1 else f"{int(investments):,} investments"


def _fund_line(fund: pd.Series) -> str:
    return (
        f"Fund ({_count(fund['investments'])}): paid in {format_gbp(fund['paid_in'])},"
        f" distributions {format_gbp(fund['distributions'])}, residual value"
        f" {format_gbp(fund['residual_value'])}; DPI {_multiple(fund['dpi'])},"
        f" RVPI {_multiple(fund['rvpi'])}, TVPI {_multiple(fund['tvpi'])},"
        f" IRR {_rate(fund['irr'], fund['irr_reason'])}"
    )


@ventures_group.command("jcurve")
@_AS_OF
@json_option
@pass_session
def jcurve_command(session: Session, as_of, as_json) -> None:
    """The J-curve: the ventures' net cash flow by month (got back less paid in) and its
    running total, which dips while investments are drawn and rises as they pay back."""
    show(queries.j_curve(*session.open(), as_of=_as_of(as_of)), as_json, "months")


COMMANDS: tuple[click.Command, ...] = (ventures_group,)
