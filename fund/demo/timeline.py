"""The demo fund's calendar: advertised two years before the day of the build, launched five
weeks later, taking new commitments until its financial years end, paying on them to today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True, kw_only=True)
class Window:
    """The fund's calendar: advertised, first allocations, last new commitment, today."""

    advertised: date
    launch: date
    last_commitment: date
    today: date

    def at(self, fraction: float) -> date:
        """The day a fraction of the way through the commitment window."""
        span = (self.last_commitment - self.launch).days
        return self.launch + timedelta(days=round(span * fraction))


def window_as_of(today: date) -> Window:
    """Advertised two years ago, allocated five weeks later; new commitments stop when the
    declared financial years end, while payments on them go on to today."""
    advertised = today - timedelta(days=730)
    launch = advertised + timedelta(days=35)
    years_end = date(_financial_year(launch) + 2, 3, 31)
    return Window(
        advertised=advertised,
        launch=launch,
        last_commitment=min(years_end, today - timedelta(days=21)),
        today=today,
    )


def _financial_year(day: date) -> int:
    """UK public bodies budget from April to March; 2024 means 2024-25."""
    return day.year if day.month >= 4 else day.year - 1


def financial_years(launch: date) -> str:
    """The two years the ring-fence is declared for: '2024-25 to 2025-26'."""
    first = _financial_year(launch)
    return f"{first}-{(first + 1) % 100:02d} to {first + 1}-{(first + 2) % 100:02d}"


def month_after(day: date, months: int) -> date:
    """The same day of the month ``months`` later, capped at the 28th so every month has it."""
    total = day.month - 1 + months
    return date(day.year + total // 12, total % 12 + 1, min(day.day, 28))
