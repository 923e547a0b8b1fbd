"""The Board page's sections, each drawn from the one :class:`fund.board.view.BoardView` the
page read: social return, money, learning, risk and the lessons digest. Nothing here reads
the database; the view already left officials' names out for board members.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import streamlit as st

from fund import labels
from fund.board import charts
from fund.board import figures as pack_figures
from fund.board.view import BoardView
from fund.lessons.learning import FIGURES
from fund.money import format_gbp
from ui import format

MONEY = ["ring_fence", "allocated", "committed", "paid", "available", "leverage"]
SROI_SHOWN = ["sroi_ratio", "inputs", "present_value", "net_present_value", "impact_maps"]
SROI_SHOWN += ["incomplete"]
DIGEST = ["title", "programme", "evidence_level", "what_worked", "transfers_to"]
APPETITE = ["ringfence", "limit", "subject", "share_limit", "limit_amount", "position", "share"]
APPETITE += ["headroom", "standing"]


def metrics(figures: Iterable[tuple[str, str, str]]) -> None:
    """Figures side by side, wrapping onto more rows rather than cutting an amount short."""
    shown = st.container(horizontal=True, gap="medium")
    for label, value, why in figures:
        shown.metric(label, value, help=why or None, width="content")


def chart(figure, key: str, place=st) -> None:
    place.plotly_chart(figure, width="stretch", key=key)


def social_return(view: BoardView) -> None:
    st.header("Social return")
    sroi, band = view.sroi, view.sroi.band
    if sroi.ratio is None:
        st.info("No experiment had an impact map with inputs by this date, so there is no ratio.")
        return
    figures = [("SROI ratio", labels.ratio(sroi.ratio), "Σ present value ÷ Σ inputs, all maps")]
    if band is not None:
        figures += [
            (
                "5th percentile",
                labels.ratio(band.p5),
                "Monte Carlo band: 5 in 100 draws fall below",
            ),
            ("95th percentile", labels.ratio(band.p95), "5 in 100 draws rise above"),
            ("Chance the ratio exceeds 1 : 1", f"{band.p_above_one:.0%}", ""),
        ]
    figures += [
        ("Impact maps", f"{sroi.maps:,}", "Experiments with a map by the date"),
        ("Incomplete impact maps", f"{sroi.incomplete:,}", "A deduction or proxy unexplained"),
    ]
    metrics(figures)
    if band is not None:
        chart(charts.sroi_band(band, sroi.ratio), "board-sroi-band")
        st.caption(
            f"{band.draws:,} draws of every map's ranged assumptions (seed {band.seed}); each"
            " map's like assumptions move together, the cautious reading for one fund."
        )
    if sroi.incomplete:
        st.warning(
            f"{format.count(sroi.incomplete, 'impact map is', 'impact maps are')} incomplete:"
            " the ratios rest on a figure without a justification or a source.",
            icon=":material/warning:",
        )
    for by, frame in (("programme", sroi.by_programme), ("instrument", sroi.by_instrument)):
        st.subheader(f"SROI by {by}")
        shown = frame.rename(columns={"experiments": "impact_maps"})
        format.table(
            shown[[by, *SROI_SHOWN]].assign(sroi_ratio=shown["sroi_ratio"].map(labels.ratio))
        )
        chart(charts.sroi_by(frame, by), f"board-sroi-{by}")


def money(view: BoardView) -> None:
    st.header("Money")
    held = view.money
    metrics(
        (labels.FIGURES[name], labels.figure(name, getattr(held, name)), labels.FIGURE_HELP[name])
        for name in MONEY
    )
    years = f" over {format.plain(held.financial_years)}" if held.financial_years else ""
    st.caption(
        f"Partners' match funding {format_gbp(held.match_funding)} (as it stands now; it is not"
        f" versioned). Ring-fence declared{years}; {format_gbp(held.unallocated)} not yet"
        " allocated to a programme."
    )
    format.table(without_one_ringfence(held.by_programme))
    chart(charts.burn(held.burn), "board-burn")


def ventures(view: BoardView) -> None:
    """The fund's social venture investments, as the pack states them (the same figures)."""
    st.header("Social ventures")
    if not view.ventures["investments"]:
        st.info("The fund held no social venture investment with terms by this date.")
        return
    shown = [f for f in pack_figures.figures(view) if f.section == "Social ventures"]
    metrics((f.label, pack_figures.text(f), "") for f in shown)
    st.caption(
        "Residual value: the latest valuation rolled forward by the money moved since (an"
        " investment never valued is held at cost; one written off in full is worth nothing)."
        " The Social ventures page has each investment, its schedule and the J-curve."
    )


def learning(view: BoardView) -> None:
    st.header("Learning")
    learnt = view.learning
    per_million = learnt.lessons_per_million
    metrics(
        [
            (FIGURES["lessons"], f"{learnt.figure('lessons'):,}", ""),
            (FIGURES["failures_documented"], f"{learnt.figure('failures_documented'):,}", ""),
            (
                FIGURES["cost_per_lesson"],
                _money_or_dash(learnt.figure("cost_per_lesson")),
                "Money paid out ÷ lessons documented",
            ),
            (
                "Lessons per £1m at risk",
                "–" if per_million is None else f"{per_million}",
                "Lessons documented ÷ (committed ÷ £1,000,000)",
            ),
        ]
    )
    st.caption(
        "Failures documented are stop verdicts with a lesson: they count as learning, never as"
        " a mark against anyone."
    )
    left, right = st.columns(2)
    chart(charts.evidence_levels(learnt.figures), "board-evidence-levels", left)
    chart(charts.verdicts(learnt.figures), "board-verdicts", right)


def without_one_ringfence(frame: pd.DataFrame) -> pd.DataFrame:
    """The table without its ring-fence column when every row is the same ring-fence: the
    page names the fund once, and the columns that matter keep their room."""
    if frame.empty or frame["ringfence"].nunique() > 1:
        return frame
    return frame.drop(columns="ringfence")


def _money_or_dash(value: object) -> str:
    return "–" if value is None or pd.isna(value) else format_gbp(value)


def risk(view: BoardView) -> None:
    st.header("Risk")
    st.subheader("Position against the declared appetite")
    position = view.risk.appetite
    if position.empty:
        st.write("No ring-fence had declared a risk appetite by this date.")
    else:
        breached = int(position["breached"].astype(bool).sum())
        if breached:
            st.error(
                f"{format.count(breached, 'limit is', 'limits are')} breached: see the rows"
                " marked Breached.",
                icon=":material/error:",
            )
        format.table(without_one_ringfence(appetite_rows(position)))
        chart(charts.appetite(position), "board-appetite")
    st.subheader("Experiments awaiting a decision")
    waiting = view.risk.awaiting_decision
    if waiting.empty:
        st.write("None: no open experiment is past its review date or has met its kill criteria.")
    else:
        format.table(waiting)


def appetite_rows(position: pd.DataFrame) -> pd.DataFrame:
    """The appetite table with the shares as percentages of the ring-fence and each limit's
    standing in words, so a breach never rests on colour alone."""
    return position.assign(
        share_limit=position["share_limit"].map(_percent),
        share=position["share"].map(_percent),
        standing=position["breached"].map(lambda b: "Breached" if b else "Within"),
    )[APPETITE]


def _percent(value: object) -> str:
    return "–" if value is None or pd.isna(value) else f"{value:.2f}%"


def digest(view: BoardView) -> None:
    st.header("Lessons digest")
    left, right = st.columns(2)
    for place, heading, lessons in (
        (left, "Newest lessons", view.newest_lessons),
        (right, "Most transferable lessons", view.transferable_lessons),
    ):
        place.subheader(heading)
        if lessons.empty:
            place.write("None by this date.")
        for lesson in lessons[DIGEST].itertuples(index=False):
            _lesson(place.container(border=True), lesson)


def _lesson(place, lesson) -> None:
    """One lesson as a card: what people typed is escaped, so it shows as text."""
    place.markdown(f"**{format.plain(lesson.title)}**")
    level = (
        "no evidence level yet"
        if pd.isna(lesson.evidence_level)
        else f"evidence level {lesson.evidence_level}"
    )
    place.caption(format.plain(f"{lesson.programme} · {level}"))
    for label, text in (("What worked", lesson.what_worked), ("Transfers to", lesson.transfers_to)):
        if isinstance(text, str) and text.strip():
            place.markdown(f"*{label}:* {format.plain(text)}")
