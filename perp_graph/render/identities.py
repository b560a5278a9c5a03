"""The identities export: every record id, its identity id and how it was decided."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from perp_graph.output import safe_cell

COLUMNS = ("record_id", "identity_id", "decided_by", "linked_to", "how", "match_probability")


def identities_csv(rows: Sequence) -> str:
    """One line per record (api.IdentityRecord); a record joined by several merges lists
    them in linked_to / how / match_probability, separated by ';'. Cells a spreadsheet
    would run as a formula are neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        cells = [
            row.record_id,
            row.identity_id,
            row.decided_by,
            ";".join(other for other, _how, _p in row.links),
            ";".join(how for _other, how, _p in row.links),
            ";".join("" if p is None else f"{p:.4f}" for _other, _how, p in row.links),
        ]
        writer.writerow([safe_cell(c) for c in cells])
    return out.getvalue()


def identities_json(rows: Sequence) -> str:
    """{"records": [{record_id, identity_id, decided_by, links: [{record_id, how,
    match_probability}]}]}, sorted by identity then record."""
    body = {
        "records": [
            {
                "record_id": row.record_id,
                "identity_id": row.identity_id,
                "decided_by": row.decided_by,
                "links": [
                    {"record_id": other, "how": how, "match_probability": p}
                    for other, how, p in row.links
                ],
            }
            for row in rows
        ]
    }
    return json.dumps(body, indent=2) + "\n"
