"""docs/legacy-suites.md is what this run's interop tests proved (issue 3's table).

Runs last (file order). Every legacy test records its row through the `legacy_row` fixture
only after its assertions pass; this test renders those rows and compares them with the
committed document. With LEGACY_TABLE_WRITE=1 it writes the document instead, which is how the
table is produced (never by hand).
"""

from __future__ import annotations

import os
from pathlib import Path

import legacy_table

DOC = Path(__file__).resolve().parents[2] / "docs" / "legacy-suites.md"


def doc_rows(text: str) -> dict[tuple[str, str, str], tuple[str, str]]:
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0] not in ("suite", "---"):
            rows[(cells[0], cells[1], cells[2])] = (cells[3], cells[4])
    return rows


def test_legacy_table_matches_this_run(legacy_log):
    recorded = legacy_table.load(legacy_log)
    rendered = legacy_table.render(recorded)
    if os.environ.get("LEGACY_TABLE_WRITE") == "1":
        DOC.write_text(rendered)
    committed = DOC.read_text()
    if set(recorded) == set(legacy_table.required_rows()):
        # A full run proved every row: the document must be exactly what it proved.
        assert committed == rendered, "docs/legacy-suites.md is stale: rerun with LEGACY_TABLE_WRITE=1"
    else:
        # A partial run: whatever it proved must already be in the document.
        rows = doc_rows(committed)
        for key, peers in recorded.items():
            assert key in rows and rows[key][1] == "pass", key
            real = {p for p in peers if p != legacy_table.OURSELVES}
            assert real <= set(rows[key][0].split("; ")) or not real, (key, peers, rows[key])


def test_legacy_table_document_shows_every_row_passing():
    rows = doc_rows(DOC.read_text())
    missing = [k for k in legacy_table.required_rows() if rows.get(k, ("", ""))[1] != "pass"]
    assert not missing, "rows without a passing test: %s" % missing
