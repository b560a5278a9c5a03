"""Retention: purge --before and load --full erase from the store (both stores, the same
rule) and from the outputs that named the people erased."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import pytest

from perp_graph import api
from perp_graph.audit import AuditLog
from perp_graph.pipeline.load import load_folder
from perp_graph.settings import Settings
from perp_graph.synth import SynthConfig, generate
from tests.records import Records

END = dt.date(2025, 3, 31)
CUT = dt.date(2022, 1, 1)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    generate(out, SynthConfig(seed=21, incidents=1_500, years=5, end_date=END))
    return out


def read(folder: Path, name: str) -> list[dict]:
    path = folder / f"{name}.csv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def write(folder: Path, name: str, rows: list[dict], columns: list[str]) -> None:
    with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def retained_by_hand(source: Path, target: Path, before: dt.date) -> None:
    """The purge rule applied to the CSV files directly, row by row."""
    target.mkdir()
    day = before.isoformat()
    incidents = [r for r in read(source, "incidents") if r["occurred_on"][:10] >= day]
    kept = {r["incident_id"] for r in incidents}
    involvements = [r for r in read(source, "involvements") if r["incident_id"] in kept]
    relationships = [
        r for r in read(source, "relationships") if not r["end_date"] or r["end_date"] >= day
    ]
    orders = [r for r in read(source, "orders") if not r["end_date"] or r["end_date"] >= day]
    attached = {r["person_id"] for r in involvements}
    attached |= {r["person_id_a"] for r in relationships} | {
        r["person_id_b"] for r in relationships
    }
    attached |= {r["person_id"] for r in orders} | {
        r["protected_person_id"] for r in orders if r["protected_person_id"]
    }
    people = [r for r in read(source, "people") if r["person_id"] in attached]
    for name, rows in (
        ("people", people),
        ("incidents", incidents),
        ("involvements", involvements),
        ("relationships", relationships),
        ("orders", orders),
    ):
        write(target, name, rows, list(read(source, name)[0]))


def test_purge_leaves_what_a_load_of_only_the_retained_records_gives(
    generated, store, store_settings, tmp_path
):
    load_folder(generated, store, store_settings)
    result = api.purge(store_settings, CUT)
    assert result.erasure.counts["incidents"] > 0 and result.erasure.counts["people"] > 0
    after = api.scan(store_settings, END)
    expected_folder = tmp_path / "retained"
    retained_by_hand(generated, expected_folder, CUT)
    fresh = Settings(workspace=tmp_path / "fresh")
    load_folder(expected_folder, api.open_store(fresh), fresh)
    expected = api.scan(fresh, END)
    assert [f.as_json() for f in after.perpetrators] == [f.as_json() for f in expected.perpetrators]
    purged_counts = store.counts()
    fresh_store = api.open_store(fresh)
    assert purged_counts == fresh_store.counts()


def test_purge_removes_outputs_that_named_the_erased_and_keeps_the_others(
    store, store_settings, tmp_path
):
    r = Records()
    r.person("OLD", home_neighbourhood="Oldtown")
    r.abuse("O1", "2014-01-01", "OLD", "OV1", neighbourhood="Oldtown")
    r.abuse("O2", "2014-06-01", "OLD", "OV2", neighbourhood="Oldtown")
    r.person("NEW", home_neighbourhood="Newtown")
    r.abuse("N1", "2023-01-01", "NEW", "NV1", neighbourhood="Newtown")
    r.abuse("N2", "2023-06-01", "NEW", "NV2", neighbourhood="Newtown")
    load_folder(r.write(tmp_path / "data"), store, store_settings)
    api.network(store_settings, tmp_path / "old.html", person_id="OLD", as_of=END)
    api.network(store_settings, tmp_path / "new.html", person_id="NEW", as_of=END)
    result = api.purge(store_settings, dt.date(2016, 1, 1))
    assert not (tmp_path / "old.html").exists()
    assert (tmp_path / "new.html").exists()
    assert tmp_path / "old.html" in {p.resolve() for p in result.files_removed} or any(
        p.name == "old.html" for p in result.files_removed
    )
    assert result.erasure.person_ids == {"OLD", "OV1", "OV2"}
    intent, erasure = [
        r for r in AuditLog(store_settings.workspace).records() if r["operation"] == "erasure"
    ]
    assert intent["parameters"]["stage"] == "intent" and intent["counts"] == {}
    assert erasure["parameters"]["intent"] == intent["seq"]
    assert erasure["counts"]["output_files"] >= 1 and erasure["person_ids"] == []


def test_an_output_changed_since_it_was_written_is_left_alone(store, store_settings, tmp_path):
    r = Records()
    r.abuse("O1", "2014-01-01", "OLD", "OV1")
    r.abuse("O2", "2014-06-01", "OLD", "OV2")
    load_folder(r.write(tmp_path / "data"), store, store_settings)
    api.network(store_settings, tmp_path / "old.html", person_id="OLD", as_of=END)
    (tmp_path / "old.html").write_text("edited by hand")
    api.purge(store_settings, dt.date(2016, 1, 1))
    assert (tmp_path / "old.html").read_text() == "edited by hand"


@pytest.mark.slow
def test_a_full_reload_erases_what_the_export_no_longer_holds(
    generated, store, store_settings, tmp_path
):
    load_folder(generated, store, store_settings)
    smaller = tmp_path / "smaller"
    retained_by_hand(generated, smaller, CUT)
    report = api.load(smaller, store_settings, full=True)
    assert report.removed["incidents"] > 0
    fresh = Settings(workspace=tmp_path / "fresh", neo4j_uri=None, neo4j_insecure=True)
    api.load(smaller, fresh)  # both resolve identities
    assert store.counts() == api.open_store(fresh).counts()
    assert [f.as_json() for f in api.scan(store_settings, END).perpetrators] == [
        f.as_json() for f in api.scan(fresh, END).perpetrators
    ]


def test_a_full_reload_keeps_records_whose_rows_were_quarantined(store, store_settings, tmp_path):
    r = Records()
    r.abuse("I1", "2023-01-01", "P", "V1")
    r.abuse("I2", "2023-06-01", "P", "V2")
    data = r.write(tmp_path / "data")
    load_folder(data, store, store_settings)
    broken = tmp_path / "broken"
    shutil.copytree(data, broken)
    text = (broken / "incidents.csv").read_text().replace("2023-06-01", "2023-06-31")
    (broken / "incidents.csv").write_text(text)
    report = api.load(broken, store_settings, full=True)
    assert report.removed["incidents"] == 0
    assert store.counts()["incidents"] == 2
