"""The scan against a deliberately simple brute-force reading of contract section 2.

The reference checks every calendar day as a window end and every K-subset of
victims; it shares no code with the engine but `Records`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings

from perp_graph.model import DEFAULT_CONNECTION_TYPES, DEFAULT_VIOLENT_CATEGORIES, ScanParameters
from perp_graph.store.embedded import EmbeddedStore
from tests.hypothesis_profiles import examples
from tests.records import Records, records_dataset
from tests.strategies import record_sets, scan_settings

IP = {"intimate_partner", "ex_intimate_partner"}


def years_before(day: dt.date, years: int) -> dt.date:
    if day.month == 2 and day.day == 29:
        return dt.date(day.year - years, 2, 28)
    return dt.date(day.year - years, day.month, day.day)


def reference(r: Records, as_of: dt.date, window_years: int, min_victims: int) -> dict:
    date = {i["incident_id"]: dt.date.fromisoformat(i["occurred_on"]) for i in r.incidents}
    category = {i["incident_id"]: i["offence_category"] for i in r.incidents}
    suspects: dict[str, set] = {}
    victims: dict[str, dict] = {}
    for inv in r.involvements:
        if inv["role"] == "suspect":
            suspects.setdefault(inv["incident_id"], set()).add(inv["person_id"])
        elif inv["role"] == "victim":
            victims.setdefault(inv["incident_id"], {})[inv["person_id"]] = inv[
                "relationship_to_suspect"
            ]
    partners = set()
    for rel in r.relationships:
        if rel["relationship_type"] in IP:
            partners |= {
                (rel["person_id_a"], rel["person_id_b"]),
                (rel["person_id_b"], rel["person_id_a"]),
            }
    for incident, vs in victims.items():
        if date[incident] <= as_of:
            for v, rts in vs.items():
                if rts in IP:
                    partners |= {(p, v) for p in suspects.get(incident, ())}
    connected = {
        frozenset((rel["person_id_a"], rel["person_id_b"]))
        for rel in r.relationships
        if rel["relationship_type"] in DEFAULT_CONNECTION_TYPES
    }
    events = [
        (p, v, incident, date[incident])
        for incident in date
        if date[incident] <= as_of and category[incident] in DEFAULT_VIOLENT_CATEGORIES
        for p in suspects.get(incident, ())
        for v in victims.get(incident, {})
        if p != v and (p, v) in partners
    ]

    def qualifies(p: str, end: dt.date) -> bool:
        start = years_before(end, window_years)
        in_window = sorted({v for q, v, _i, d in events if q == p and start <= d <= end})
        return any(
            all(frozenset(pair) not in connected for pair in itertools.combinations(group, 2))
            for group in itertools.combinations(in_window, min_victims)
        )

    out = {}
    for p in sorted({e[0] for e in events}):
        first = min(d for q, _v, _i, d in events if q == p)
        day = first
        while day <= as_of and not qualifies(p, day):
            day += dt.timedelta(days=1)
        if day > as_of:
            continue
        mine = [e for e in events if e[0] == p]
        out[p] = {
            "status": "current" if qualifies(p, as_of) else "historic",
            "first_qualified_on": day,
            "victim_ids": tuple(sorted({e[1] for e in mine})),
            "qualifying_incident_ids": tuple(sorted({e[2] for e in mine})),
        }
    return out


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=record_sets(), options=scan_settings)
def test_scan_matches_brute_force_reference(records, options):
    with tempfile.TemporaryDirectory() as folder:
        store = EmbeddedStore(Path(folder))
        store.load(records_dataset(records))
        result = store.acpo_scan(
            ScanParameters(
                as_of=options["as_of"],
                window_years=options["window_years"],
                min_victims=options["min_victims"],
            )
        )
    got = {
        f.person_id: {
            "status": f.status,
            "first_qualified_on": f.first_qualified_on,
            "victim_ids": f.victim_ids,
            "qualifying_incident_ids": f.qualifying_incident_ids,
        }
        for f in result.perpetrators
    }
    expected = reference(records, **options)
    event(f"serial perpetrators found: {min(len(expected), 2)}")
    event(f"historic found: {any(e['status'] == 'historic' for e in expected.values())}")
    assert got == expected
