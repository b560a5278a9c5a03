"""The Cypher scan's PROFILE on a loaded Neo4j store: its operators, rows and db hits.

Usage:
    PERP_GRAPH_NEO4J_URI=bolt://127.0.0.1:18087 \\
        python benchmarks/profile_neo4j_scan.py [--as-of 2026-06-30] [--every-suspect]

It runs `cypher/analytics/acpo_scan.cypher` as a `scan` on Neo4j does (the default
parameters; `$suspects` the identities who could qualify, worked out from the offending
records: analytics.offending.could_qualify), once to warm the plan and the page cache, once
timed and once under PROFILE, and prints the total db hits, the wall time of the timed run
and one line per operator. `--every-suspect` profiles the statement with `$suspects` null, as
a scan that is given no suspects (the problem profile's quarters, a store used alone).
For issue 18's clause 3 (docs/performance.md shows the figures and the data they came
from). The identities come from the store (GraphStore.identities).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
from typing import Any

from perp_graph.analytics.offending import could_qualify, offending
from perp_graph.model import INTIMATE_PARTNER_TYPES, ScanParameters
from perp_graph.store import cypher
from perp_graph.store.neo4j import Neo4jStore

#: Characters of an operator's details kept on its line.
DETAILS = 60


def lines(plan: Any, depth: int = 0) -> list[str]:
    """One line per operator of a PROFILE plan: name (indented by depth), rows, db hits,
    details cut to DETAILS characters."""
    details = " ".join(str(plan.get("args", {}).get("Details", "")).split())
    if len(details) > DETAILS:
        details = details[: DETAILS - 3] + "..."
    name = "  " * depth + plan["operatorType"].split("@")[0]
    out = [f"{name:<44} {plan.get('rows', 0):>9,} {plan.get('dbHits', 0):>11,}  {details}"]
    for child in plan.get("children", []):
        out += lines(child, depth + 1)
    return out


def db_hits(plan: Any) -> int:
    """The db hits of a PROFILE plan, all operators."""
    return plan.get("dbHits", 0) + sum(db_hits(child) for child in plan.get("children", []))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 6, 30))
    parser.add_argument("--every-suspect", action="store_true")
    args = parser.parse_args()
    store = Neo4jStore(os.environ["PERP_GRAPH_NEO4J_URI"], allow_insecure=True)
    parameters = ScanParameters(as_of=args.as_of)
    suspects = None
    if not args.every_suspect:
        identity_of = store.identities()
        records = store.offending_records(parameters, identity_of).resolved(identity_of)
        table = offending(records, parameters.as_of, parameters.violent_categories)
        suspects = could_qualify(table, parameters.min_victims)
    params = {
        "as_of": parameters.as_of,
        "window_years": parameters.window_years,
        "min_victims": parameters.min_victims,
        "violent_categories": sorted(parameters.violent_categories),
        "connection_types": sorted(parameters.connection_types),
        "intimate_partner_types": sorted(INTIMATE_PARTNER_TYPES),
        "suspects": suspects,
    }
    text = cypher.query("analytics/acpo_scan").text
    with store.driver.session(database=store.database) as session:
        list(session.run(text, params))  # plans it and warms the page cache
        started = time.perf_counter()
        found = len(list(session.run(text, params)))
        seconds = time.perf_counter() - started
        result = session.run("PROFILE " + text, params)
        list(result)
        plan = result.consume().profile
    store.close()
    given = "every suspect" if suspects is None else f"{len(suspects):,} suspects given"
    print(f"{found:,} serial perpetrators; {given}; {seconds:.2f} s unprofiled")
    print(f"total db hits {db_hits(plan):,}")
    print(f"{'operator':<44} {'rows':>9} {'db hits':>11}  details")
    print("\n".join(lines(plan)))


if __name__ == "__main__":
    main()
