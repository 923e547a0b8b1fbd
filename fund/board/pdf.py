"""The board pack: the board's view as an A4 PDF that a board member can read on paper, with
the figures exactly as the page shows them, the charts, and the manifest its verification
reads attached as ``manifest.json``.

Charts are drawn to PNG in one browser session (kaleido starts Chromium once, which is the
slow part). What people typed (titles, lessons) is printed as text, never read as markup,
and long cells wrap rather than run off the page.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, date
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import kaleido
import pandas as pd
import plotly.graph_objects as go
from fpdf import FPDF, FontFace
from fpdf.enums import WrapMode
from PIL import Image

from fund import labels
from fund.board import charts
from fund.board.view import BoardView
from fund.db import BOOKS_TIMEZONE, utc_now
from fund.money import format_gbp

SECTIONS = ("Money", "Social ventures", "Social return", "Learning", "Risk", "Lessons digest")
WIDTH_PX = 900  # each chart's width as drawn; the page scales it to the text width
_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
_MUTED = (90, 90, 90)
_HEADINGS = FontFace(emphasis="BOLD", fill_color=(225, 232, 240))
_WARNING = FontFace(emphasis="BOLD", color=(192, 57, 43))
_CUT = 280  # characters of a lesson's sentence the digest prints before "…"
# The few characters past Latin-1 that our text uses, for when no Unicode font is installed.
_LATIN = str.maketrans({"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "..."})

Progress = Callable[[float, str], None]
Cell = str | tuple[str, FontFace]


class _Pack(FPDF):
    """A4 portrait with the pack's footer on every page."""

    def __init__(self, as_at: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.as_at = as_at
        self.unicode = (_DEJAVU / "DejaVuSans.ttf").is_file()
        if self.unicode:
            self.add_font("Sans", "", _DEJAVU / "DejaVuSans.ttf")
            self.add_font("Sans", "B", _DEJAVU / "DejaVuSans-Bold.ttf")
            self.add_font("Mono", "", _DEJAVU / "DejaVuSansMono.ttf")
        self.sans, self.mono = ("Sans", "Mono") if self.unicode else ("Helvetica", "Courier")
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(15, 15, 15)

    def clean(self, value: object) -> str:
        """``value`` as text the font can print: control characters become spaces, and
        without a Unicode font, anything past Latin-1 becomes its nearest or '?'."""
        words = "".join(c if c.isprintable() or c == "\n" else " " for c in str(value))
        if self.unicode:
            return words
        return words.translate(_LATIN).encode("latin-1", "replace").decode("latin-1")

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(self.sans, "", 8)
        self.set_text_color(*_MUTED)
        words = self.clean(f"Ringfence board pack as at {self.as_at}")
        self.cell(0, 5, words, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(0, 0, 0)


def write(
    view: BoardView,
    figures: list[tuple[str, str, str]],
    path: Path,
    *,
    manifest: bytes,
    progress: Progress | None = None,
) -> None:
    """Write the board pack of ``view`` to ``path``: the ``figures`` rows (section, label,
    value as shown) under their sections, the charts, the appetite, the experiments awaiting
    a decision and the lessons digest, with ``manifest`` attached as manifest.json.
    ``progress`` hears (share done, what is next)."""
    tell = progress or (lambda share, words: None)
    drawn = _charts(view)
    images = render([figure for _, figure in drawn], progress=tell)
    pictures: dict[str, list[bytes]] = {}
    for (section, _), image in zip(drawn, images, strict=True):
        pictures.setdefault(section, []).append(image)
    tell(0.9, "Writing the PDF")
    pdf = _Pack(_day(view.as_at))
    pdf.set_title(pdf.clean(f"Board pack as at {_day(view.as_at)}"))
    pdf.set_creator("Ringfence")
    pdf.add_page()
    _cover(pdf, view)
    sections = [*SECTIONS, *dict.fromkeys(s for s, _, _ in figures if s not in SECTIONS)]
    for section in sections:
        _section(pdf, view, section, [row for row in figures if row[0] == section])
        for image in pictures.get(section, []):
            _image(pdf, image)
    pdf.embed_file(
        bytes=manifest,
        basename="manifest.json",
        mime_type="application/json",
        desc="What this pack shows, for its verification",
    )
    pdf.output(str(path))
    tell(1.0, "Done")


def _charts(view: BoardView) -> list[tuple[str, go.Figure]]:
    """Each chart the pack shows, with the section it goes under."""
    drawn = [("Money", charts.burn(view.money.burn))] if not view.money.burn.empty else []
    if view.sroi.band is not None and view.sroi.ratio is not None:
        drawn.append(("Social return", charts.sroi_band(view.sroi.band, view.sroi.ratio)))
    for by, frame in (
        ("programme", view.sroi.by_programme),
        ("instrument", view.sroi.by_instrument),
    ):
        if not frame.empty:
            drawn.append(("Social return", charts.sroi_by(frame, by)))
    drawn += [
        ("Learning", charts.evidence_levels(view.learning.figures)),
        ("Learning", charts.verdicts(view.learning.figures)),
    ]
    if not view.risk.appetite.empty:
        drawn.append(("Risk", charts.appetite(view.risk.appetite)))
    return drawn


def render(figures: list[go.Figure], *, progress: Progress | None = None) -> list[bytes]:
    """Each figure as a PNG at twice its drawn size, all in one Chromium session; progress
    runs from 0 to 0.9 as the charts are drawn."""
    tell = progress or (lambda share, words: None)
    tell(0.0, "Starting the chart renderer")

    async def draw() -> list[bytes]:
        images = []
        async with kaleido.Kaleido(n=1, mathjax=False) as browser:
            for done, figure in enumerate(figures):
                tell(
                    0.9 * done / max(len(figures), 1), f"Drawing chart {done + 1} of {len(figures)}"
                )
                height = int(figure.layout.height or 420)
                opts = {"format": "png", "width": WIDTH_PX, "height": height, "scale": 2}
                images.append(await browser.calc_fig(figure, opts=opts))
        return images

    return asyncio.run(draw()) if figures else []


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _cover(pdf: _Pack, view: BoardView) -> None:
    _say(pdf, f"Board pack as at {_day(view.as_at)}", 11, size=22, style="B")
    pdf.ln(2)
    fences = "; ".join(_ringfences(view)) or "No ring-fence declared"
    _say(pdf, fences, 7, size=13, style="B")
    if view.money.financial_years:
        _say(pdf, f"Financial years: {view.money.financial_years}", 6, size=10)
    made = utc_now().replace(tzinfo=UTC).astimezone(BOOKS_TIMEZONE)
    _say(pdf, f"Generated {_day(made.date())} at {made:%H:%M %Z}", 6, size=10)
    pdf.ln(3)
    row, digest = view.audit_head
    _say(pdf, f"Audit chain head as at {_day(view.as_at)}: row #{row} sha256", 6, style="B")
    pdf.set_font(pdf.mono, "", 9)
    pdf.multi_cell(0, 5, digest, new_x="LMARGIN", align="L", wrapmode=WrapMode.CHAR)
    pdf.ln(2)
    pdf.set_text_color(*_MUTED)
    _say(
        pdf,
        "Every figure here is as the records stood at the end of that day; whatever was "
        "recorded later does not show. The attached manifest.json lets anyone check this pack "
        "against the audit chain.",
        5,
        size=9,
    )
    pdf.set_text_color(0, 0, 0)


def _say(pdf: _Pack, words: str, height: float, *, size: int = 10, style: str = "") -> None:
    """A paragraph, left-aligned and wrapped at words."""
    pdf.set_font(pdf.sans, style, size)
    pdf.multi_cell(0, height, pdf.clean(words), new_x="LMARGIN", align="L")


def _ringfences(view: BoardView) -> list[str]:
    names = [*view.money.by_programme["ringfence"], *view.risk.appetite["ringfence"]]
    return [str(name) for name in dict.fromkeys(names)]


def _section(pdf: _Pack, view: BoardView, section: str, rows: list[tuple[str, str, str]]) -> None:
    if section != SECTIONS[0] or pdf.get_y() > pdf.h / 2:
        pdf.add_page()
    else:
        pdf.ln(6)
    _heading(pdf, section, 16)
    if rows:
        _table(pdf, ["Figure", "Value"], [[label, value] for _, label, value in rows], (3, 2))
    if section == "Money":
        _money_by_programme(pdf, view)
    if section == "Social return":
        _sroi_by(pdf, view)
    if section == "Risk":
        _risk(pdf, view)
    if section == "Lessons digest":
        _digest(pdf, view)


def _heading(pdf: _Pack, words: str, size: int) -> None:
    if pdf.will_page_break(size * 1.5):
        pdf.add_page()
    _say(pdf, words, size * 0.55, size=size, style="B")
    pdf.ln(2)


def _table(
    pdf: _Pack, headings: list[str], rows: list[list[Cell]], widths: tuple, *, size: int = 9
) -> None:
    """A table whose cells wrap; a cell is its text, or its text and a style to stand out."""
    pdf.set_font(pdf.sans, "", size)
    with pdf.table(
        col_widths=widths,
        text_align="LEFT",
        headings_style=_HEADINGS,
        line_height=size * 0.5,
        padding=(1, 1.5),
        repeat_headings=1,
    ) as table:
        for cells in [headings, *rows]:
            line = table.row()
            for cell in cells:
                words, style = cell if isinstance(cell, tuple) else (cell, None)
                line.cell(pdf.clean(words), style=style)
    pdf.ln(4)


def _none(pdf: _Pack, words: str) -> None:
    _say(pdf, words, 6)
    pdf.ln(3)


def _money_by_programme(pdf: _Pack, view: BoardView) -> None:
    _heading(pdf, "By programme", 12)
    held = view.money.by_programme
    if held.empty:
        _none(pdf, "No programme by this date.")
        return
    several = held["ringfence"].nunique() > 1
    columns = ("allocated", "committed", "paid", "available")
    rows = [
        [
            _text(f"{r['ringfence']}: {r['programme']}" if several else r["programme"]),
            *(_money(r[column]) for column in columns),
        ]
        for _, r in held.iterrows()
    ]
    headings = ["Programme", "Allocated", "Committed", "Paid", "Available"]
    _table(pdf, headings, rows, (5, 2.5, 2.5, 2.5, 2.5))


def _sroi_by(pdf: _Pack, view: BoardView) -> None:
    for by, frame in (
        ("programme", view.sroi.by_programme),
        ("instrument", view.sroi.by_instrument),
    ):
        if frame.empty:
            continue
        _heading(pdf, f"By {by}", 12)
        rows = [
            [
                _text(r[by]),
                labels.ratio(None if pd.isna(r["sroi_ratio"]) else float(r["sroi_ratio"])),
                _money(r["inputs"]),
                _money(r["present_value"]),
                f"{int(r['experiments']):,}",
                f"{int(r['incomplete']):,}",
            ]
            for _, r in frame.iterrows()
        ]
        headings = [by.capitalize(), "SROI ratio", "Inputs", "Present value", "Maps", "Incomplete"]
        _table(pdf, headings, rows, (4.2, 2, 2.8, 2.8, 1.4, 2.4))


def _risk(pdf: _Pack, view: BoardView) -> None:
    _heading(pdf, "Position against the risk appetite", 12)
    held = view.risk.appetite
    if held.empty:
        _none(pdf, "No risk appetite declared by this date.")
    else:
        several = held["ringfence"].nunique() > 1
        headings = [
            "Limit",
            "Limit %",
            "Limit £",
            "Position £",
            "Share %",
            "Headroom £",
            "Breached",
        ]
        rows = [
            [
                f"{f'{r.ringfence}: ' if several else ''}{r.limit}: {r.subject}",
                _percent(r.share_limit),
                _money(r.limit_amount),
                _money(r.position),
                _percent(r.share),
                _money(r.headroom),
                (("Yes", _WARNING) if r.breached else "No"),
            ]
            for r in held.itertuples(index=False)
        ]
        _table(pdf, headings, rows, (52, 16, 26, 26, 16, 26, 18), size=8)
    _heading(pdf, "Experiments awaiting a decision", 12)
    waiting = view.risk.awaiting_decision
    if waiting.empty:
        _none(pdf, "None: every open experiment has a decision or is not yet due one.")
        return
    named = "official" in waiting.columns
    headings = ["#", "Title", "Programme", *(["Official"] if named else []), "Why"]
    rows = [
        [
            str(r["experiment_id"]),
            str(r["title"]),
            str(r["programme"]),
            *([_text(r["official"])] if named else []),
            str(r["why"]),
        ]
        for _, r in waiting.iterrows()
    ]
    _table(pdf, headings, rows, (1, 5, 3, *((2.5,) if named else ()), 5))


def _digest(pdf: _Pack, view: BoardView) -> None:
    for heading, lessons, said, column in (
        ("Newest lessons", view.newest_lessons, "What worked", "what_worked"),
        ("Most transferable lessons", view.transferable_lessons, "Transfers to", "transfers_to"),
    ):
        _heading(pdf, heading, 12)
        if lessons.empty:
            _none(pdf, "No lessons recorded by this date.")
            continue
        rows = [
            [
                _text(r["title"]),
                _text(r["programme"]),
                f"Level {int(r['evidence_level'])}",
                _cut(r[column]),
            ]
            for _, r in lessons.iterrows()
        ]
        _table(pdf, ["Lesson", "Programme", "Evidence", said], rows, (3.5, 2.5, 1.5, 6))


def _image(pdf: _Pack, png: bytes) -> None:
    """A chart across the text width, on the next page when it does not fit on this one."""
    with Image.open(BytesIO(png)) as opened:
        width, height = opened.size
    shown = pdf.epw * height / width
    if pdf.will_page_break(shown):
        pdf.add_page()
    pdf.image(BytesIO(png), w=pdf.epw, h=shown)
    pdf.ln(4)


def _money(amount: object) -> str:
    return "" if amount is None or pd.isna(amount) else format_gbp(Decimal(amount))


def _percent(share: object) -> str:
    return "" if share is None or pd.isna(share) else f"{Decimal(share):,.2f}%"


def _text(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _cut(value: object) -> str:
    """A lesson's sentence, cut at a word before ``_CUT`` characters with '…' when longer."""
    words = " ".join(_text(value).split())
    if len(words) <= _CUT:
        return words
    return words[: words.rfind(" ", 0, _CUT)].rstrip(",;:") + "…"
