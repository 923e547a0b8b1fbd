"""What the Evidence page asks of the fund beyond the services: whether the reader may
write (fund managers) or only read (auditors), and what a results file would give before
it is saved.

The preview is the same reading and the same estimate that :func:`fund.evidence.results.
upload_results` makes, by the registered plan's design, so what the person sees before
saving is what is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from fund.auth import Permission, User, may, require
from fund.evidence import estimate, observations
from fund.evidence.estimate import Estimate
from fund.sroi.impact_file import decode

PREVIEW_ROWS = 10


def editable(con: duckdb.DuckDBPyConnection, actor: User) -> bool:
    """Whether the person may register plans, results, verdicts and lessons (fund
    managers), rather than read them."""
    user = require(con, actor, Permission.READ_SUMMARY)
    return may(user.role, Permission.EVALUATE)


@dataclass(frozen=True)
class Preview:
    """A results file read and estimated, not yet saved."""

    text: str  # what the service is given to save
    rows: int  # observations in the file
    first: pd.DataFrame  # its first rows, as read
    estimate: Estimate


def preview(data: bytes, design: str) -> Preview:
    """The file's first rows and the estimate its design gives; every problem in the file
    at once (FileRefused) otherwise."""
    text = decode(data)
    found = observations.read(text)
    first = pd.DataFrame(
        {
            "row": [o.row for o in found[:PREVIEW_ROWS]],
            "unit": [o.unit for o in found[:PREVIEW_ROWS]],
            "group": [o.group for o in found[:PREVIEW_ROWS]],
            "period": [o.period for o in found[:PREVIEW_ROWS]],
            "post": [int(o.post) for o in found[:PREVIEW_ROWS]],
            "value": [float(o.value) for o in found[:PREVIEW_ROWS]],
        }
    )
    if first["unit"].isna().all():  # a file without units
        first = first.drop(columns="unit")
    return Preview(text, len(found), first, estimate.estimate(found, design))
