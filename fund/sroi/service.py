"""Saving an experiment's impact map: checked whole, then a new version through the write path.

A map comes from a file (`fund sroi import`), or from the SROI page's table, in the file's
shape either way, so one checker (:mod:`fund.sroi.impact_file`) reports every problem of
both. Its inputs are never taken from it: an experiment's inputs are what its ledger and
partners hold, so a file's own inputs are left out and the sentence says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import duckdb

from fund import register
from fund.auth import Permission, User
from fund.errors import ValidationError
from fund.money import MAX_AMOUNT, format_gbp
from fund.sroi import calculate, impact_file, proxies, reference, report, store, unit_costs
from fund.sroi.discount import FLAT
from fund.sroi.model import ImpactMap, Input
from fund.unit_of_work import Request, Step, Written, perform, perform_run


def context(
    con: duckdb.DuckDBPyConnection, *, inputs_required: bool = False
) -> impact_file.Context:
    """What a map is checked against here: the schedules and proxy library of this database."""
    return impact_file.Context(
        schedules=reference.schedule_names(con),
        library=lambda codes, price_year: proxies.lookup(con, codes, price_year),
        inputs_required=inputs_required,
    )


def import_impact_map(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    experiment_id: object,
    text: str,
    suffix: str,
    *,
    key: str,
    reason: str,
) -> Written:
    """Save a map file (JSON or CSV) as the experiment's next version."""
    impact_map = impact_file.read(text, suffix, context(con))
    return save_impact_map(con, actor, experiment_id, impact_map, key=key, reason=reason)


def save_document(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    experiment_id: object,
    document: dict,
    *,
    key: str,
    reason: str,
) -> Written:
    """Save a map given in the file's JSON shape (as the SROI page's table gives it)."""
    impact_map = impact_file.from_json(document, context(con))
    return save_impact_map(con, actor, experiment_id, impact_map, key=key, reason=reason)


def save_impact_map(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    experiment_id: object,
    impact_map: ImpactMap,
    *,
    key: str,
    reason: str,
) -> Written:
    """Store a checked map as the experiment's next version (never changing an old one)."""
    save = _Save.of(con, experiment_id, impact_map)
    written = perform(con, actor, Permission.ASSESS, save.request(key, reason), save.change)
    return _said_again(written)


def save_impact_maps(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    maps: Sequence[tuple[object, ImpactMap]],
    *,
    keys: Sequence[str],
    reason: str,
) -> list[Written]:
    """Many checked maps saved as one all-or-nothing run (the demo, the benchmark): each is
    what :func:`save_impact_map` would record on its own, with its key and audit row."""
    saves = [_Save.of(con, experiment_id, impact_map) for experiment_id, impact_map in maps]
    requests = [save.request(k, reason) for save, k in zip(saves, keys, strict=True)]

    def change(steps: list[tuple[int, Step]]) -> list[tuple[str, int]]:
        return [saves[i].change(step) for i, step in steps]

    written = perform_run(con, actor, Permission.ASSESS, requests, change)
    return [_said_again(w) for w in written]


@dataclass(frozen=True)
class _Save:
    """One map to save: its experiment, the map as stored (no inputs, a price year) and the
    inputs a file carried, which are not used."""

    experiment_id: int
    impact_map: ImpactMap
    ignored: tuple[Input, ...]

    @classmethod
    def of(
        cls, con: duckdb.DuckDBPyConnection, experiment_id: object, impact_map: ImpactMap
    ) -> _Save:
        price_year = unit_costs.report_year(proxies.deflator(con), impact_map.price_year)
        return cls(
            experiment_id=register.parse_id(experiment_id, "experiment"),
            impact_map=replace(impact_map, inputs=(), price_year=price_year),
            ignored=impact_map.inputs,
        )

    def request(self, key: str, reason: str) -> Request:
        return Request(
            operation="save impact map",
            key=key,
            reason=reason,
            details={
                "experiment_id": self.experiment_id,
                "map": impact_file.as_json(self.impact_map),
            },
        )

    def change(self, step: Step) -> tuple[str, int]:
        experiment = register.experiment(step.con, self.experiment_id)
        _refuse_unchanged(step.con, self.experiment_id, self.impact_map)
        schedule = report.schedule_for(step.con, self.impact_map.discount, step.at.date())
        map_id, version = store.insert(
            step.con,
            experiment_id=self.experiment_id,
            impact_map=self.impact_map,
            schedule_effective_from=None if schedule.name == FLAT else schedule.effective_from,
            worth=_recordable(calculate.compute(self.impact_map, schedule)),
            saved_by=step.actor.user_id,
            saved_at=step.at,
            reason=step.reason,
        )
        step.record("impact_map", map_id)
        step.record("impact_outcome", map_id)
        step.said = _said(
            experiment.title, self.experiment_id, version, self.impact_map, self.ignored
        )
        return "impact_map", map_id


def _recordable(worth: calculate.Result) -> calculate.Result:
    """A result whose figures the fund can record: no present value or yearly total beyond
    the largest amount DECIMAL(18,2) holds (a quantity or proxy typed a thousandfold)."""
    largest = max((abs(v) for v in (worth.present_value, *worth.values_by_year)), default=0)
    if largest > MAX_AMOUNT:
        raise ValidationError(
            "impact map",
            f"is worth more than the largest amount the fund records ({format_gbp(MAX_AMOUNT)});"
            " check its quantities and proxies",
        )
    return worth


def _said_again(written: Written) -> Written:
    """A replayed save has no sentence of its own: say that it was saved before."""
    if written.said:
        return written
    return replace(written, said=f"Impact map #{written.entity_id} was saved before.")


def _refuse_unchanged(
    con: duckdb.DuckDBPyConnection, experiment_id: int, impact_map: ImpactMap
) -> None:
    latest = store.read(con, experiment_id)
    if latest is not None and latest.impact_map == impact_map:
        raise ValidationError(
            "impact map", f"is the same as version {latest.version}; nothing was saved"
        )


def _said(
    title: str, experiment_id: int, version: int, impact_map: ImpactMap, ignored: tuple
) -> str:
    outcomes = len(impact_map.outcomes)
    said = (
        f"Impact map of experiment #{experiment_id} ({title}) saved as version {version}: "
        f"{outcomes} outcome{'s' if outcomes != 1 else ''} in {impact_map.price_year} prices."
    )
    gaps = impact_map.gaps()
    if gaps:
        said += f" It is incomplete: {len(gaps)} deduction or proxy source{'s' if len(gaps) != 1 else ''} not justified."
    if ignored:
        total = format_gbp(sum(i.amount for i in ignored))
        said += (
            f" The file's {len(ignored)} input{'s' if len(ignored) != 1 else ''} ({total}) "
            "were not used: an experiment's inputs come from its ledger and partners."
        )
    return said
