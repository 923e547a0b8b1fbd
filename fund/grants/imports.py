"""Importing a 360Giving file: awards made elsewhere recorded as small-grant commitments.

A grants team already keeps its awards (a panel's, an old grants system's) as a 360Giving
file. Importing one records each grant under a programme's small-grant experiment and
commits its amount, in one audited write that is all or nothing:

- the file is read and validated against the standard's schema (:mod:`fund.grants.reading`);
  then each grant must be one a sterling fund can record (GBP, pounds and pence, a real
  award date, an identifier used once in the file). Every bad grant is named at once, with
  its place in the file, and nothing is written;
- each grant keeps its 360Giving identifier, the key a re-import is matched on: the same file
  again writes nothing new, and a different grant under an identifier already recorded is
  refused;
- grants outside the ring-fence's small-grant range were awarded elsewhere: they are
  imported and flagged for the auditor, never refused for that alone; awards made elsewhere
  carry no registered evaluation plan and are shown so;
- the programme's allocation is the ceiling, as for any commitment; a file holding grants
  above the delegated limit, or a split award crossing it, waits whole as one approval
  request for a second fund manager.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import duckdb
import pyarrow as pa

from fund import register
from fund.auth import Permission, User, require
from fund.errors import FileRefused, Problem, ValidationError
from fund.grants import policy as grant_policy
from fund.grants import reading
from fund.grants.applications import scheme
from fund.grants.booking import commit_awards, import_awards
from fund.grants.split import WINDOW_DAYS
from fund.grants.writing import json_number
from fund.ledger import approvals
from fund.ledger.posting import commit_target
from fund.ledger.service import value_date
from fund.money import MAX_AMOUNT, PENNY, format_gbp
from fund.unit_of_work import Request, Step, Written, perform

Progress = Callable[[float, str], None]


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """What an import did, and what its report says, for the page and `--json`."""

    written: Written | None  # None: nothing new to write
    grants: int  # in the file
    new: int  # recorded by this import
    already: int  # recorded before, unchanged
    total: Decimal  # of the new grants
    out_of_range: list[str] = field(default_factory=list)  # identifiers outside the range
    above_limit: list[str] = field(default_factory=list)
    split: list[str] = field(default_factory=list)
    nothing: list[str] = field(default_factory=list)  # £0.00 awards: nothing committed
    not_approved: int = 0  # recorded before by an import whose approval was rejected
    extra_fields: list[str] = field(default_factory=list)
    typos: list[tuple[str, str]] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)

    @property
    def said(self) -> str:
        if self.written is None:
            said = f"Nothing new: all {self.grants:,} grants of the file are already recorded."
            if self.not_approved:
                said += (
                    f" {self.not_approved:,} of them came in with an import whose approval was"
                    " rejected and are not committed: decide each again (fund grants decide,"
                    " or the Applications tab), where four eyes apply to it."
                )
            return said
        return self.written.said

    def report(self) -> dict[str, object]:
        return {
            "grants": self.grants,
            "new": self.new,
            "already_recorded": self.already,
            "total": str(self.total),
            "out_of_range": self.out_of_range,
            "above_limit": self.above_limit,
            "split_awards": self.split,
            "nothing_committed": self.nothing,
            "extra_fields": self.extra_fields,
            "likely_typos": [{"column": a, "standard": b} for a, b in self.typos],
            "repairs": self.repairs,
            "evaluation_plan": "none registered: awards made elsewhere",
        }


@dataclass(frozen=True, kw_only=True)
class Award:
    """One grant of the file as the fund records it."""

    identifier: str
    title: str
    purpose: str
    recipient: str
    recipient_id: str | None
    amount: Decimal
    award_date: date
    planned_start: date | None
    planned_end: date | None
    published: str  # the grant as the file gave it (fields the standard lacks included)


def import_file(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    *,
    path: Path,
    programme_id: object,
    key: str,
    experiment_id: object = None,
    file_name: str | None = None,
    reason: str | None = None,
    progress: Progress | None = None,
) -> Outcome:
    """Import the 360Giving file at ``path`` into a programme's small-grant experiment."""
    require(con, actor, Permission.COMMIT)  # before the file says anything about the fund
    tell = progress or (lambda fraction, words: None)
    content = Path(path).read_bytes()
    name = file_name or Path(path).name
    read = reading.read(Path(path), lambda f, w: tell(0.7 * f, w), sterling)
    awards = _awards(read)
    tell(0.75, f"{len(awards):,} grants checked; recording them")
    outcome: dict[str, Outcome] = {}
    details = {
        "programme_id": str(programme_id),
        "experiment_id": str(experiment_id),
        "file_sha256": hashlib.sha256(content).hexdigest(),
        "grants": len(awards),
    }
    request = Request(
        operation="import grants",
        key=key,
        reason=reason or f"360Giving file {name} imported",
        details=details,
    )

    def change(step: Step) -> tuple[str, int]:
        made = _record(
            step, read, staged, name, details["file_sha256"], programme_id, experiment_id
        )
        outcome["made"] = made
        return "grant import", made.import_id

    staged = _staged(awards)
    new, rejected = _anything_new(con, staged)
    if not new:
        tell(1.0, "nothing new")
        return replace(
            _outcome(None, read, awards, already=len(awards), made=None), not_approved=rejected
        )
    written = perform(con, actor, Permission.COMMIT, request, change)
    tell(1.0, "done")
    made = outcome.get("made")
    if made is None:  # replayed by its key: the first import's figures
        return _outcome(written, read, awards, already=0, made=None)
    return _outcome(written, read, awards, already=len(awards) - made.new, made=made)


@dataclass(frozen=True, kw_only=True)
class _Made:
    import_id: int
    new: int
    total: Decimal
    out_of_range: list[str]
    above_limit: list[str]
    split: list[str]
    nothing: list[str]


def _outcome(written, read, awards, *, already: int, made: _Made | None) -> Outcome:
    return Outcome(
        written=written,
        grants=len(awards),
        new=made.new if made else 0,
        already=already,
        total=made.total if made else Decimal("0.00"),
        out_of_range=made.out_of_range if made else [],
        above_limit=made.above_limit if made else [],
        split=made.split if made else [],
        nothing=made.nothing if made else [],
        extra_fields=read.extra_fields,
        typos=read.typos,
        repairs=read.repairs,
    )


def sterling(grant: object) -> list[tuple[tuple, str]]:
    """What a sterling fund cannot record in a grant the schema accepts: another currency,
    a negative amount, or fractions of a penny (reported with the schema's problems)."""
    if not isinstance(grant, dict):
        return []
    found = []
    currency = grant.get("currency")
    if isinstance(currency, str) and currency != "GBP":
        found.append((("currency",), f"'{currency}': only grants in GBP are recorded here"))
    amount = grant.get("amountAwarded")
    if isinstance(amount, (int, float, Decimal)) and not isinstance(amount, bool):
        try:
            _pounds(amount)
        except ValidationError as error:
            found.append((("amountAwarded",), error.rule))
    return found + _recipient_named(grant) + _planned_in_order(grant)


def _recipient_named(grant: dict) -> list[tuple[tuple, str]]:
    """A recipient is known by its name (split awards group by it): one with no letter or
    digit in it would be every such recipient at once."""
    organisations = grant.get("recipientOrganization")
    if isinstance(organisations, list) and organisations and isinstance(organisations[0], dict):
        path, name = ("recipientOrganization", 0, "name"), organisations[0].get("name")
    elif isinstance(grant.get("recipientIndividual"), dict):
        path, name = ("recipientIndividual", "name"), grant["recipientIndividual"].get("name")
    else:
        return []
    if isinstance(name, str) and not any(c.isalnum() for c in name):
        return [(path, f"{name!r} names no one: a recipient's name needs a letter or digit")]
    return []


def _planned_in_order(grant: dict) -> list[tuple[tuple, str]]:
    planned = grant.get("plannedDates")
    if not (isinstance(planned, list) and planned and isinstance(planned[0], dict)):
        return []
    start, end = planned[0].get("startDate"), planned[0].get("endDate")
    try:
        before = date.fromisoformat(str(end)[:10]) < date.fromisoformat(str(start)[:10])
    except ValueError:
        return []  # not dates: the schema's check names them
    if start and end and before:
        return [(("plannedDates", 0, "endDate"), f"{end} is before the planned start, {start}")]
    return []


def _awards(read: reading.Reading) -> list[Award]:
    """Each grant of a file read whole (the schema's and :func:`sterling`'s rules held)."""
    return [_award(grant) for grant in read.grants]


def _award(grant: dict) -> Award:
    currency = grant.get("currency")
    if currency != "GBP":
        raise ValidationError(
            "Currency", f"{currency!r}: only grants in GBP can be recorded in a sterling fund"
        )
    recipients = grant.get("recipientOrganization") or [grant.get("recipientIndividual") or {}]
    planned = (grant.get("plannedDates") or [{}])[0]
    return Award(
        identifier=grant["id"].strip(),
        title=grant["title"],
        purpose=grant["description"],
        recipient=recipients[0].get("name", ""),
        recipient_id=recipients[0].get("id"),
        amount=_pounds(grant["amountAwarded"]),
        award_date=_date(grant["awardDate"], "Award Date"),
        planned_start=_date(planned.get("startDate"), "Planned Dates:Start Date"),
        planned_end=_date(planned.get("endDate"), "Planned Dates:End Date"),
        published=json.dumps(grant, ensure_ascii=False, default=json_number),
    )


def _pounds(value: object) -> Decimal:
    """An amount awarded as the fund books it: pounds and pence, not negative (a £0.00 grant,
    which funders publish for one withdrawn, is recorded with nothing committed)."""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError("Amount Awarded", f"{value} is not a number") from None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise ValidationError(
            "Amount Awarded", f"{value} must be a finite number of pounds, not negative"
        )
    if amount != amount.quantize(PENNY):
        raise ValidationError("Amount Awarded", f"{value} has more than two decimal places")
    return amount.quantize(PENNY)


def _date(value: object, field_name: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ValidationError(field_name, f"{value!r} is not a real date") from None


_STAGED = pa.schema(
    [
        ("identifier", pa.string()),
        ("title", pa.string()),
        ("purpose", pa.string()),
        ("recipient", pa.string()),
        ("recipient_id", pa.string()),
        ("amount", pa.decimal128(18, 2)),
        ("award_date", pa.date32()),
        ("planned_start", pa.date32()),
        ("planned_end", pa.date32()),
        ("published", pa.string()),
        ("place", pa.int64()),
    ]
)


def _staged(awards: list[Award]) -> pa.Table:
    names = [f for f in _STAGED.names if f != "place"]
    columns = [pa.array([getattr(a, n) for a in awards], _STAGED.field(n).type) for n in names]
    return pa.table([*columns, pa.array(range(len(awards)), pa.int64())], schema=_STAGED)


# Each grant of the file against what is recorded under its identifier already.
_MATCHED = """
SELECT s.place, g.grant_id, g.published IS NOT DISTINCT FROM s.published AS same
FROM staged_grants AS s JOIN small_grant AS g USING (identifier)
"""


def _anything_new(con: duckdb.DuckDBPyConnection, staged: pa.Table) -> tuple[bool, int]:
    """Whether the file holds a grant not recorded yet, or one recorded differently (which
    the import then refuses): a file imported before writes nothing, not even an audit row.
    Also how many of its grants an approver rejected (they wait to be decided again)."""
    with _registered(con, staged):
        matched = con.execute(_MATCHED).fetchall()
        rejected = con.execute(_REJECTED).fetchone()[0]
    new = len(matched) < staged.num_rows or not all(same for _, _, same in matched)
    return new, rejected


_REJECTED = """
SELECT count(*) FROM staged_grants AS s JOIN small_grant AS g USING (identifier)
JOIN grant_live_decision AS d USING (grant_id)
WHERE d.request_approved = FALSE
"""


class _registered:
    """The staged grants visible to SQL as ``staged_grants`` for the block's length."""

    def __init__(self, con: duckdb.DuckDBPyConnection, table: pa.Table) -> None:
        self.con, self.table = con, table

    def __enter__(self) -> None:
        self.con.complete()  # a single-row execute() left open would refuse the registration
        self.con.register("staged_grants", self.table)

    def __exit__(self, failed: object, *_: object) -> None:
        try:
            self.con.complete()  # a single-row execute() left open would refuse it
            self.con.unregister("staged_grants")
        except duckdb.Error:
            if failed is None:  # after a refusal the transaction is aborted: say the refusal
                raise


def _record(
    step: Step,
    read: reading.Reading,
    staged: pa.Table,
    name: str,
    sha: str,
    programme_id: object,
    experiment_id: object,
) -> _Made:
    experiment = scheme(step.con, programme_id, experiment_id)
    target = commit_target(step.con, experiment.experiment_id, imported=True)
    fence = register.ringfence(step.con, experiment.ringfence_id)
    rules = grant_policy.required(step.con, fence.ringfence_id, fence.name)
    with _registered(step.con, staged):
        matched = step.con.execute(_MATCHED).fetchall()
        _refuse_changed(read, matched)
        known = {place for place, _, _ in matched}
        fresh = staged.filter(pa.array([i not in known for i in range(staged.num_rows)]))
    if fresh.num_rows == 0:
        raise ValidationError("file", "holds no grant that is not recorded already")
    return _write(step, fresh, experiment, target, rules, (name, sha), read)


def _refuse_changed(read: reading.Reading, matched: list[tuple]) -> None:
    changed = [
        Problem(
            f"{read.places[place]}, Identifier",
            f"is already recorded for a different grant (small grant #{grant_id})",
        )
        for place, grant_id, same in sorted(matched)
        if not same
    ]
    if changed:
        raise FileRefused(tuple(changed))


_INSERT_GRANTS = """
INSERT INTO small_grant (grant_id, experiment_id, identifier, applicant_type, applicant,
    recipient, recipient_id, recipient_key, title, purpose, amount, planned_start, planned_end,
    import_id, published, applied_by, applied_at)
SELECT nextval('small_grant_id'), $experiment, identifier, 'imported', NULL, recipient,
       recipient_id, recipient_key(recipient), title, purpose, amount, planned_start,
       planned_end, $import, published, $actor, $at
FROM staged_grants ORDER BY place
RETURNING grant_id
"""
_INSERT_DECISIONS = """
INSERT INTO grant_decision (decision_id, grant_id, decision, amount, award_date, reason,
    decided_by, decided_at)
SELECT nextval('grant_decision_id'), g.grant_id, 'award', g.amount, s.award_date, $reason,
       $actor, $at
FROM staged_grants AS s JOIN small_grant AS g USING (identifier)
ORDER BY s.place
RETURNING decision_id
"""


def _write(step, fresh, experiment, target, rules, file, read) -> _Made:
    """Insert the import, its grants and their awards; commit them, or park the whole file."""
    name, sha = file
    total = sum(fresh.column("amount").to_pylist(), Decimal("0.00"))
    flags = _flags(step.con, fresh, experiment.programme_id, rules)
    import_id = step.con.execute("SELECT nextval('grant_import_id')").fetchone()[0]
    request_id = None
    day = value_date(None)
    if total and (flags["above_limit"] or flags["split"]):
        counterparty = f"{fresh.num_rows} small grants imported from {name}"[:200]
        _, request_id = approvals.request_commitment(
            step, experiment, total, counterparty, day, target.known
        )
    report = {
        "out_of_range": flags["out_of_range"],
        "above_limit": flags["above_limit"],
        "split_awards": flags["split"],
        "nothing_committed": flags["nothing"],
        "extra_fields": read.extra_fields,
        "likely_typos": read.typos,
        "repairs": read.repairs,
    }
    step.con.execute(
        "INSERT INTO grant_import VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            import_id,
            experiment.experiment_id,
            name,
            sha,
            fresh.num_rows,
            total,
            json.dumps(report, sort_keys=True),
            request_id,
            step.actor.user_id,
            step.at,
        ],
    )
    step.record("grant_import", import_id)
    params = {
        "experiment": experiment.experiment_id,
        "import": import_id,
        "actor": step.actor.user_id,
        "at": step.at,
    }
    with _registered(step.con, fresh):
        grant_ids = [row[0] for row in step.con.execute(_INSERT_GRANTS, params).fetchall()]
        decision_ids = step.con.execute(
            _INSERT_DECISIONS, {"reason": step.reason, "actor": step.actor.user_id, "at": step.at}
        ).fetchall()
    step.record_all("small_grant", grant_ids)
    step.record_all("grant_decision", (decision_id for (decision_id,) in decision_ids))
    decided = import_awards(step.con, import_id)
    if request_id is None:
        if decided.num_rows:
            commit_awards(step, experiment, decided, day, None, target.known)
        step.said = (
            f"Import #{import_id}: {fresh.num_rows:,} grants from {name} committed,"
            f" {format_gbp(total)} in all."
        )
    else:
        step.said = (
            f"Import #{import_id}: {fresh.num_rows:,} grants from {name}, {format_gbp(total)},"
            f" hold awards above the delegated limit of {format_gbp(rules.delegated_limit)}"
            f" or split awards crossing it: the whole import waits for a second fund manager"
            f" as approval request #{request_id}."
        )
    return _Made(import_id=import_id, new=fresh.num_rows, total=total, **flags)


# The new grants outside the range, above the limit, or crossing it as a split award with
# others to the same recipient in the programme (in the file or recorded already).
_FLAGS = f"""
WITH recorded AS (
    SELECT g.identifier, g.recipient_key, g.recipient_id, d.amount, d.award_date
    FROM grant_live_decision AS d JOIN small_grant AS g USING (grant_id)
    JOIN experiment AS x USING (experiment_id)
    WHERE d.decision = 'award' AND coalesce(d.request_approved, TRUE)
      AND x.programme_id = $programme
),
incoming AS (
    SELECT identifier, recipient_key(recipient) AS recipient_key, recipient_id, amount,
           award_date, place FROM staged_grants
),
every AS (SELECT identifier, recipient_key, recipient_id, amount, award_date FROM recorded
          UNION ALL
          SELECT identifier, recipient_key, recipient_id, amount, award_date FROM incoming),
pair AS (
    SELECT i.identifier, e.identifier AS other, e.amount
    FROM incoming AS i JOIN every AS e USING (recipient_key)
    WHERE abs(e.award_date - i.award_date) < {WINDOW_DAYS}
    UNION
    SELECT i.identifier, e.identifier, e.amount
    FROM incoming AS i JOIN every AS e USING (recipient_id)
    WHERE abs(e.award_date - i.award_date) < {WINDOW_DAYS}
),
together AS (
    SELECT identifier, sum(amount) AS together, count(*) AS awards FROM pair GROUP BY identifier
)
SELECT i.identifier,
       i.amount NOT BETWEEN $low AND $high AS out_of_range,
       i.amount > $limit AS above_limit,
       i.amount <= $limit AND t.awards > 1 AND t.together > $limit AS split,
       i.amount = 0 AS nothing
FROM incoming AS i JOIN together AS t USING (identifier)
ORDER BY i.place
"""  # noqa: S608 - a constant formatted in


def _flags(con, fresh: pa.Table, programme_id: int, rules) -> dict[str, list[str]]:
    params = {
        "programme": programme_id,
        "low": rules.min_amount,
        "high": rules.max_amount,
        "limit": rules.delegated_limit,
    }
    with _registered(con, fresh):
        rows = con.execute(_FLAGS, params).fetchall()
    return {
        name: [identifier for identifier, *marks in rows if marks[n]]
        for n, name in enumerate(("out_of_range", "above_limit", "split", "nothing"))
    }
