"""The demo portfolio: a believable two-year-old fund, built only through the real services.

A demo is how a council officer, an auditor or a board member first meets Ringfence, so it
tells the fund's story the way a real one would: a £5,000,000.00 ring-fence advertised by a
metropolitan borough council, three programmes on the Inclusive Economy Partnership's
challenge areas, sixty experiments across the four instruments and the five lifecycle
phases, and two years of money moving, including the awkward parts (a clawback, a failed
venture written off, a zone closed early, mistakes corrected by reversing entries, a
virement still waiting for a second person).

:func:`plan` decides everything from the seed and the date (a pure function: the same seed
and day always give the same portfolio); :func:`build` carries the plan out through the
same services, permissions and invariants as real input, so a demo that builds is also
evidence that those services accept a realistic fund.

The package, in the order a reader meets the story:

- :mod:`~fund.demo.catalogue`: who is who (the council, partners, programmes, officials,
  grant titles, the bigger bets), static data only;
- :mod:`~fund.demo.timeline`: the fund's calendar and financial years;
- :mod:`~fund.demo.experiments`: the sixty experiments drawn from the catalogue;
- :mod:`~fund.demo.flows`: how each kind of experiment's money moves once committed;
- :mod:`~fund.demo.amounts`: the plan's rounding of money;
- :mod:`~fund.demo.plan`: the whole plan, pure data;
- :mod:`~fund.demo.build`, :mod:`~fund.demo.run` and :mod:`~fund.demo.moves`: the plan
  carried out through the services;
- :mod:`~fund.demo.impact`, :mod:`~fund.demo.evidence`, :mod:`~fund.demo.findings`,
  :mod:`~fund.demo.lessons`, :mod:`~fund.demo.outcome_contracts`, :mod:`~fund.demo.outcomes`,
  :mod:`~fund.demo.grant_round`, :mod:`~fund.demo.zones` and :mod:`~fund.demo.ventures`:
  the judgement and the instruments' own records (impact maps, results, lessons,
  payment-by-results contracts, the small-grant round, the experimental zones and their
  waivers, the social venture investments' terms and valuations), written on their days;
- :mod:`~fund.demo.accounts`: the demo users, and whether a database is a demo.
"""

from fund.demo.accounts import DEMO_USERS, DemoUser, is_demo, users_table
from fund.demo.build import DemoSummary, build, founded
from fund.demo.catalogue import DECLARED, PROGRAMMES
from fund.demo.plan import Plan, plan

__all__ = [
    "DECLARED",
    "DEMO_USERS",
    "PROGRAMMES",
    "DemoSummary",
    "DemoUser",
    "Plan",
    "build",
    "founded",
    "is_demo",
    "plan",
    "users_table",
]
