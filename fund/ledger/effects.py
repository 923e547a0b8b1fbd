"""Which balance each kind of ledger entry feeds: the one definition, for rules and reports.

The pure rules (:mod:`fund.ledger.rules`) add movements to balances by :data:`FEEDS`, and
every report sums the SQL view ``ledger_effect``, which :func:`effect_view` writes from the
same table (migration 0010 installs it), so a kind cannot feed one balance in a refusal and
another in a report.
"""

from __future__ import annotations

from enum import StrEnum

import duckdb


class Kind(StrEnum):
    """Ledger entry kinds; each feeds exactly one balance."""

    ALLOCATION = "allocation"
    VIREMENT = "virement"
    RINGFENCE_VIREMENT = "ringfence_virement"
    COMMITMENT = "commitment"
    DECOMMITMENT = "decommitment"
    DISBURSEMENT = "disbursement"
    RECOVERY = "recovery"
    WRITE_OFF = "write_off"


# Which figure of a commitment, a programme and a ring-fence each kind of entry moves (None:
# none of that scope's).
FEEDS: dict[Kind, tuple[str | None, str | None, str | None]] = {
    Kind.ALLOCATION: (None, "allocated", "allocated"),
    Kind.VIREMENT: (None, "allocated", "allocated"),
    Kind.RINGFENCE_VIREMENT: (None, None, "ceiling"),
    Kind.COMMITMENT: ("committed", "committed", None),
    Kind.DECOMMITMENT: ("committed", "committed", None),
    Kind.DISBURSEMENT: ("paid", None, None),
    Kind.RECOVERY: ("recovered", None, None),
    Kind.WRITE_OFF: ("written_off", None, None),
}

# The view's money columns, by the figure of FEEDS each sums (a ring-fence's ceiling is
# moved, not held, by its entries).
COLUMNS = {
    "allocated": "allocated",
    "committed": "committed",
    "paid": "paid",
    "recovered": "recovered",
    "written_off": "written_off",
    "ceiling": "ceiling_moved",
}


def kinds_feeding(figure: str) -> list[Kind]:
    """The kinds whose entries move ``figure`` in some scope, in declaration order."""
    return [kind for kind, figures in FEEDS.items() if figure in figures]


def effect_view() -> str:
    """``CREATE OR REPLACE VIEW ledger_effect``: each entry with its amount in the one
    column its kind feeds and zero in the others (only the fixed names above are formatted)."""
    cases = ",\n       ".join(
        "CASE WHEN kind IN ("
        + ", ".join(f"'{kind.value}'" for kind in kinds_feeding(figure))
        + f") THEN amount ELSE 0 END AS {column}"
        for figure, column in COLUMNS.items()
    )
    return (
        "CREATE OR REPLACE VIEW ledger_effect AS\n"
        "SELECT entry_id, kind, ringfence_id, programme_id, commitment_id, value_date,\n"
        f"       {cases}\n"
        "FROM ledger_entry"
    )


def install(con: duckdb.DuckDBPyConnection) -> None:
    """Write ``ledger_effect`` from :data:`FEEDS` (a migration's finishing step)."""
    con.execute(effect_view())
