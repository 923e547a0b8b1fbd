"""The demo's experimental zones (issue 15), written on their days with the rest of the history.

Two of the demo's experimental-zone experiments become zones on the commitments they already
hold, so no new money, approval or request is made (the pending virement stays the request
the README names). Calderbrook is fictional, but its Combined Authority sits in the Pennines,
so the zones are named by real West Yorkshire districts and their ONS codes, as the Office
for National Statistics publishes them. Each zone opens on the first day of the quarter
after its funding agreement (a quarter to mobilise) and ends two years after the agreement,
when its monthly payments do; its accountable official is its experiment's.

- The youth employment zone is measured: its outcome series (the share of young people in
  education, employment or training, four quarters before it opened and three after, in the
  zone and its two comparison areas) is uploaded at its review date through
  :func:`fund.zones.series.upload`, so its estimate, verdict and evidence level are the
  evidence module's. It replaces the results file the other bigger bets record
  (:data:`MEASURED`). Its waiver of the Jobseeker's Allowance 16-hour rule was revoked once
  its young people claimed Universal Credit instead.
- The individual placement and support zone holds the rest of the register: a waiver of
  Universal Credit sanctions renewed after its first year, a procurement exemption in force
  to the zone's end, and a waiver of the ESA permitted-work limit that expires
  :data:`EXPIRING_IN` days after the build's day, whatever day that is, for the auditor's
  exceptions to show.

The legal bases name the pilot powers in general terms: a demo must not cite a section for a
power it cannot check.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, timedelta
from typing import NamedTuple

from fund.demo.evidence import REVIEW_AFTER, Write
from fund.demo.run import Run
from fund.zones import series, waivers, zone
from fund.zones.areas import Area
from fund.zones.waivers import Decision, WaiverTerms

YOUTH = "Youth employment zone in Eastfield and Moorside"
IPS = "Individual placement and support zone for common mental health problems"
MEASURED = frozenset({YOUTH})  # zones whose results come from their outcome series
RUNS_FOR = timedelta(days=730)  # from the funding agreement: its 24 monthly payments
EXPIRING_IN = timedelta(days=40)  # the ESA waiver's expiry, after the build's day
ZONE_REASON = "Zone registered with its funding agreement and comparison areas"
SERIES_REASON = (
    "Results at the review date: the zone's and its comparison areas' quarterly participation"
    " figures, as returned to the Department for Education"
)


class DemoZone(NamedTuple):
    title: str  # the experiment whose commitment is the zone's budget
    area: Area
    comparisons: tuple[Area, ...]


ZONES = (
    DemoZone(
        YOUTH,
        Area("E08000032", "Bradford"),
        (Area("E08000033", "Calderdale"), Area("E08000034", "Kirklees")),
    ),
    DemoZone(
        IPS,
        Area("E08000035", "Leeds"),
        (Area("E08000036", "Wakefield"), Area("E08000034", "Kirklees")),
    ),
)

# The share of young people in education, employment or training six months on (%), by area:
# four quarters before the zone opened, then three after. Fixed figures, so the estimate
# (about ten points, the lesson's "ten points more") is the same whatever day the demo is built.
SERIES = {
    "E08000032": (50.8, 51.6, 50.9, 52.1, 61.2, 62.6, 63.4),
    "E08000033": (56.2, 56.5, 55.9, 57.0, 57.3, 56.9, 58.1),
    "E08000034": (54.1, 55.0, 54.4, 55.2, 55.8, 55.6, 56.4),
}
QUARTERS_BEFORE = 4


class Rule(NamedTuple):
    """A rule a zone suspends, as its waiver records it (the expiry is given with the grant)."""

    rule: str
    source: str
    legal_basis: str
    scope: str

    def until(self, expires_on: date) -> WaiverTerms:
        return WaiverTerms(**self._asdict(), expires_on=expires_on)


DWP = "Department for Work and Pensions, Work and Health Directorate"
FINANCE_OFFICER = "Calderbrook Council's chief finance officer (section 151 officer)"
JSA_HOURS = Rule(
    "Jobseeker's Allowance ends at 16 hours' paid work a week (the remunerative work rule)",
    "Jobseekers Act 1995, s.1(2)(e); Jobseeker's Allowance Regulations 1996, regs 51-53",
    "Pilot scheme regulations under the Jobseekers Act 1995's pilot power, limited to the"
    " zone's area and period",
    "Young people aged 18-24 claiming Jobseeker's Allowance, in the zone's paid work placements",
)
UC_SANCTIONS = Rule(
    "Universal Credit sanctions for not meeting work search and availability requirements",
    "Welfare Reform Act 2012, ss.26-27 (higher-level and other sanctions)",
    "Pilot scheme under the Welfare Reform Act 2012's power to pilot Universal Credit"
    " regulations in specified areas for a limited period",
    "Universal Credit claimants with common mental health problems in the zone's IPS service",
)
ESA_PERMITTED_WORK = Rule(
    "Employment and Support Allowance permitted work limits (hours and weekly earnings)",
    "Employment and Support Allowance Regulations 2008, reg 45 (exempt work)",
    "Pilot scheme under the Welfare Reform Act 2007's power to pilot ESA regulations in"
    " specified areas, until the Department's permitted-work trial reports",
    "ESA claimants working with an employment specialist in the zone",
)
QUOTES = Rule(
    "Three written quotations for services over £25,000",
    "Calderbrook Council Contract Procedure Rules, made under section 135 of the Local"
    " Government Act 1972",
    "Exemption under the Contract Procedure Rules, approved by the chief finance officer",
    "Job placements bought from employers for the zone's participants",
)
REVOKED = (
    "Revoked: the zone's young people now claim Universal Credit, which has no 16-hour rule,"
    " so the waiver has nothing left to do"
)
RENEWED = (
    "Renewed to the zone's end: the Department's interim review found no rise in sanctions"
    " elsewhere and participants staying in the service"
)


class _Grant(NamedTuple):
    zone: str  # the zone's experiment title
    rule: Rule
    authority: str
    on: date
    expires_on: date


class _Dates(NamedTuple):
    agreed: date  # the funding agreement: the commitment's day
    opens: date
    ends: date


def zone_writes(run: Run) -> list[Write]:
    """The two zones' writes, each dated: the zone with its funding agreement, waivers as
    they were granted, renewed or revoked, and the measured zone's series at its review."""
    titles = [experiment.title for experiment in run.plan.experiments]
    state: dict[str, int] = {}  # zone and waiver ids, as the writes make them
    dates = {s.title: _dates(run.plan.experiments[titles.index(s.title)].start) for s in ZONES}
    writes = [
        _on(run, dates[spec.title].agreed, _add_zone, spec, titles.index(spec.title),
            dates[spec.title], state)
        for spec in ZONES
    ]  # fmt: skip
    youth, ips, today = dates[YOUTH], dates[IPS], run.plan.window.today
    granted = {  # each waiver as granted, by the name its later writes know it by
        "jsa": _Grant(YOUTH, JSA_HOURS, DWP, youth.opens - timedelta(days=14), youth.ends),
        "quotes": _Grant(IPS, QUOTES, FINANCE_OFFICER, ips.opens - timedelta(days=7), ips.ends),
        "uc": _Grant(IPS, UC_SANCTIONS, DWP, ips.opens, ips.opens + timedelta(days=364)),
        "esa": _Grant(IPS, ESA_PERMITTED_WORK, DWP, ips.opens + timedelta(days=45),
                      today + EXPIRING_IN),
    }  # fmt: skip
    writes += [_on(run, g.on, _grant, name, g, state) for name, g in granted.items()]
    revoked, renewed = youth.opens + timedelta(days=273), ips.opens + timedelta(days=330)
    review = min(youth.agreed + REVIEW_AFTER, today)
    return [
        *writes,
        _on(run, revoked, _revoke, "jsa", revoked, state),
        _on(run, renewed, _renew, "uc", renewed, ips.ends, state),
        _on(run, review, _upload, titles.index(YOUTH), youth.opens, state),
    ]


def _dates(agreed: date) -> _Dates:
    """The zone opens on the first day of the quarter after its agreement."""
    return _Dates(agreed, _quarter_start(agreed, 1), agreed + RUNS_FOR)


def _quarter_start(day: date, later: int) -> date:
    """The first day of the quarter ``later`` quarters after the one ``day`` falls in."""
    index = day.year * 4 + (day.month - 1) // 3 + later
    return date(index // 4, index % 4 * 3 + 1, 1)


def _on(run: Run, day: date, action: Callable[..., None], *args: object) -> Write:
    def do() -> None:
        with run.on(day):
            action(run, *args)

    return Write(day, do)


def _add_zone(
    run: Run, spec: DemoZone, position: int, dates: _Dates, state: dict[str, int]
) -> None:
    terms = zone.ZoneTerms(
        commitment_id=run.commitments[position],
        area_name=spec.area.name,
        area_code=spec.area.code,
        starts_on=dates.opens,
        ends_on=dates.ends,
        official=run.plan.experiments[position].official,
        comparisons=list(spec.comparisons),
    )
    written = zone.add_zone(run.con, run.manager(0), terms, key=run.key(), reason=ZONE_REASON)
    state[spec.title] = written.entity_id


def _grant(run: Run, name: str, given: _Grant, state: dict[str, int]) -> None:
    written = waivers.record_granted(
        run.con,
        run.manager(0),
        state[given.zone],
        given.rule.until(given.expires_on),
        Decision(authority=given.authority, decided_on=given.on),
        key=run.key(),
        reason="Waiver granted; the decision letter is on file",
    )
    state[name] = written.entity_id


def _revoke(run: Run, name: str, on: date, state: dict[str, int]) -> None:
    waivers.revoke_waiver(
        run.con,
        run.manager(0),
        state[name],
        Decision(authority=DWP, decided_on=on),
        key=run.key(),
        reason=REVOKED,
    )


def _renew(run: Run, name: str, on: date, expires_on: date, state: dict[str, int]) -> None:
    waivers.renew_waiver(
        run.con,
        run.manager(0),
        state[name],
        expires_on,
        Decision(authority=DWP, decided_on=on),
        key=run.key(),
        reason=RENEWED,
    )


def _upload(run: Run, position: int, opens: date, state: dict[str, int]) -> None:
    series.upload(
        run.con,
        run.manager(position),
        state[YOUTH],
        series_file(opens).encode("utf-8"),
        key=run.key(),
        reason=SERIES_REASON,
    )


def series_file(opens: date) -> str:
    """The measured zone's outcome series as a CSV (area, period, value), its quarters
    counted from the one the zone opened in."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(series.COLUMNS)
    for code, values in SERIES.items():
        for n, value in enumerate(values):
            start = _quarter_start(opens, n - QUARTERS_BEFORE)
            writer.writerow([code, f"{start.year}-Q{(start.month - 1) // 3 + 1}", value])
    return out.getvalue()
