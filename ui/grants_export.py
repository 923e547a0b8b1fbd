"""The Export tab: the fund's awarded small grants as a 360Giving file (JSON, CSV or XLSX),
and the 360Giving data checker's advice on that file, as warnings a grants officer can act on
before publishing it."""

from __future__ import annotations

from io import BytesIO

import streamlit as st

from fund import db
from fund.auth import User
from fund.grants import advice, export
from ui import format, session

MIME = {
    "json": "application/json",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def section(con, user: User) -> None:
    """Three downloads of the same grants, then the checker's advice on them."""
    st.caption(
        "Every awarded grant, with identifiers 360G-<the ring-fence's prefix>-<our id>; the"
        " file passes the 360Giving schema. Imported grants go out as their file gave them."
    )
    places = st.columns(len(export.FORMS))
    for form, place in zip(export.FORMS, places, strict=True):
        data = session.attempt(_file, con, user, form)
        if data is not None:
            place.download_button(
                f"Download {form.upper()}",
                data,
                file_name=f"grants.{form}",
                mime=MIME[form],
                key=f"grants-export-{form}",
            )
    findings(con, user)


def _file(con, user: User, form: str) -> bytes:
    out = BytesIO()
    export.export(con, user, form, out)
    return out.getvalue()


def findings(con, user: User) -> None:
    """The data checker's advisory findings for our own export: advice, not errors."""
    st.subheader("The data checker's advice")
    grants = export.published(con, user)
    if not grants:
        st.caption("No awarded grant to publish yet.")
        return
    found = advice.findings(grants, db.today())
    if not found:
        st.caption(f"None for {format.count(len(grants), 'grant')}: the file reads well.")
        return
    for finding in found:
        st.warning(_words(finding), icon=":material/lightbulb:")


def _words(finding: advice.Finding) -> str:
    """'Heading: 12 grants (40%), e.g. 360G-…. Advice.' as plain text."""
    examples = ", ".join(finding.examples)
    return format.plain(
        f"{finding.heading}: {format.count(finding.count, 'grant')} ({finding.share:.0%}),"
        f" e.g. {examples}. {finding.advice}"
    )
