"""Finding lessons: the latest version of each, beside where its experiment stands as a test
(verdict, evidence level, closed or not), by text, tag, verdict, programme and instrument;
exported as CSV; and every version of one experiment's lesson.

Every reading role may search, board members included, so what a search shows depends on
who reads: the names of the officials responsible, and of who recorded each lesson, only for
those who may see people (:data:`fund.auth.Permission.READ_PEOPLE`).
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from fund import exports, register
from fund.auth import Permission, User, may, require
from fund.db import frame, today
from fund.evidence import judgement
from fund.evidence.verdict import Verdict
from fund.lessons.lesson import TEXTS, normal_tag
from fund.register import Instrument

PEOPLE = ("official", "recorded_by")  # names only those who may see people are shown

# The latest version of each lesson recorded by the end of the day, with its experiment;
# text is matched literally (contains, not LIKE), in any case, across the four texts and
# the experiment's title.
_LESSONS = f"""
WITH latest AS (
    SELECT * FROM lesson WHERE recorded_at < $cutoff
    QUALIFY row_number() OVER (PARTITION BY experiment_id ORDER BY version DESC) = 1
)
SELECT l.lesson_id, l.experiment_id, x.title, x.programme_id, g.name AS programme,
       x.instrument, x.official, l.version, {", ".join("l." + t for t in TEXTS)}, l.tags,
       l.scaling_route, u.display_name AS recorded_by, l.recorded_at
FROM latest AS l
JOIN experiment AS x USING (experiment_id)
JOIN programme AS g ON g.programme_id = x.programme_id
JOIN app_user AS u ON u.user_id = l.recorded_by
WHERE ($text::VARCHAR IS NULL
       OR {" OR ".join(f"contains(lower(l.{t}), $text)" for t in TEXTS)}
       OR contains(lower(x.title), $text))
  AND ($tag::VARCHAR IS NULL OR list_contains(l.tags, $tag))
  AND ($programme_id::INTEGER IS NULL OR x.programme_id = $programme_id)
  AND ($instrument::VARCHAR IS NULL OR x.instrument = $instrument)
ORDER BY l.recorded_at DESC, l.lesson_id DESC
"""  # noqa: S608 - declared column names only

_JUDGED = ["experiment_id", "verdict", "derived_verdict", "evidence_level", "closed_at"]
_SHOWN = [
    "experiment_id",
    "title",
    "programme_id",
    "programme",
    "instrument",
    "official",
    "verdict",
    "derived_verdict",
    "evidence_level",
    "closed",
    "version",
    *TEXTS,
    "tags",
    "scaling_route",
    "recorded_by",
    "recorded_at",
]


def search(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    *,
    text: str | None = None,
    tag: str | None = None,
    verdict: str | None = None,
    programme_id: object = None,
    instrument: str | None = None,
    as_of: date | None = None,
) -> pd.DataFrame:
    """The latest lesson of each experiment that the filters keep, as it stood at the end of
    ``as_of`` (default today), newest first, with the experiment's verdicts and evidence
    level. Without a filter, every lesson."""
    reader = require(con, actor, Permission.READ_SUMMARY)
    day = as_of or today()
    found = frame(con, _LESSONS, _parameters(text, tag, programme_id, instrument, day))
    judged = judgement.judgements(con, as_of=day)[_JUDGED]
    lessons = found.merge(judged, on="experiment_id", how="left")
    if verdict is not None and str(verdict).strip():
        chosen = register.choice(Verdict, verdict, "verdict").value
        lessons = lessons[lessons["verdict"] == chosen]
    lessons = lessons.assign(closed=lessons["closed_at"].notna())[_SHOWN]
    return _for(reader, lessons).reset_index(drop=True)


def _parameters(
    text: str | None, tag: str | None, programme_id: object, instrument: str | None, day: date
) -> dict[str, object]:
    """The query's parameters from the filters as typed; a blank filter keeps everything."""
    return {
        "cutoff": judgement.cutoff(day),
        "text": text.strip().lower() if text and text.strip() else None,
        "tag": normal_tag(tag) if tag and tag.strip() else None,
        "programme_id": (
            None if _blank(programme_id) else register.parse_id(programme_id, "programme")
        ),
        "instrument": (
            None
            if _blank(instrument)
            else register.choice(Instrument, instrument, "instrument").value
        ),
    }


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _for(reader: User, lessons: pd.DataFrame) -> pd.DataFrame:
    """The lessons as ``reader`` may see them: without people's names unless they may."""
    if may(reader.role, Permission.READ_PEOPLE):
        return lessons
    return lessons.drop(columns=[c for c in PEOPLE if c in lessons.columns])


def export(con: duckdb.DuckDBPyConnection, actor: User, **filters: object) -> str:
    """The lessons a search finds as CSV under the headings the app shows, tags as one cell
    ("a; b"), every cell a spreadsheet would run as a formula made plain text."""
    found = search(con, actor, **filters)
    flat = found.assign(tags=tag_text(found["tags"]))
    return exports.csv_bytes(con, actor, flat).decode("utf-8")


def tag_text(tags: pd.Series) -> pd.Series:
    """Each row's tags as one text, "a; b" (a spreadsheet cell, a table column)."""
    joined = pc.binary_join(pa.array(tags, type=pa.list_(pa.string())), "; ")
    return pd.Series(joined, index=tags.index, dtype=pd.ArrowDtype(pa.string()))


_HISTORY = f"""
SELECT l.version, {", ".join("l." + t for t in TEXTS)}, l.tags, l.scaling_route,
       u.display_name AS recorded_by, l.recorded_at, l.reason
FROM lesson AS l JOIN app_user AS u ON u.user_id = l.recorded_by
WHERE l.experiment_id = ?
ORDER BY l.version DESC
"""  # noqa: S608 - declared column names only


def lesson_history(
    con: duckdb.DuckDBPyConnection, actor: User, experiment_id: object
) -> pd.DataFrame:
    """Every version of an experiment's lesson, newest first (none yet: no rows)."""
    reader = require(con, actor, Permission.READ_SUMMARY)
    number = register.parse_id(experiment_id, "experiment")
    register.experiment(con, number)
    return _for(reader, frame(con, _HISTORY, [number]))
