"""The board pack as a PDF: it opens, holds every section, the audit chain head, the figures
as shown and the manifest its verification reads back, and wraps long typed text rather
than cutting it off.

Charts are drawn by kaleido in Debian's Chromium (``/usr/bin/chromium``; ``make test``
installs it with ``tests/browser/ensure_chromium.sh``). Drawing takes seconds, so the pack
is written once for the module.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pypdf
import pytest

from fund.board import pdf
from fund.board.money import Money
from fund.board.social_return import Band, SocialReturn
from fund.board.view import BoardView, Learning, Risk
from tests.unit.test_board_figures import VENTURES

CHROMIUM = Path("/usr/bin/chromium")
HASH = "9f" * 32
MANIFEST = json.dumps({"as_at": "2026-03-31", "figures": {"Committed": "£1,500,000.00"}}).encode()
FIGURES = [
    ("Money", "Ring-fence", "£5,000,000.00"),
    ("Money", "Committed", "£1,500,000.00"),
    ("Social return", "SROI ratio", "2.40 : 1"),
    ("Learning", "Lessons documented", "7"),
    ("Risk", "Limits breached", "1"),
    ("Lessons digest", "Lessons per £1m committed", "4.67"),
    ("Audit", "Chain verified", "Yes – 42 rows"),
]
LONG = "Peer supporters answered within a day and people stayed with the service " * 8
SECTIONS = ("Money", "Social return", "Learning", "Risk", "Lessons digest")


def money() -> Money:
    burn = pd.DataFrame(
        {
            "month": [date(2025, 4, 1), date(2025, 5, 1)],
            "paid": [Decimal("100000.00"), Decimal("50000.00")],
            "cumulative_committed": [Decimal("1000000.00"), Decimal("1500000.00")],
            "cumulative_paid": [Decimal("100000.00"), Decimal("150000.00")],
            "planned": pd.Series([Decimal("208333.33"), Decimal("416666.67")], dtype=object),
        }
    )
    programmes = pd.DataFrame(
        {
            "ringfence": ["Calderbrook Innovation Risk Fund"],
            "programme": ["Mental health"],
            **{
                column: [Decimal(amount)]
                for column, amount in (
                    ("allocated", "3000000.00"),
                    ("committed", "1500000.00"),
                    ("paid", "150000.00"),
                    ("available", "1500000.00"),
                )
            },
        }
    )
    pounds = {
        name: Decimal(amount)
        for name, amount in {
            "ring_fence": "5000000.00",
            "allocated": "3000000.00",
            "committed": "1500000.00",
            "paid": "150000.00",
            "recovered": "0.00",
            "written_off": "0.00",
            "available": "1500000.00",
            "unallocated": "2000000.00",
            "match_funding": "300000.00",
        }.items()
    }
    return Money(
        **pounds,
        leverage=Decimal("0.20"),
        financial_years="2025-26",
        by_programme=programmes,
        burn=burn,
    )


def sliced(by: str, name: str) -> pd.DataFrame:
    """The SROI of one programme or instrument, as :func:`fund.sroi.report.positions` gives it."""
    return pd.DataFrame(
        {
            by: [name],
            "sroi_ratio": [2.4],
            "inputs": [Decimal("500000.00")],
            "present_value": [Decimal("1200000.00")],
            "experiments": [3],
            "incomplete": [0],
        }
    )


def social_return() -> SocialReturn:
    ratios = np.linspace(1.5, 3.3, 400)
    return SocialReturn(
        fund=pd.DataFrame({"experiments": [3], "incomplete": [0], "sroi_ratio": [2.4]}),
        by_programme=sliced("programme", "Mental health"),
        by_instrument=sliced("instrument", "Small grant"),
        experiments=pd.DataFrame(),
        band=Band(draws=400, seed=1, p5=1.6, p50=2.4, p95=3.2, p_above_one=1.0, ratios=ratios),
    )


def risk() -> Risk:
    appetite = pd.DataFrame(
        {
            "ringfence": ["Calderbrook Innovation Risk Fund"],
            "limit": ["Per counterparty"],
            "subject": ["<b>Fair Money</b> Credit Union"],
            "share_limit": [Decimal("10.00")],
            "limit_amount": [Decimal("500000.00")],
            "position": [Decimal("612000.00")],
            "share": [Decimal("12.24")],
            "headroom": [Decimal("-112000.00")],
            "breached": [True],
        }
    )
    waiting = pd.DataFrame(
        {
            "experiment_id": [12],
            "title": ["Affordable credit zone in the town centre"],
            "programme": ["Financial inclusion"],
            "why": ["Kill criteria met, no decision recorded"],
        }
    )
    return Risk(appetite=appetite, awaiting_decision=waiting)


def lessons() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "title": ["Peer-support app **start-up**", "Youth employment zone"],
            "programme": ["Mental health", "Young people's transition to work"],
            "evidence_level": [2, 4],
            "what_worked": [LONG, "One front door"],
            "transfers_to": ["Any service with a waiting list", "Other boroughs"],
        }
    )


def view() -> BoardView:
    counts = {f"level_{n}": 1 for n in range(6)} | {
        f"verdict_{v}": 1 for v in ("scale", "adapt", "stop", "inconclusive", "none")
    }
    return BoardView(
        as_at=date(2026, 3, 31),
        cutoff=datetime(2026, 3, 31, 23, 0),
        money=money(),
        ventures=VENTURES,
        sroi=social_return(),
        learning=Learning(
            figures=pd.DataFrame([counts | {"lessons": 7}]), lessons_per_million=Decimal("4.67")
        ),
        risk=risk(),
        newest_lessons=lessons(),
        transferable_lessons=lessons(),
        audit_head=(42, HASH),
    )


@pytest.fixture(scope="module", name="pack")
def fixture_pack(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run tests/browser/ensure_chromium.sh as root")
    path = tmp_path_factory.mktemp("pack") / "board-pack.pdf"
    heard: list[tuple[float, str]] = []
    pdf.write(view(), FIGURES, path, manifest=MANIFEST, progress=lambda s, w: heard.append((s, w)))
    return path, heard


def text_of(path: Path) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(path).pages)


def test_the_pack_opens_with_a_few_numbered_pages(pack: tuple[Path, list]) -> None:
    reader = pypdf.PdfReader(pack[0])
    assert 4 <= len(reader.pages) <= 10
    last = reader.pages[-1].extract_text()
    assert f"Page {len(reader.pages)} of {len(reader.pages)}" in last
    assert "Ringfence board pack as at 31 March 2026" in last


def test_the_pack_names_its_date_ring_fence_and_audit_chain_head(
    pack: tuple[Path, list],
) -> None:
    first = pypdf.PdfReader(pack[0]).pages[0].extract_text()
    assert "Board pack as at 31 March 2026" in first
    assert "Calderbrook Innovation Risk Fund" in first
    assert "Audit chain head as at 31 March 2026: row #42 sha256" in first
    assert HASH in first


def test_every_section_and_figure_is_in_the_pack(pack: tuple[Path, list]) -> None:
    words = text_of(pack[0])
    for heading in (*SECTIONS, "Audit", "Position against the risk appetite"):
        assert heading in words
    for _, label, value in FIGURES:
        assert label in words
        assert value in words
    assert "Experiments awaiting a decision" in words
    assert "Affordable credit zone in the town centre" in words


def test_programmes_and_instruments_are_tables_of_their_own(pack: tuple[Path, list]) -> None:
    text = " ".join(text_of(pack[0]).split())
    assert "Programme Allocated Committed Paid Available" in text
    assert "Mental health £3,000,000.00 £1,500,000.00 £150,000.00 £1,500,000.00" in text
    assert "Small grant 2.40 : 1 £500,000.00 £1,200,000.00 3 0" in text


def test_typed_text_is_printed_as_typed_and_a_long_lesson_is_cut_at_a_word(
    pack: tuple[Path, list],
) -> None:
    words = " ".join(text_of(pack[0]).split())
    assert "<b>Fair Money</b> Credit Union" in words
    assert "Peer-support app **start-up**" in words
    assert "£612,000.00" in words
    assert "-£112,000.00" in words
    assert "…" in words
    assert LONG.strip() not in words


def test_the_manifest_is_attached_byte_for_byte(pack: tuple[Path, list]) -> None:
    attached = pypdf.PdfReader(pack[0]).attachments
    assert list(attached) == ["manifest.json"]
    assert attached["manifest.json"] == [MANIFEST]


def test_progress_is_told_for_every_chart_and_ends_done(pack: tuple[Path, list]) -> None:
    heard = pack[1]
    shares = [share for share, _ in heard]
    assert shares == sorted(shares)
    assert heard[-1] == (1.0, "Done")
    charts = [words for _, words in heard if words.startswith("Drawing chart")]
    assert charts[-1] == f"Drawing chart {len(charts)} of {len(charts)}"
    assert len(charts) == 7  # burn, band, two ratios, two learning counts, appetite


def test_without_a_unicode_font_text_falls_back_to_latin_1(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(pdf, "_DEJAVU", tmp_path / "none")
    pack = pdf._Pack("31 March 2026")
    assert not pack.unicode
    assert pack.clean("£5 – “fair” … ✓\x07") == '£5 - "fair" ... ? '
    pack.add_page()
    pack.set_font(pack.sans, "", 10)
    pack.multi_cell(0, 5, pack.clean("Ring-fence £5,000,000.00 – no breach"))
    pack.output(str(tmp_path / "latin.pdf"))
    assert "£5,000,000.00 - no breach" in text_of(tmp_path / "latin.pdf")
