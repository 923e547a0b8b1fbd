"""Recorded state: what each audited write left in the rows that decide money or permission.

The ledger is covered by the chain entry by entry; everything else that decides where money
is reported or who may move it (ring-fences and their risk appetites, programmes, experiments
and their partners, commitments, approval requests and decisions, users and their passwords,
settings, anchors, lock-outs lifted, signed-in sessions) is standing data that a write changes in place. So each
write names the rows it wrote (:meth:`fund.unit_of_work.Step.record`), and their state, as
text built here in SQL, is stored beside its audit row in ``audit_state`` and covered by that
row's hash. ``verify`` then compares every current row of every table in :data:`RECORDED`
with its last recorded state: a row edited, inserted or deleted outside the services is
named, whichever table it is in. A new table is covered by declaring it here, not by new SQL.

A recorded state is one text per row, or per group of child rows sharing a key (an
experiment's partners, its scaling routes), so that a write replacing the group records it
whole and a group emptied is recorded as gone (``NULL``). Passwords are recorded only as a
digest of their hash. The state is built by the same SQL when writing and when verifying,
so there is one definition of it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import duckdb

from fund.errors import RecordAltered


@dataclass(frozen=True, kw_only=True)
class Recorded:
    """A table whose rows each write records: how a row is named and what its state is."""

    table: str
    name: str  # how a row is named in a finding; {} is its key
    key: str  # the column naming the row (or the group of rows) a write records
    key_type: str  # its SQL type, so that a write's lookup can use the table's index
    fields: tuple[str, ...]  # SQL expressions whose values are the row's state
    grouped: bool = False  # many rows share a key (an experiment's partner lines)

    @property
    def text(self) -> str:
        """SQL of one row's state as text."""
        return "to_json([" + ", ".join(f"({field})::VARCHAR" for field in self.fields) + "])"

    def states(self, where: str = "") -> str:
        """SQL of (row_key, state) for every row, or those ``where`` keeps; trusted text only.
        A key's state is its rows' texts in order, one per line (just the text for one row)."""
        text = self.text
        return (
            f"SELECT {self.key}::VARCHAR AS row_key,"  # noqa: S608 - declared names only
            f" string_agg({text}, chr(10) ORDER BY {text}) AS state"
            f" FROM {self.table} {where} GROUP BY {self.key}"
        )


# Every table that decides money or permission, other than the ledger and the chain itself
# (which the chain covers row by row). ``sign_in_attempt`` is left out on purpose: it is
# written at every sign-in, before anyone is known, and only ever makes sign-in stricter.
RECORDED: tuple[Recorded, ...] = (
    Recorded(
        table="app_user",
        name="user #{}",
        key="user_id",
        key_type="INTEGER",
        fields=(
            "username",
            "display_name",
            "role",
            "sha256(password_hash)",
            "active",
            "created_at",
        ),
    ),
    Recorded(
        table="ringfence",
        name="ring-fence #{}",
        key="ringfence_id",
        key_type="INTEGER",
        fields=(
            "name",
            "owner_body",
            "financial_years",
            "declared_amount",
            "purpose",
            "advertised_on",
            "delegated_limit",
            "created_at",
        ),
    ),
    Recorded(
        table="programme",
        name="programme #{}",
        key="programme_id",
        key_type="INTEGER",
        fields=("ringfence_id", "name", "target", "created_at"),
    ),
    Recorded(
        table="experiment",
        name="experiment #{}",
        key="experiment_id",
        key_type="INTEGER",
        fields=(
            "programme_id",
            "title",
            "instrument",
            "phase",
            "risk_rating",
            "official",
            "user_involvement",
            "created_at",
        ),
    ),
    Recorded(
        table="partner",
        name="partner #{}",
        key="partner_id",
        key_type="INTEGER",
        fields=("name", "sector"),
    ),
    Recorded(
        table="experiment_partner",
        name="the partners of experiment #{}",
        key="experiment_id",
        key_type="INTEGER",
        fields=("partner_id", "role", "match_cash", "match_in_kind"),
        grouped=True,
    ),
    Recorded(
        table="commitment",
        name="commitment #{}",
        key="commitment_id",
        key_type="INTEGER",
        fields=("experiment_id", "counterparty", "approved_by", "created_at"),
    ),
    Recorded(
        table="approval_request",
        name="approval request #{}",
        key="request_id",
        key_type="INTEGER",
        fields=(
            "kind",
            "amount",
            "requested_by",
            "requested_at",
            "reason",
            "from_ringfence_id",
            "to_ringfence_id",
            "from_programme_id",
            "to_programme_id",
            "experiment_id",
            "counterparty",
            "value_date",
        ),
    ),
    Recorded(
        table="approval_decision",
        name="the decision on approval request #{}",
        key="request_id",
        key_type="INTEGER",
        fields=("approved", "decided_by", "decided_at", "reason"),
    ),
    Recorded(
        table="lifecycle_move",
        name="lifecycle move #{}",
        key="move_id",
        key_type="INTEGER",
        fields=(
            "experiment_id",
            "from_phase",
            "to_phase",
            "outcome",
            "reason",
            "actor_id",
            "moved_at",
        ),
    ),
    Recorded(
        table="scaling_record",
        name="the scaling routes of experiment #{}",
        key="experiment_id",
        key_type="INTEGER",
        fields=("route", "reason", "actor_id", "recorded_at"),
        grouped=True,
    ),
    Recorded(
        table="setting",
        name="setting '{}'",
        key="name",
        key_type="VARCHAR",
        fields=("value",),
    ),
    Recorded(
        table="audit_anchor",
        name="anchor #{}",
        key="anchor_id",
        key_type="INTEGER",
        fields=("seq", "row_hash", "anchored_at", "actor_id"),
    ),
    Recorded(
        table="sign_in_release",
        name="the unlock history of user name '{}'",
        key="username",
        key_type="VARCHAR",
        fields=("released_at", "actor_id"),
        grouped=True,
    ),
    Recorded(
        table="impact_map",
        name="impact map #{}",
        key="map_id",
        key_type="INTEGER",
        fields=(
            "experiment_id",
            "version",
            "price_year",
            "schedule",
            "schedule_effective_from",
            "flat_rate",
            "first_year_discounted",
            "present_value",
            "first_year_value",
            "gaps",
            "saved_by",
            "saved_at",
            "reason",
        ),
    ),
    Recorded(
        table="impact_outcome",
        name="the outcomes of impact map #{}",
        key="map_id",
        key_type="INTEGER",
        fields=(
            "position",
            "stakeholder",
            "outcome",
            "indicator",
            "quantity",
            "proxy",
            "proxy_code",
            "proxy_source",
            "duration_years",
            "start_year",
            "deadweight",
            "displacement",
            "attribution",
            "drop_off",
            "deadweight_why",
            "displacement_why",
            "attribution_why",
            "drop_off_why",
            "ranges",
        ),
        grouped=True,
    ),
    # The SROI reference data (migration 0006): every ratio rests on these rows.
    Recorded(
        table="proxy",
        name="proxy '{}'",
        key="code",
        key_type="VARCHAR",
        fields=(
            "proxy_id",
            "category",
            "description",
            "unit",
            "value",
            "agency",
            "price_year",
            "source",
            "licence",
            "added_by",
            "added_at",
        ),
    ),
    Recorded(
        table="deflator_index",
        name="the deflator series '{}'",
        key="series",
        key_type="VARCHAR",
        fields=("period", "value"),
        grouped=True,
    ),
    Recorded(
        table="discount_schedule",
        name="discount schedule #{}",
        key="schedule_id",
        key_type="INTEGER",
        fields=("name", "effective_from", "source"),
    ),
    Recorded(
        table="discount_band",
        name="the bands of discount schedule #{}",
        key="schedule_id",
        key_type="INTEGER",
        fields=("year_from", "year_to", "rate"),
        grouped=True,
    ),
    # Evidence and lessons (migration 0008): what an experiment is judged against and by.
    Recorded(
        table="evaluation_plan",
        name="evaluation plan #{}",
        key="plan_id",
        key_type="INTEGER",
        fields=(
            "experiment_id",
            "version",
            "hypothesis",
            "metric",
            "metric_unit",
            "higher_is_better",
            "baseline",
            "target_effect",
            "design",
            "planned_sample",
            "review_date",
            "kill_threshold",
            "kill_by",
            "after_commitment",
            "registered_by",
            "registered_at",
            "reason",
        ),
    ),
    Recorded(
        table="result_set",
        name="result set #{}",
        key="result_id",
        key_type="INTEGER",
        fields=(
            "experiment_id",
            "plan_id",
            "source",
            "file_sha256",
            "design",
            "method",
            "effect",
            "std_error",
            "ci_low",
            "ci_high",
            "n",
            "treated_post_mean",
            "evaluator",
            "recorded_by",
            "recorded_at",
            "reason",
        ),
    ),
    Recorded(
        table="result_observation",
        name="the observations of result set #{}",
        key="result_id",
        key_type="INTEGER",
        fields=("file_row", "unit", "treated", "period", "post", "value"),
        grouped=True,
    ),
    Recorded(
        table="result_cell",
        name="the summary of result set #{}",
        key="result_id",
        key_type="INTEGER",
        fields=("treated", "post", "n", "mean", "sd"),
        grouped=True,
    ),
    Recorded(
        table="verdict_override",
        name="verdict override #{}",
        key="override_id",
        key_type="INTEGER",
        fields=(
            "experiment_id",
            "result_id",
            "derived",
            "verdict",
            "decided_by",
            "decided_at",
            "reason",
        ),
    ),
    Recorded(
        table="lesson",
        name="lesson #{}",
        key="lesson_id",
        key_type="INTEGER",
        fields=(
            "experiment_id",
            "version",
            "what_worked",
            "what_did_not",
            "do_differently",
            "transfers_to",
            "tags",
            "scaling_route",
            "recorded_by",
            "recorded_at",
            "reason",
        ),
    ),
    Recorded(
        table="experiment_closure",
        name="the closing of experiment #{}",
        key="experiment_id",
        key_type="INTEGER",
        fields=("lesson_id", "closed_by", "closed_at", "reason"),
    ),
    # Risk appetite (migration 0009): the limits a commitment is held to.
    Recorded(
        table="risk_appetite",
        name="risk appetite #{}",
        key="appetite_id",
        key_type="INTEGER",
        fields=(
            "ringfence_id",
            "version",
            "high_risk_share",
            "instrument_share",
            "counterparty_share",
            "declared_by",
            "declared_at",
            "reason",
        ),
    ),
    # Payment-by-results contracts (migration 0010): what outcomes earn and who verified them.
    Recorded(
        table="pbr_contract",
        name="PbR contract #{}",
        key="contract_id",
        key_type="INTEGER",
        fields=(
            "commitment_id",
            "name",
            "provider",
            "outcome_payer",
            "starts_on",
            "ends_on",
            "max_per_participant",
            "baseline_rule",
            "verifier",
            "created_by",
            "created_at",
        ),
    ),
    Recorded(
        table="pbr_rate",
        name="the rate card of PbR contract #{}",
        key="contract_id",
        key_type="INTEGER",
        fields=("metric", "definition", "unit_price", "cap"),
        grouped=True,
    ),
    Recorded(
        table="pbr_cohort",
        name="the cohorts of PbR contract #{}",
        key="contract_id",
        key_type="INTEGER",
        fields=("cohort", "starts_on", "participants"),
        grouped=True,
    ),
    Recorded(
        table="pbr_expected",
        name="the expected outcomes of PbR contract #{}",
        key="contract_id",
        key_type="INTEGER",
        fields=("metric", "period_end", "quantity"),
        grouped=True,
    ),
    Recorded(
        table="pbr_investor",
        name="PbR investor #{}",
        key="investor_id",
        key_type="INTEGER",
        fields=("contract_id", "name", "committed", "created_by", "created_at"),
    ),
    Recorded(
        table="pbr_investor_flow",
        name="PbR investor flow #{}",
        key="flow_id",
        key_type="INTEGER",
        fields=("investor_id", "kind", "amount", "flow_date", "recorded_by", "recorded_at"),
    ),
    Recorded(
        table="pbr_claim",
        name="outcome claim #{}",
        key="claim_id",
        key_type="INTEGER",
        fields=(
            "contract_id",
            "cohort",
            "metric",
            "participant",
            "period_start",
            "period_end",
            "quantity",
            "evidence",
            "claimed_by",
            "claimed_at",
        ),
    ),
    Recorded(
        table="pbr_verification",
        name="verification #{}",
        key="verification_id",
        key_type="INTEGER",
        fields=(
            "claim_id",
            "decision",
            "quantity",
            "reason",
            "verified_by",
            "verified_at",
            "reverses",
        ),
    ),
    # Small grants (migration 0011): the policy they are judged by, the applications, their
    # decisions and the commitments those made, reports, closures and imports.
    Recorded(
        table="grant_policy",
        name="small-grant policy #{}",
        key="policy_id",
        key_type="INTEGER",
        fields=(
            "ringfence_id",
            "version",
            "min_amount",
            "max_amount",
            "delegated_limit",
            "id_prefix",
            "funder_id",
            "report_days",
            "declared_by",
            "declared_at",
            "reason",
        ),
    ),
    Recorded(
        table="grant_import",
        name="grant import #{}",
        key="import_id",
        key_type="INTEGER",
        fields=(
            "experiment_id",
            "file_name",
            "file_sha256",
            "grants",
            "total",
            "sha256(report)",
            "request_id",
            "imported_by",
            "imported_at",
        ),
    ),
    Recorded(
        table="small_grant",
        name="small grant #{}",
        key="grant_id",
        key_type="INTEGER",
        fields=(
            "experiment_id",
            "identifier",
            "applicant_type",
            "applicant",
            "recipient",
            "recipient_id",
            "recipient_key",
            "title",
            "purpose",
            "amount",
            "planned_start",
            "planned_end",
            "import_id",
            "sha256(published)",
            "applied_by",
            "applied_at",
        ),
    ),
    Recorded(
        table="grant_decision",
        name="grant decision #{}",
        key="decision_id",
        key_type="INTEGER",
        fields=(
            "grant_id",
            "decision",
            "amount",
            "award_date",
            "report_due",
            "request_id",
            "split_with",
            "reason",
            "decided_by",
            "decided_at",
            "reverses",
        ),
    ),
    Recorded(
        table="grant_commitment",
        name="the commitment of grant decision #{}",
        key="decision_id",
        key_type="INTEGER",
        fields=("commitment_id",),
    ),
    Recorded(
        table="grant_report",
        name="the report of small grant #{}",
        key="grant_id",
        key_type="INTEGER",
        fields=("what_done", "learned", "spent", "reported_by", "reported_at"),
    ),
    Recorded(
        table="grant_closure",
        name="the closing of small grant #{}",
        key="grant_id",
        key_type="INTEGER",
        fields=("closed_by", "closed_at", "reason"),
    ),
    # Experimental zones (migration 0012): the zone on its commitment, its comparison areas,
    # its waiver register with every decision on it, and its outcome series.
    Recorded(
        table="zone",
        name="zone #{}",
        key="zone_id",
        key_type="INTEGER",
        fields=(
            "commitment_id",
            "area_name",
            "area_code",
            "starts_on",
            "ends_on",
            "official",
            "created_by",
            "created_at",
            "reason",
        ),
    ),
    Recorded(
        table="zone_comparison",
        name="the comparison areas of zone #{}",
        key="zone_id",
        key_type="INTEGER",
        fields=("area_code", "area_name", "added_by", "added_at"),
        grouped=True,
    ),
    Recorded(
        table="waiver",
        name="waiver #{}",
        key="waiver_id",
        key_type="INTEGER",
        fields=(
            "zone_id",
            "rule",
            "source",
            "legal_basis",
            "scope",
            "expires_on",
            "renews",
            "recorded_by",
            "recorded_at",
            "reason",
        ),
    ),
    Recorded(
        table="waiver_decision",
        name="waiver decision #{}",
        key="decision_id",
        key_type="INTEGER",
        fields=(
            "waiver_id",
            "decision",
            "authority",
            "decided_on",
            "recorded_by",
            "recorded_at",
            "reason",
        ),
    ),
    Recorded(
        table="zone_outcome",
        name="the zone outcome series of result set #{}",
        key="result_id",
        key_type="INTEGER",
        fields=("zone_id", "file_row", "area_code", "period", "period_start", "value"),
        grouped=True,
    ),
    # Social venture investments (migration 0013): the terms on a commitment, a loan's
    # schedule made from them, and the valuations that give the residual value.
    Recorded(
        table="venture_terms",
        name="the investment terms of commitment #{}",
        key="commitment_id",
        key_type="INTEGER",
        fields=(
            "investment_type",
            "principal",
            "interest_rate",
            "starts_on",
            "grace_months",
            "instalments",
            "every_months",
            "stake",
            "follow_on_reserve",
            "recorded_by",
            "recorded_at",
            "reason",
        ),
    ),
    Recorded(
        table="loan_instalment",
        name="the loan schedule of commitment #{}",
        key="commitment_id",
        key_type="INTEGER",
        fields=("number", "due_on", "principal", "interest"),
        grouped=True,
    ),
    Recorded(
        table="venture_valuation",
        name="valuation #{}",
        key="valuation_id",
        key_type="INTEGER",
        fields=(
            "commitment_id",
            "valued_on",
            "value",
            "basis",
            "recorded_by",
            "recorded_at",
            "reason",
        ),
    ),
    Recorded(
        table="app_session",
        name="session #{}",
        key="session_id",
        key_type="INTEGER",
        fields=("token_sha256", "user_id", "created_at", "expires_at", "ended_at"),
    ),
)
BY_TABLE = {recorded.table: recorded for recorded in RECORDED}

StateRow = tuple[str, str, str | None]  # (table, row key, state or None once gone)


_RETURNING = " RETURNING tbl, row_key, state"


def _record_sql(recorded: Recorded, many: bool = False) -> str:
    """Insert the state of the named rows (NULL for a key with no rows left) at one audit row:
    a key or two by the table's index, many keys (or a group's rows) by one join."""
    if not recorded.grouped and not many:
        # One row per key: the same text as states() gives, read through the key's index.
        return (
            "INSERT INTO audit_state (audit_seq, tbl, row_key, state)"  # noqa: S608
            f" SELECT $seq, '{recorded.table}', {recorded.key}::VARCHAR, {recorded.text}"
            f" FROM {recorded.table}"
            f" WHERE {recorded.key} = CAST($keys[1] AS {recorded.key_type})"
            f"{_RETURNING}"
        )
    if not recorded.grouped:
        # Many rows of one table (an import's): one join on the key, NULL for a key gone.
        return (
            "INSERT INTO audit_state (audit_seq, tbl, row_key, state)"  # noqa: S608
            f" SELECT $seq, '{recorded.table}', k.wanted::VARCHAR,"
            f" CASE WHEN t.{recorded.key} IS NULL THEN NULL ELSE {recorded.text} END"
            f" FROM (SELECT DISTINCT CAST(unnest($keys) AS {recorded.key_type}) AS wanted) AS k"
            f" LEFT JOIN {recorded.table} AS t ON t.{recorded.key} = k.wanted"
            f"{_RETURNING}"
        )
    where = f"WHERE {recorded.key} IN (SELECT CAST(unnest($keys) AS {recorded.key_type}))"
    return (
        "INSERT INTO audit_state (audit_seq, tbl, row_key, state)"  # noqa: S608 - declared names
        f" SELECT $seq, '{recorded.table}', k.row_key, s.state"
        " FROM (SELECT unnest($keys) AS row_key) AS k"
        f" LEFT JOIN ({recorded.states(where)}) AS s USING (row_key)"
        f"{_RETURNING}"
    )


_RECORD = {recorded.table: _record_sql(recorded) for recorded in RECORDED}
_RECORD_MANY = {recorded.table: _record_sql(recorded, many=True) for recorded in RECORDED}
_BY_INDEX = 2  # up to this many keys of a table are recorded one index lookup each


def record(
    con: duckdb.DuckDBPyConnection, seq: int, written: dict[str, set[str]]
) -> list[StateRow]:
    """Store the state of every row a write names (by table) at audit row ``seq``; return
    the stored rows in the order their digest covers them (by table, then key)."""
    stored: list[StateRow] = []
    for table in sorted(written):
        keys = sorted(written[table])
        if BY_TABLE[table].grouped:
            stored += con.execute(_RECORD[table], {"seq": seq, "keys": keys}).fetchall()
            continue
        if len(keys) > _BY_INDEX:  # an import: its rows in one statement
            stored += con.execute(_RECORD_MANY[table], {"seq": seq, "keys": keys}).fetchall()
            continue
        for key in keys:  # a write names one or two rows of a table
            found = con.execute(_RECORD[table], {"seq": seq, "keys": [key]}).fetchall()
            stored += found or _gone(con, seq, table, key)
    return sorted(stored, key=lambda row: (row[0], row[1]))


BULK = 1000  # a write naming more rows of one table than this (an import) digests them in SQL


def is_bulk(written: dict[str, set[str]]) -> bool:
    return any(len(keys) > BULK for keys in written.values())


_DIGEST = """
SELECT coalesce(sha256(string_agg(audit_state_text(tbl, row_key, state), chr(10)
                                  ORDER BY tbl, row_key)), '')
FROM audit_state WHERE audit_seq = ?
"""


def record_digested(con: duckdb.DuckDBPyConnection, seq: int, written: dict[str, set[str]]) -> str:
    """Store the states as :func:`record` does, for a write naming thousands of rows, and
    return their digest made in SQL exactly as ``verify`` makes it, so that the states of an
    import never travel through Python."""
    for table in sorted(written):
        statement = _RECORD_MANY[table].removesuffix(_RETURNING)  # they stay in the database
        con.execute(statement, {"seq": seq, "keys": list(written[table])})
    return con.execute(_DIGEST, [seq]).fetchone()[0]


def _gone(con: duckdb.DuckDBPyConnection, seq: int, table: str, key: str) -> list[StateRow]:
    """Record that a write left no row under ``key``."""
    con.execute("INSERT INTO audit_state VALUES (?, ?, ?, NULL)", [seq, table, key])
    return [(table, key, None)]


def record_all(
    con: duckdb.DuckDBPyConnection, seq: int, only: Collection[str] | None = None
) -> list[StateRow]:
    """Store the state of every row of every recorded table (or of the tables ``only``
    names) at audit row ``seq``: a baseline, or data a migration loads.

    It is taken while migrating, so only the recorded tables the database has so far are
    read; tables a later migration creates start empty and need none.
    """
    present = {
        name
        for (name,) in con.execute(
            "SELECT table_name FROM duckdb_tables()"
            " WHERE database_name = current_database() AND schema_name = current_schema()"
        ).fetchall()
    }
    tables = [r for r in RECORDED if r.table in present and (only is None or r.table in only)]
    stored = con.execute(
        "INSERT INTO audit_state (audit_seq, tbl, row_key, state)"  # noqa: S608 - declared names
        f" SELECT ?, tbl, row_key, state FROM ({current_states(tables)})"
        " RETURNING tbl, row_key, state",
        [seq],
    ).fetchall()
    return sorted(stored, key=lambda row: (row[0], row[1]))


def current_states(tables: tuple[Recorded, ...] | list[Recorded] = RECORDED) -> str:
    """SQL of (tbl, row_key, state) for every row of every recorded table (or of ``tables``),
    as verify reads it."""
    return "\nUNION ALL\n".join(
        f"SELECT '{r.table}' AS tbl, row_key, state FROM ({r.states()})"  # noqa: S608
        for r in tables
    )


def names() -> tuple[list[str], list[str]]:
    """The recorded tables and how their rows are named, as two parallel lists for SQL."""
    return [r.table for r in RECORDED], [r.name for r in RECORDED]


_LAST_RECORDED = """
SELECT audit_seq, state FROM audit_state
WHERE tbl = ? AND row_key = ?
ORDER BY audit_seq DESC
LIMIT 1
"""


def require_as_recorded(con: duckdb.DuckDBPyConnection, table: str, key: object) -> None:
    """Refuse to act on a row that is not what its last audited write recorded.

    An approval, for instance, must act on the request as the chain recorded it, never on a
    row that could have been edited since.
    """
    recorded = BY_TABLE[table]
    last = con.execute(_LAST_RECORDED, [table, str(key)]).fetchall()
    where = f"WHERE {recorded.key} = CAST(? AS {recorded.key_type})"
    now = con.execute(recorded.states(where), [str(key)]).fetchall()
    state_now = now[0][1] if now else None
    if not last or last[0][1] != state_now:
        raise RecordAltered(
            field=table.replace("_", " "),
            name=recorded.name.format(key),
            seq=last[0][0] if last else None,
        )


def require_all_as_recorded(con: duckdb.DuckDBPyConnection, table: str, keys: list) -> None:
    """:func:`require_as_recorded` for many rows of one table at once (an import's grants),
    in one query: the first row not as its last audited write left it is refused."""
    recorded = BY_TABLE[table]
    where = f"WHERE {recorded.key} IN (SELECT CAST(unnest($keys) AS {recorded.key_type}))"
    found = con.execute(
        "SELECT k.row_key, l.audit_seq"  # noqa: S608 - declared names only
        " FROM (SELECT unnest($keys)::VARCHAR AS row_key) AS k"
        " LEFT JOIN (SELECT row_key, audit_seq, state FROM audit_state WHERE tbl = $table"
        "   QUALIFY row_number() OVER (PARTITION BY row_key ORDER BY audit_seq DESC) = 1) AS l"
        "   USING (row_key)"
        f" LEFT JOIN ({recorded.states(where)}) AS n USING (row_key)"
        " WHERE l.audit_seq IS NULL OR l.state IS DISTINCT FROM n.state"
        " ORDER BY k.row_key LIMIT 1",
        {"keys": [str(k) for k in keys], "table": table},
    ).fetchall()
    if found:
        key, seq = found[0]
        raise RecordAltered(field=table.replace("_", " "), name=recorded.name.format(key), seq=seq)
