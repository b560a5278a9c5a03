"""The ACPO rule, clause by clause (data contract, section 2), on every store.

Each test is named after the clause it pins. P is the suspect throughout;
V1, V2, V3 are victims.
"""

from __future__ import annotations

import datetime as dt

import pytest

from perp_graph.analytics.acpo import has_k_unconnected, qualifying_events, window_start
from perp_graph.analytics.acpo import scan as acpo_scan
from perp_graph.analytics.offending import could_qualify, offending
from perp_graph.model import DEFAULT_VIOLENT_CATEGORIES, ScanParameters
from perp_graph.pipeline.load import load_folder
from perp_graph.settings import Settings
from tests.records import Records, records_dataset

# --- a qualifying event: P suspect and V victim in incident i, P != V, d <= T ------


def test_two_unconnected_partner_victims_within_the_window_qualify(scan):
    r = Records()
    r.abuse("I1", "2022-01-10", "P", "V1")
    r.abuse("I2", "2023-05-01", "P", "V2")
    found = scan(r, "2024-01-01")
    assert set(found) == {"P"}
    f = found["P"]
    assert f.status == "current"
    assert f.first_qualified_on == dt.date(2023, 5, 1)
    assert f.victim_ids == ("V1", "V2")
    assert f.qualifying_incident_ids == ("I1", "I2")


def test_one_victim_is_not_enough(scan):
    r = Records()
    r.abuse("I1", "2022-01-10", "P", "V1")
    r.abuse("I2", "2023-05-01", "P", "V1")
    assert scan(r, "2024-01-01") == {}


def test_suspect_and_victim_must_be_in_the_same_incident(scan):
    r = Records()
    r.abuse("I1", "2022-01-10", "P", "V1")
    # P is a witness, not a suspect, where V2 was hurt by someone else.
    r.incident("I2", "2022-03-01", suspects=["Q"], victims={"V2": "intimate_partner"})
    r.incident("I3", "2022-03-02", victims={"V2": "intimate_partner"}, witnesses=("P",))
    r.relate("P", "V2", "intimate_partner")
    assert "P" not in scan(r, "2024-01-01")


def test_witness_and_other_roles_are_not_victims(scan):
    r = Records()
    r.abuse("I1", "2022-01-10", "P", "V1")
    r.incident("I2", "2022-02-10", suspects=["P"], witnesses=("V2",))
    r.relate("P", "V2", "ex_intimate_partner")
    assert scan(r, "2024-01-01") == {}


def test_a_suspect_is_never_their_own_victim(scan):
    r = Records()
    r.abuse("I1", "2022-01-10", "P", "V1")
    # P is recorded as suspect and as victim in one incident (P != V excludes it).
    r.incident("I2", "2022-02-10", suspects=["P"], victims={"P": "intimate_partner"})
    assert scan(r, "2024-01-01") == {}


def test_incidents_after_as_of_are_ignored(scan):
    r = Records()
    r.abuse("I1", "2022-01-10", "P", "V1")
    r.abuse("I2", "2024-01-02", "P", "V2")
    assert scan(r, "2024-01-01") == {}


def test_an_incident_on_the_as_of_date_counts(scan):
    r = Records()
    r.abuse("I1", "2022-01-10", "P", "V1")
    r.abuse("I2", "2024-01-01", "P", "V2")
    assert scan(r, "2024-01-01")["P"].first_qualified_on == dt.date(2024, 1, 1)


# --- the category counts as used or threatened violence --------------------------


@pytest.mark.parametrize(
    "category",
    [
        "homicide",
        "violence_with_injury",
        "violence_without_injury",
        "strangulation",
        "sexual_offence",
        "threats_to_kill",
        "threats",
        "harassment_fear_of_violence",
        "stalking_fear_of_violence",
    ],
)
def test_violent_and_threat_categories_count_by_default(scan, category):
    r = Records()
    r.abuse("I1", "2022-01-10", "P", "V1")
    r.abuse("I2", "2023-01-10", "P", "V2", category=category)
    assert "P" in scan(r, "2024-01-01")


@pytest.mark.parametrize(
    "category",
    [
        "harassment",
        "stalking",
        "coercive_control",
        "criminal_damage",
        "breach_of_order",
        "non_crime_incident",
        "other",
        "an_unmapped_force_code",
    ],
)
def test_other_categories_do_not_count_by_default(scan, category):
    r = Records()
    r.abuse("I1", "2022-01-10", "P", "V1")
    r.abuse("I2", "2023-01-10", "P", "V2", category=category)
    assert scan(r, "2024-01-01") == {}


def test_the_violent_category_set_is_configuration(scan):
    r = Records()
    r.abuse("I1", "2022-01-10", "P", "V1")
    r.abuse("I2", "2023-01-10", "P", "V2", category="coercive_control")
    found = scan(
        r,
        "2024-01-01",
        violent_categories=frozenset({"violence_with_injury", "coercive_control"}),
    )
    assert found["P"].victim_ids == ("V1", "V2")


# --- P and V are or have been intimate partners ----------------------------------


def test_partners_from_the_relationships_file_whatever_its_dates(scan):
    r = Records()
    r.abuse("I1", "2022-01-10", "P", "V1", rts="")
    r.abuse("I2", "2023-01-10", "P", "V2", rts="")
    r.relate("P", "V1", "ex_intimate_partner", start="2001-01-01", end="2002-01-01")
    r.relate("V2", "P", "intimate_partner")  # either order
    assert scan(r, "2024-01-01")["P"].victim_ids == ("V1", "V2")


def test_partners_from_an_involvement_in_any_category(scan):
    r = Records()
    r.abuse("I1", "2022-01-10", "P", "V1")
    # V2's violent incident does not say how she relates to P ...
    r.abuse("I2", "2023-01-10", "P", "V2", rts="")
    # ... but a non-violent incident where P was the suspect does.
    r.abuse("I3", "2019-06-01", "P", "V2", category="criminal_damage", rts="ex_intimate_partner")
    found = scan(r, "2024-01-01")
    assert found["P"].victim_ids == ("V1", "V2")
    assert found["P"].qualifying_incident_ids == ("I1", "I2")


def test_an_involvement_after_as_of_does_not_make_partners(scan):
    r = Records()
    r.abuse("I1", "2022-01-10", "P", "V1")
    r.abuse("I2", "2023-01-10", "P", "V2", rts="")
    r.abuse("I3", "2024-06-01", "P", "V2", category="other", rts="intimate_partner")
    assert scan(r, "2024-01-01") == {}


def test_an_involvement_where_p_was_not_the_suspect_does_not_make_partners(scan):
    r = Records()
    r.abuse("I1", "2022-01-10", "P", "V1")
    r.abuse("I2", "2023-01-10", "P", "V2", rts="")
    # V2 was recorded as someone's intimate partner, with P only a witness.
    r.incident(
        "I3", "2022-01-01", suspects=["Q"], victims={"V2": "intimate_partner"}, witnesses=("P",)
    )
    assert "P" not in scan(r, "2024-01-01")


@pytest.mark.parametrize("rts", ["family", "other", ""])
def test_victims_who_are_not_partners_do_not_count(scan, rts):
    r = Records()
    r.abuse("I1", "2022-01-10", "P", "V1")
    r.abuse("I2", "2023-01-10", "P", "V2", rts=rts)
    r.relate("P", "V2", "family")
    assert scan(r, "2024-01-01") == {}


def test_ex_intimate_partners_count(scan):
    r = Records()
    r.abuse("I1", "2022-01-10", "P", "V1", rts="ex_intimate_partner")
    r.abuse("I2", "2023-01-10", "P", "V2", rts="ex_intimate_partner")
    assert "P" in scan(r, "2024-01-01")


# --- victims are unconnected ---------------------------------------------------


@pytest.mark.parametrize("kind", ["family", "household", "intimate_partner", "ex_intimate_partner"])
def test_connected_victims_count_once_with_default_connection_types(scan, kind):
    r = Records()
    r.abuse("I1", "2022-01-10", "P", "V1")
    r.abuse("I2", "2023-01-10", "P", "V2")
    r.relate("V2", "V1", kind)
    assert scan(r, "2024-01-01") == {}


def test_associates_are_not_connected_by_default(scan):
    r = Records()
    r.abuse("I1", "2022-01-10", "P", "V1")
    r.abuse("I2", "2023-01-10", "P", "V2")
    r.relate("V1", "V2", "associate")
    assert "P" in scan(r, "2024-01-01")


def test_connection_types_are_configuration(scan):
    r = Records()
    r.abuse("I1", "2022-01-10", "P", "V1")
    r.abuse("I2", "2023-01-10", "P", "V2")
    r.relate("V1", "V2", "household")
    found = scan(r, "2024-01-01", connection_types=frozenset({"family"}))
    assert "P" in found


def test_the_same_victim_twice_is_one_victim(scan):
    r = Records()
    for i, day in enumerate(["2021-01-01", "2021-06-01", "2022-01-01", "2023-01-01"]):
        r.abuse(f"I{i}", day, "P", "V1")
    assert scan(r, "2024-01-01") == {}


def test_a_third_victim_unconnected_to_both_makes_two(scan):
    r = Records()
    r.abuse("I1", "2022-01-10", "P", "V1")
    r.abuse("I2", "2022-06-10", "P", "V2")
    r.abuse("I3", "2023-01-10", "P", "V3")
    r.relate("V1", "V2", "family")
    f = scan(r, "2024-01-01")["P"]
    assert f.first_qualified_on == dt.date(2023, 1, 10)
    assert f.first_window.victim_ids == ("V1", "V2", "V3")


# --- the rolling window -----------------------------------------------------------


def test_window_ends_are_inclusive(scan):
    r = Records()
    r.abuse("I1", "2020-03-15", "P", "V1")
    r.abuse("I2", "2023-03-15", "P", "V2")  # exactly 3 calendar years later
    f = scan(r, "2023-03-15")["P"]
    assert f.first_qualified_on == dt.date(2023, 3, 15)
    assert (f.first_window.start, f.first_window.end) == (
        dt.date(2020, 3, 15),
        dt.date(2023, 3, 15),
    )
    assert f.status == "current"


def test_one_day_beyond_the_window_does_not_qualify(scan):
    r = Records()
    r.abuse("I1", "2020-03-15", "P", "V1")
    r.abuse("I2", "2023-03-16", "P", "V2")
    assert scan(r, "2024-01-01") == {}


def test_29_february_window_start_becomes_28_february(scan):
    # Window ending 2024-02-29 starts 2021-02-28 (2021 has no 29 February).
    assert window_start(dt.date(2024, 2, 29), 3) == dt.date(2021, 2, 28)
    r = Records()
    r.abuse("I1", "2021-02-28", "P", "V1")
    r.abuse("I2", "2024-02-29", "P", "V2")
    r.abuse("I3", "2021-02-27", "Q", "W1")
    r.abuse("I4", "2024-02-29", "Q", "W2")
    found = scan(r, "2024-03-01")
    assert found["P"].first_qualified_on == dt.date(2024, 2, 29)
    assert "Q" not in found


def test_an_event_on_29_february_is_inside_a_window_starting_28_february(scan):
    r = Records()
    r.abuse("I1", "2020-02-29", "P", "V1")
    r.abuse("I2", "2023-02-28", "P", "V2")  # window [2020-02-28, 2023-02-28]
    r.abuse("I3", "2020-02-29", "Q", "W1")
    r.abuse("I4", "2023-03-01", "Q", "W2")  # window [2020-03-01, 2023-03-01]
    found = scan(r, "2023-06-01")
    assert found["P"].first_qualified_on == dt.date(2023, 2, 28)
    assert "Q" not in found


def test_window_years_is_a_parameter(scan):
    r = Records()
    r.abuse("I1", "2021-01-10", "P", "V1")
    r.abuse("I2", "2022-06-10", "P", "V2")  # 17 months apart
    assert "P" in scan(r, "2023-01-01", window_years=2)
    assert scan(r, "2023-01-01", window_years=1) == {}


# --- first_qualified_on, status ---------------------------------------------------


def test_first_qualified_on_is_the_earliest_date_and_an_event_date(scan):
    r = Records()
    r.abuse("I1", "2015-01-01", "P", "V1")
    r.abuse("I2", "2016-01-01", "P", "V2")  # qualified first here
    r.abuse("I3", "2022-01-01", "P", "V3")
    r.abuse("I4", "2023-01-01", "P", "V4")  # and again here
    f = scan(r, "2024-01-01")["P"]
    assert f.first_qualified_on == dt.date(2016, 1, 1)
    assert f.status == "current"
    assert f.first_window.incident_ids == ("I1", "I2")
    assert f.current_window is not None
    assert f.current_window.victim_ids == ("V3", "V4")


def test_status_is_historic_when_not_qualifying_on_as_of(scan):
    r = Records()
    r.abuse("I1", "2015-01-01", "P", "V1")
    r.abuse("I2", "2016-01-01", "P", "V2")
    r.abuse("I3", "2023-01-01", "P", "V2")  # one victim in the current window
    f = scan(r, "2024-01-01")["P"]
    assert f.status == "historic"
    assert f.first_qualified_on == dt.date(2016, 1, 1)
    assert f.current_window is None


def test_status_is_current_until_the_window_passes(scan):
    r = Records()
    r.abuse("I1", "2021-01-01", "P", "V1")
    r.abuse("I2", "2022-01-01", "P", "V2")
    assert scan(r, "2024-01-01")["P"].status == "current"
    assert scan(r, "2024-01-02")["P"].status == "historic"


def test_victim_and_incident_ids_cover_every_qualifying_event_up_to_as_of(scan):
    r = Records()
    r.abuse("I1", "2010-01-01", "P", "V0")  # long before any window that qualifies
    r.abuse("I2", "2021-01-01", "P", "V1")
    r.abuse("I3", "2022-01-01", "P", "V2")
    r.abuse("I4", "2022-02-01", "P", "V3", category="harassment")  # not violent
    r.abuse("I5", "2024-02-01", "P", "V4")  # after as_of
    f = scan(r, "2024-01-01")["P"]
    assert f.victim_ids == ("V0", "V1", "V2")
    assert f.qualifying_incident_ids == ("I1", "I2", "I3")


# --- K > 2 -------------------------------------------------------------------------


def test_min_victims_three_needs_three_pairwise_unconnected_victims(scan):
    r = Records()
    r.abuse("I1", "2021-01-01", "P", "V1")
    r.abuse("I2", "2021-06-01", "P", "V2")
    r.abuse("I3", "2022-01-01", "P", "V3")
    r.relate("V1", "V3", "family")
    assert scan(r, "2024-01-01", min_victims=3) == {}


def test_min_victims_three_finds_an_unconnected_three_among_connected_ones(scan):
    # V1-V2 and V2-V3 are connected, V1, V3, V4 are not: {V1, V3, V4} qualifies.
    r = Records()
    r.abuse("I1", "2021-01-01", "P", "V1")
    r.abuse("I2", "2021-06-01", "P", "V2")
    r.abuse("I3", "2022-01-01", "P", "V3")
    r.abuse("I4", "2022-06-01", "P", "V4")
    r.relate("V1", "V2", "family")
    r.relate("V2", "V3", "household")
    f = scan(r, "2024-01-01", min_victims=3)["P"]
    assert f.first_qualified_on == dt.date(2022, 6, 1)


def test_connections_are_not_transitive():
    # V1-V2 and V2-V3 connected, V1-V3 not: two unconnected victims exist.
    connected = {"V1": {"V2"}, "V2": {"V1", "V3"}, "V3": {"V2"}}
    assert has_k_unconnected(["V1", "V2", "V3"], 2, connected)
    assert not has_k_unconnected(["V1", "V2", "V3"], 3, connected)
    assert not has_k_unconnected(["V1", "V2"], 2, connected)


# --- multiple suspects, victims who are suspects ------------------------------------


def test_every_suspect_of_an_incident_is_a_suspect(scan):
    r = Records()
    r.incident("I1", "2022-01-10", suspects=["P", "Q"], victims={"V1": "intimate_partner"})
    r.abuse("I2", "2023-01-10", "P", "V2")
    r.abuse("I3", "2023-02-10", "Q", "W2")
    found = scan(r, "2024-01-01")
    # The contract reads relationship_to_suspect as applying to every suspect.
    assert found["P"].victim_ids == ("V1", "V2")
    assert found["Q"].victim_ids == ("V1", "W2")


def test_several_victims_in_one_incident_are_several_victims(scan):
    r = Records()
    r.incident(
        "I1",
        "2022-01-10",
        suspects=["P"],
        victims={"V1": "intimate_partner", "V2": "ex_intimate_partner"},
    )
    f = scan(r, "2024-01-01")["P"]
    assert f.first_qualified_on == dt.date(2022, 1, 10)
    assert f.qualifying_incident_ids == ("I1",)


def test_a_victim_who_is_also_a_suspect_is_judged_as_a_suspect_separately(scan):
    r = Records()
    # Counter-allegation: A and B each suspect and victim in one incident.
    r.incident(
        "I1",
        "2022-01-10",
        suspects=["A", "B"],
        victims={"A": "intimate_partner", "B": "intimate_partner"},
    )
    # B, a victim of A, abuses a new partner C; A abuses a new partner D.
    r.abuse("I2", "2023-01-10", "B", "C")
    r.abuse("I3", "2023-02-10", "A", "D")
    r.relate("A", "B", "intimate_partner")
    found = scan(r, "2024-01-01")
    assert found["A"].victim_ids == ("B", "D")
    assert found["B"].victim_ids == ("A", "C")


def test_a_victim_in_one_incident_and_suspect_in_another_is_not_serial_by_that(scan):
    r = Records()
    r.abuse("I1", "2022-01-10", "P", "V1")
    r.abuse("I2", "2023-01-10", "V1", "W1")
    assert scan(r, "2024-01-01") == {}


# --- output order -------------------------------------------------------------------


def test_findings_and_ids_are_sorted(scan):
    r = Records()
    for suspect, base in (("P9", 0), ("P10", 10), ("P2", 20)):
        r.abuse(f"I{base + 9}", "2022-01-10", suspect, f"V{base + 9}")
        r.abuse(f"I{base + 1}", "2022-02-10", suspect, f"V{base + 1}")
    found = scan(r, "2024-01-01")
    assert list(found) == ["P10", "P2", "P9"]
    assert found["P9"].victim_ids == ("V1", "V9")
    assert found["P9"].qualifying_incident_ids == ("I1", "I9")


# --- a qualifying event is one tuple (P, V, i, d) -----------------------------------
# The partner-violence join is one kernel (analytics/partners.py) that the scan and the
# rules after it (analytics/offending.py) both call; before it was one, the scan's copy
# counted a suspect listed twice on one incident twice, and the other's did not.


def _listed_twice() -> Records:
    r = Records()
    r.abuse("I1", "2022-01-10", "P", "V1")
    r.abuse("I2", "2023-05-01", "P", "V2")
    # The export lists P twice as I1's suspect and V2 twice as I2's victim (the CSV load
    # quarantines such rows; records handed over as a Dataset can still carry them).
    r.involvements.append({"incident_id": "I1", "person_id": "P", "role": "suspect"})
    r.involvements.append(
        {"incident_id": "I2", "person_id": "V2", "role": "victim", "relationship_to_suspect": ""}
    )
    return r


def test_a_qualifying_event_is_one_per_suspect_victim_and_incident():
    dataset = records_dataset(_listed_twice())
    parameters = ScanParameters(as_of=dt.date(2024, 1, 1))
    events = qualifying_events(dataset, parameters)
    assert sorted(
        zip(events["suspect_id"], events["victim_id"], events["incident_id"], strict=True)
    ) == [
        ("P", "V1", "I1"),
        ("P", "V2", "I2"),
    ]
    (finding,) = acpo_scan(dataset, parameters).perpetrators
    assert [(e.incident_id, e.victim_id) for e in finding.events] == [("I1", "V1"), ("I2", "V2")]


def test_a_qualifying_event_is_the_same_for_the_scan_and_the_rules_after_it():
    dataset = records_dataset(_listed_twice())
    as_of = dt.date(2024, 1, 1)
    scan_events = qualifying_events(dataset, ScanParameters(as_of=as_of))
    table = offending(dataset, as_of, DEFAULT_VIOLENT_CATEGORIES)
    assert len(table.incidents) == 2  # one row per (suspect, incident)
    victims = table.victims
    rule_events = victims[victims["violent"] & victims["partner"]]

    def key(frame):
        return sorted(
            zip(frame["suspect_id"], frame["victim_id"], frame["incident_id"], strict=True)
        )

    assert key(rule_events) == key(scan_events)
    assert len(victims) == 2


def test_a_qualifying_event_is_one_when_two_records_of_one_suspect_are_listed(store):
    r = Records()
    r.incident("I1", "2022-01-10", suspects=["P1", "P2"], victims={"V1": "intimate_partner"})
    r.abuse("I2", "2023-05-01", "P1", "V2")
    store.load(records_dataset(r))
    store.set_identities({"P2": "P1"})
    (finding,) = store.acpo_scan(ScanParameters(as_of=dt.date(2024, 1, 1))).perpetrators
    assert finding.person_id == "P1"
    assert [(e.incident_id, e.victim_id) for e in finding.events] == [("I1", "V1"), ("I2", "V2")]


def _could_qualify(records: Records, as_of: str, min_victims: int = 2) -> list[str]:
    table = offending(
        records_dataset(records), dt.date.fromisoformat(as_of), DEFAULT_VIOLENT_CATEGORIES
    )
    return could_qualify(table, min_victims)


def test_who_could_qualify_has_k_distinct_victims_of_violence_up_to_the_as_of_date():
    r = Records()
    r.abuse("I1", "2023-01-01", "P", "V1")
    r.abuse("I2", "2023-02-01", "P", "V2", rts="family")  # a victim of violence, not a partner
    r.abuse("I3", "2023-03-01", "Q", "V3")
    r.abuse("I4", "2023-04-01", "Q", "V3")  # the same victim twice is one
    r.abuse("I5", "2023-05-01", "S", "V4")
    r.abuse("I6", "2023-06-01", "S", "V5", category="other")  # not violence
    r.abuse("I7", "2023-07-01", "T", "V6")
    r.abuse("I8", "2024-07-01", "T", "V7")  # after the as-of date
    assert _could_qualify(r, "2024-01-01") == ["P"]
    assert _could_qualify(r, "2024-07-01") == ["P", "T"]
    assert _could_qualify(r, "2024-07-01", min_victims=3) == []


def test_who_could_qualify_leaves_out_the_suspect_as_their_own_victim():
    r = Records()
    r.abuse("I1", "2023-01-01", "P", "V1")
    r.abuse("I2", "2023-02-01", "P", "P")
    assert _could_qualify(r, "2024-01-01") == []


def test_a_scan_given_suspects_looks_at_them_alone(neo4j_store, tmp_path):
    """On Neo4j the scan applies the rule to the suspects it is given only (a caller gives
    a superset of who can qualify: could_qualify)."""
    r = Records()
    r.abuse("I1", "2023-01-01", "P", "V1")
    r.abuse("I2", "2023-02-01", "P", "V2")
    neo4j_store.clear()
    load_folder(r.write(tmp_path / "data"), neo4j_store, Settings(workspace=tmp_path / "w"))
    parameters = ScanParameters(as_of=dt.date(2024, 1, 1))
    assert [f.person_id for f in neo4j_store.acpo_scan(parameters).perpetrators] == ["P"]
    assert [f.person_id for f in neo4j_store.acpo_scan(parameters, None, ["P"]).perpetrators] == [
        "P"
    ]
    assert neo4j_store.acpo_scan(parameters, None, []).perpetrators == ()
    assert neo4j_store.acpo_scan(parameters, None, ["V1", "Q"]).perpetrators == ()
