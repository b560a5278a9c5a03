"""Early warning, escalation, counter-allegations, release watch and what changed: one test
per clause of each rule, with the boundaries, on hand-made records."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from perp_graph.analytics.acpo import scan
from perp_graph.analytics.alerts import counter_allegations, escalations
from perp_graph.analytics.assess import Assessment, assess, scored
from perp_graph.analytics.changes import Snapshot, compare, snapshot_from_file
from perp_graph.analytics.offending import offending
from perp_graph.analytics.priority import PrioritySettings
from perp_graph.analytics.watch import release_watch
from perp_graph.errors import ConfigError
from perp_graph.model import DEFAULT_VIOLENT_CATEGORIES, ScanParameters
from perp_graph.render.files import to_json
from tests.records import Records, records_dataset

AS_OF = "2024-06-30"


def assessed(r: Records, as_of: str = AS_OF, **parameters) -> Assessment:
    dataset = records_dataset(r)
    result = scan(dataset, ScanParameters(as_of=dt.date.fromisoformat(as_of), **parameters))
    return assess(result, dataset, PrioritySettings())


def warned(r: Records, as_of: str = AS_OF, **parameters) -> dict:
    return {w.person_id: w for w in assessed(r, as_of, **parameters).early_warnings}


# --- early warning ------------------------------------------------------------------------------


def test_early_warning_one_partner_victim_of_violence_and_a_new_relationship_record():
    r = Records()
    r.abuse("I1", "2023-01-10", "P", "V1")
    r.relate("P", "N", "intimate_partner", start="2023-09-01")
    w = warned(r)["P"]
    assert (w.victim_ids, w.new_partner_ids) == (("V1",), ("N",))
    assert w.violence_incident_ids == ("I1",)
    assert w.action == "consider Clare's Law right-to-know disclosure"
    assert "relationship record from 01 Sep 2023" in w.evidence[0]


def test_early_warning_new_partner_from_any_incident_recording_them_as_partner():
    r = Records()
    r.abuse("I1", "2023-01-10", "P", "V1")
    r.abuse("I2", "2023-08-01", "P", "N", "coercive_control")  # not violence
    assert warned(r)["P"].new_partner_ids == ("N",)


def test_early_warning_relationship_starting_on_the_day_of_the_violence_is_new():
    r = Records()
    r.abuse("I1", "2023-01-10", "P", "V1")
    r.relate("P", "N", "intimate_partner", start="2023-01-10")
    assert "P" in warned(r)


def test_early_warning_relationship_starting_before_the_violence_is_not_new():
    r = Records()
    r.abuse("I1", "2023-01-10", "P", "V1")
    r.relate("P", "N", "intimate_partner", start="2023-01-09")
    assert warned(r) == {}


def test_early_warning_relationship_without_a_start_date_is_not_known_to_be_new():
    r = Records()
    r.abuse("I1", "2023-01-10", "P", "V1")
    r.relate("P", "N", "intimate_partner")
    assert warned(r) == {}


def test_early_warning_a_relationship_that_ended_before_the_as_of_date_is_not_new_partner():
    r = Records()
    r.abuse("I1", "2023-01-10", "P", "V1")
    r.relate("P", "N", "intimate_partner", start="2023-03-01", end="2024-06-29")
    assert warned(r) == {}
    r2 = Records()
    r2.abuse("I1", "2023-01-10", "P", "V1")
    r2.relate("P", "N", "intimate_partner", start="2023-03-01", end=AS_OF)
    assert "P" in warned(r2)


def test_early_warning_relationship_starting_after_the_as_of_date_is_not_seen():
    r = Records()
    r.abuse("I1", "2023-01-10", "P", "V1")
    r.relate("P", "N", "intimate_partner", start="2024-07-01")
    assert warned(r) == {}


def test_early_warning_the_violence_must_be_in_the_window():
    r = Records()
    r.abuse("I1", "2021-06-29", "P", "V1")  # the window starts 2021-06-30
    r.relate("P", "N", "intimate_partner", start="2022-01-01")
    assert warned(r) == {}
    r.abuse("I2", "2021-06-30", "P", "V1")  # first day of the window
    assert "P" in warned(r)


def test_early_warning_needs_violence_against_a_partner_not_other_abuse():
    r = Records()
    r.abuse("I1", "2023-01-10", "P", "V1", "coercive_control")
    r.abuse("I2", "2023-01-10", "P", "M", rts="family")
    r.relate("P", "N", "intimate_partner", start="2023-09-01")
    assert warned(r) == {}


def test_early_warning_not_for_a_current_serial_perpetrator():
    r = Records()
    r.abuse("I1", "2023-01-10", "P", "V1")
    r.abuse("I2", "2023-05-10", "P", "V2")
    r.relate("P", "N", "intimate_partner", start="2023-09-01")
    a = assessed(r)
    assert a.perpetrators[0].status == "current"
    assert a.early_warnings == ()


def test_early_warning_a_victim_of_the_violence_is_not_a_new_partner():
    r = Records()
    r.abuse("I1", "2023-01-10", "P", "V1")
    r.abuse("I2", "2023-08-01", "P", "V1", "harassment")
    assert warned(r) == {}


def test_early_warning_with_k_3_needs_two_unconnected_victims():
    r = Records()
    r.abuse("I1", "2023-01-10", "P", "V1")
    r.relate("P", "N", "intimate_partner", start="2023-09-01")
    assert warned(r, min_victims=3) == {}
    r.abuse("I2", "2023-02-10", "P", "V2")
    assert "P" in warned(r, min_victims=3)


# --- escalation ---------------------------------------------------------------------------------


def escalated(r: Records, as_of: str = AS_OF) -> dict:
    table = offending(records_dataset(r), dt.date.fromisoformat(as_of), DEFAULT_VIOLENT_CATEGORIES)
    return escalations(table, PrioritySettings())


def test_escalation_more_frequent_three_in_12_months_and_twice_the_year_before():
    r = Records()
    r.abuse("E1", "2023-01-01", "P", "V", "threats")  # the 12 months before
    for n, day in enumerate(("2023-08-01", "2023-12-01", "2024-06-30")):
        r.abuse(f"I{n}", day, "P", "V", "threats")
    e = escalated(r)["P"]
    assert e.more_frequent and not e.more_serious
    assert (e.incidents_last_12_months, e.incidents_12_months_before) == (3, 1)
    assert e.reasons[0].startswith("more frequent: 3 incidents in the last 12 months, 1")


def test_escalation_two_in_12_months_is_not_more_frequent():
    r = Records()
    r.abuse("I1", "2024-01-01", "P", "V", "threats")
    r.abuse("I2", "2024-02-01", "P", "V", "threats")
    assert escalated(r) == {}


def test_escalation_three_against_two_the_year_before_is_not_twice():
    r = Records()
    r.abuse("E1", "2023-01-01", "P", "V", "threats")
    r.abuse("E2", "2023-02-01", "P", "V", "threats")
    for n, day in enumerate(("2023-08-01", "2023-12-01", "2024-06-01")):
        r.abuse(f"I{n}", day, "P", "V", "threats")
    assert escalated(r) == {}


def test_escalation_the_last_12_months_begin_after_the_day_a_year_before():
    r = Records()
    r.abuse("E1", "2023-06-30", "P", "V", "threats")  # a year before: the year before
    r.abuse("E2", "2023-06-29", "P", "V", "threats")
    for n, day in enumerate(("2023-07-01", "2023-12-01", "2024-06-01")):
        r.abuse(f"I{n}", day, "P", "V", "threats")
    e = escalated(r).get("P")
    assert e is None or (e.incidents_last_12_months, e.incidents_12_months_before) == (3, 2)
    assert e is None  # 3 < 2 x 2


def test_escalation_more_serious_gravest_recent_graver_than_any_in_24_months_before():
    r = Records()
    r.abuse("E1", "2022-08-01", "P", "V", "threats")  # 10 harm days
    r.abuse("I1", "2024-03-01", "P", "V", "violence_with_injury")  # 180
    e = escalated(r)["P"]
    assert e.more_serious and not e.more_frequent
    assert (e.gravest_harm_last_12_months, e.gravest_harm_24_months_before) == (180, 10)


def test_escalation_equal_gravity_is_not_more_serious():
    r = Records()
    r.abuse("E1", "2022-08-01", "P", "V", "violence_with_injury")
    r.abuse("I1", "2024-03-01", "P", "V", "threats_to_kill")  # both 180
    assert escalated(r) == {}


def test_escalation_more_serious_needs_an_earlier_incident_within_24_months():
    r = Records()
    r.abuse("I1", "2024-03-01", "P", "V", "violence_with_injury")
    assert escalated(r) == {}
    r.abuse("E1", "2021-06-30", "P", "V", "threats")  # three years before: too early
    assert escalated(r) == {}
    r.abuse("E2", "2021-07-01", "P", "V", "threats")
    assert escalated(r)["P"].more_serious


# --- counter-allegations ------------------------------------------------------------------------


def test_counter_allegation_each_recorded_as_suspect_against_the_other():
    r = Records()
    r.abuse("I1", "2023-01-10", "A", "B")
    r.abuse("I2", "2023-02-10", "B", "A", "harassment")  # any category
    (c,) = counter_allegations(
        offending(records_dataset(r), dt.date(2024, 6, 30), DEFAULT_VIOLENT_CATEGORIES)
    )
    assert c.person_ids == ("A", "B")
    assert c.incident_ids == (("I1",), ("I2",))


def test_counter_allegation_in_one_incident():
    r = Records()
    r.incident(
        "I1",
        "2023-01-10",
        suspects=["A", "B"],
        victims={"A": "intimate_partner", "B": "intimate_partner"},
    )
    (c,) = counter_allegations(
        offending(records_dataset(r), dt.date(2024, 6, 30), DEFAULT_VIOLENT_CATEGORIES)
    )
    assert c.incident_ids == (("I1",), ("I1",))


def test_counter_allegation_one_way_is_not_one():
    r = Records()
    r.abuse("I1", "2023-01-10", "A", "B")
    r.abuse("I2", "2023-02-10", "A", "B")
    table = offending(records_dataset(r), dt.date(2024, 6, 30), DEFAULT_VIOLENT_CATEGORIES)
    assert counter_allegations(table) == []


def test_counter_allegation_after_the_as_of_date_is_not_seen():
    r = Records()
    r.abuse("I1", "2023-01-10", "A", "B")
    r.abuse("I2", "2024-07-01", "B", "A")
    table = offending(records_dataset(r), dt.date(2024, 6, 30), DEFAULT_VIOLENT_CATEGORIES)
    assert counter_allegations(table) == []


def test_counter_allegation_is_flagged_on_the_finding_in_the_json():
    r = Records()
    r.abuse("I1", "2023-01-10", "P", "V1")
    r.abuse("I2", "2023-05-10", "P", "V2")
    r.abuse("I3", "2023-06-10", "V2", "P")
    out = json.loads(to_json(assessed(r)))
    (finding,) = out["perpetrators"]
    assert finding["counter_allegations"] == ["V2"]
    assert out["counter_allegations"] == [
        {"person_ids": ["P", "V2"], "incident_ids": {"P": ["I2"], "V2": ["I3"]}}
    ]


# --- release watch ------------------------------------------------------------------------------


def watch(r: Records, days: int = 28, as_of: str = AS_OF):
    dataset = records_dataset(r)
    a = assess(
        scan(dataset, ScanParameters(as_of=dt.date.fromisoformat(as_of))),
        dataset,
        PrioritySettings(),
    )
    table = offending(dataset, dt.date.fromisoformat(as_of), DEFAULT_VIOLENT_CATEGORIES)
    statuses = {f.person_id: f.status for f in a.perpetrators}
    victims = {f.person_id: f.victim_ids for f in a.perpetrators}
    return {
        e.person_id: e
        for e in release_watch(dataset.orders, table, statuses, a.priorities, victims, days, 3)
    }


def serial(r: Records, p: str = "P") -> None:
    r.abuse(f"{p}1", "2022-03-10", p, f"{p}-V1")
    r.abuse(f"{p}2", "2023-05-20", p, f"{p}-V2")


@pytest.mark.parametrize(
    "end, listed",
    [("2024-06-29", False), (AS_OF, True), ("2024-07-28", True), ("2024-07-29", False)],
)
def test_watch_custody_ending_from_today_to_n_days(end, listed):
    r = Records()
    serial(r)
    r.order("P", "custody", "2024-01-01", end)
    assert ("P" in watch(r)) == listed


def test_watch_lists_the_order_the_protected_and_every_victim_in_the_window():
    r = Records()
    serial(r)
    r.abuse("P3", "2024-01-01", "P", "C", rts="family")
    r.order("P", "bail_conditions", "2024-05-01", "2024-07-10", protected="N")
    e = watch(r)["P"]
    assert e.why == "serial (current)"
    assert [(x.order_type, x.days_left) for x in e.endings] == [("bail_conditions", 10)]
    assert e.victims_to_recontact == ("C", "N", "P-V1", "P-V2")


def test_watch_an_order_not_yet_started_is_not_in_force():
    r = Records()
    serial(r)
    r.order("P", "dvpo", "2024-07-01", "2024-07-10")
    assert watch(r) == {}


def test_watch_a_historic_serials_qualifying_victims_are_re_contacted():
    r = Records()
    r.abuse("I1", "2015-03-10", "P", "V1")
    r.abuse("I2", "2016-05-20", "P", "V2")
    r.order("P", "custody", "2017-01-01", "2024-07-01")
    e = watch(r)["P"]
    assert e.why == "serial (historic)"
    assert e.victims_to_recontact == ("V1", "V2")


def test_watch_the_days_are_a_parameter():
    r = Records()
    serial(r)
    r.order("P", "licence", "2024-01-01", "2024-08-30")
    assert watch(r) == {}
    assert "P" in watch(r, days=61)


def test_watch_high_priority_non_serial_is_listed_standard_is_not():
    r = Records()
    # one victim, recent, grave and frequent: high from 80 (issue 16's bands)
    r.abuse("H1", "2024-06-30", "H", "HV", "strangulation")
    r.abuse("H2", "2024-06-20", "H", "HV", "sexual_offence")
    r.abuse("H3", "2024-05-20", "H", "HV", "strangulation")
    r.abuse("H4", "2024-04-20", "H", "HV", "strangulation")
    r.abuse("L1", "2021-08-01", "L", "LV", "threats")  # long ago, slight
    r.order("H", "custody", "2024-06-01", "2024-07-01")
    r.order("L", "custody", "2024-06-01", "2024-07-01")
    listed = watch(r)
    assert listed["H"].why == "high priority"
    assert "L" not in listed


# --- what changed ---------------------------------------------------------------------------


def test_changes_newly_qualified_dropped_to_historic_and_score_rises():
    before = Snapshot("2024-01-01", {"A": "current", "B": "historic", "C": "current"}, {"A": 50})
    after = Snapshot(
        "2024-06-30", {"A": "historic", "B": "current", "D": "current"}, {"A": 40, "D": 70}
    )
    changes = compare(before, after)
    assert changes.newly_qualified == ("B", "D")
    assert changes.dropped_to_historic == ("A",)
    assert changes.no_longer_listed == ("C",)
    assert [(r.person_id, r.before, r.after) for r in changes.score_rises] == [("D", 0.0, 70)]


def test_changes_since_a_date_on_the_same_records():
    r = Records()
    r.abuse("I1", "2023-01-10", "P", "V1")
    r.abuse("I2", "2024-03-01", "P", "V2")
    dataset = records_dataset(r)
    then = assess(scan(dataset, ScanParameters(dt.date(2024, 1, 1))), dataset, PrioritySettings())
    now = assessed(r)
    changes = compare(then.snapshot("2024-01-01"), now.snapshot(AS_OF))
    assert changes.newly_qualified == ("P",)
    assert changes.score_rises[0].person_id == "P"


def test_changes_against_a_saved_scan_without_ranking_skip_unscored_people(tmp_path):
    saved = tmp_path / "scan.json"
    saved.write_text(
        json.dumps(
            {"as_of": "2024-01-01", "perpetrators": [{"person_id": "A", "status": "current"}]}
        )
    )
    before = snapshot_from_file(saved)
    assert not before.all_scored
    after = Snapshot("now", {"A": "historic"}, {"A": 30, "Z": 90})
    changes = compare(before, after)
    assert changes.dropped_to_historic == ("A",)
    assert changes.score_rises == ()


def test_changes_against_a_file_that_is_not_a_scan_says_what_to_give(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text("[1, 2]")
    with pytest.raises(ConfigError, match="not a perp-graph scan JSON"):
        snapshot_from_file(bad)
    with pytest.raises(ConfigError, match="no such file"):
        snapshot_from_file(tmp_path / "missing.json")


# --- scores worked out ahead of the scan's answer (jobs.scanning.assess_identities) ---------


def test_scores_worked_out_before_the_scan_give_the_same_assessment():
    r = Records()
    r.abuse("I1", "2023-01-10", "P", "V1")
    r.abuse("I2", "2024-03-01", "P", "V2")
    r.abuse("I3", "2024-04-01", "Q", "W1")
    r.relate("Q", "W2", "intimate_partner", "2024-05-01")
    dataset = records_dataset(r)
    parameters = ScanParameters(as_of=dt.date.fromisoformat(AS_OF))
    ready = scored(dataset, parameters, PrioritySettings())
    result = scan(dataset, parameters)
    apart = assess(result, dataset, PrioritySettings(), rank=True)
    together = assess(result, dataset, PrioritySettings(), rank=True, ready=ready)
    assert together.as_json() == apart.as_json()
    assert together.early_warnings and together.perpetrators
    assert together.priorities is ready.priorities  # used, not worked out again


def test_scores_worked_out_from_other_records_are_not_used():
    r = Records()
    r.abuse("I1", "2023-01-10", "P", "V1")
    r.abuse("I2", "2024-03-01", "P", "V2")
    dataset = records_dataset(r)
    r.abuse("I3", "2024-04-01", "P", "V3", category="homicide")
    other = records_dataset(r)
    parameters = ScanParameters(as_of=dt.date.fromisoformat(AS_OF))
    ready = scored(other, parameters, PrioritySettings())
    result = scan(dataset, parameters)
    assert assess(result, dataset, PrioritySettings(), ready=ready).as_json() == (
        assess(result, dataset, PrioritySettings()).as_json()
    )


@pytest.mark.parametrize(
    "other",
    [
        {"parameters": ScanParameters(as_of=dt.date(2024, 1, 1))},
        {"settings": PrioritySettings(high_at=10.0, medium_at=5.0)},
    ],
    ids=["another as-of date", "other priority settings"],
)
def test_scores_worked_out_for_other_parameters_or_settings_are_not_used(other):
    r = Records()
    r.abuse("I1", "2023-01-10", "P", "V1")
    r.abuse("I2", "2024-03-01", "P", "V2")
    dataset = records_dataset(r)
    parameters = ScanParameters(as_of=dt.date.fromisoformat(AS_OF))
    ready = scored(
        dataset,
        other.get("parameters", parameters),
        other.get("settings", PrioritySettings()),
    )
    result = scan(dataset, parameters)
    assert assess(result, dataset, PrioritySettings(), ready=ready).as_json() == (
        assess(result, dataset, PrioritySettings()).as_json()
    )
