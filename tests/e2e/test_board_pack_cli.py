"""`fund board-pack`, run for real: a pack as at today written with progress on stderr, both
its files verified against the records, and, once an entry is reversed, verification failing
with exit status 1 and naming the figure."""

from __future__ import annotations

from fund import db
from tests.e2e.test_cli import as_json, copy, fund, prepared

__all__ = ["copy", "prepared"]  # the shared fixtures, which the tests use by name


def test_a_pack_is_written_verified_and_fails_once_an_entry_is_reversed(copy, tmp_path):
    today = db.today().isoformat()
    out = tmp_path / "pack"
    made = fund(copy.path, ["board-pack", "--as-at", today, "--out", str(out), "--json"])
    written = as_json(made)
    assert written["as_at"] == today
    assert written["pdf"] == str(out / f"board-pack-{today}.pdf")
    assert written["workbook"] == str(out / f"board-pack-{today}.xlsx")
    assert written["audit_head"]["row"] > 0 and len(written["audit_head"]["hash"]) == 64
    assert "Writing the workbook" in made.stderr and "Writing the PDF" in made.stderr

    for pack in (written["pdf"], written["workbook"]):
        said = fund(copy.path, ["board-pack", "verify", pack], user="auditor").stdout
        row = written["audit_head"]["row"]
        assert said.strip() == (
            f"The pack as at {db.today():%d/%m/%Y} (audit chain row #{row}) matches the records."
        )

    fund(copy.path, "reverse 1 --reason 'allocated to the wrong programme'")
    for pack in (written["pdf"], written["workbook"]):
        failed = fund(copy.path, ["board-pack", "verify", pack], user="auditor", expect=1)
        assert "does not match the records:" in failed.stdout
        assert (
            "  - Allocated: the pack says £100,000.00, the records now say £0.00" in failed.stdout
        )
    checked = as_json(
        fund(copy.path, ["board-pack", "verify", written["workbook"], "--json"], expect=1)
    )
    assert checked["matches"] is False
    assert "Allocated: the pack says £100,000.00, the records now say £0.00" in checked["problems"]


def test_a_file_that_is_not_a_pack_is_refused_on_one_line(prepared, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("minutes of the meeting")
    refused = fund(prepared.path, ["board-pack", "verify", str(notes)], expect=1)
    assert refused.stderr == "error: pack: notes.txt is not a board pack (a .pdf or .xlsx file)\n"


def test_a_pack_needs_a_folder_to_go_in(prepared):
    refused = fund(prepared.path, "board-pack", expect=2)
    assert "--out DIR" in refused.stderr
