"""The seeded generator: realistic, calibrated, and its planted truth is found exactly."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from perp_graph.errors import OutputError
from perp_graph.model import ScanParameters
from perp_graph.pipeline.load import load_folder
from perp_graph.settings import Settings
from perp_graph.synth import CATEGORY_WEIGHTS, KENT_CRIMES_PER_YEAR, SynthConfig, generate

END = dt.date(2025, 3, 31)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    generate(out, SynthConfig(seed=11, incidents=20_000, years=5, end_date=END))
    return out


@pytest.fixture(scope="module")
def tables(generated) -> dict[str, pd.DataFrame]:
    return {
        name: pd.read_csv(generated / f"{name}.csv", dtype=str, keep_default_na=False)
        for name in ("people", "incidents", "involvements", "relationships", "orders")
    }


def test_planted_serial_perpetrators_are_all_found_and_nobody_else(generated, store, tmp_path):
    report = load_folder(generated, store, Settings(workspace=tmp_path / "ws"))
    assert report.quarantined == 0
    truth = json.loads((generated / "truth.json").read_text())
    result = store.acpo_scan(ScanParameters(as_of=dt.date.fromisoformat(truth["as_of"])))
    found = {
        f.person_id: {
            "person_id": f.person_id,
            "status": f.status,
            "first_qualified_on": f.first_qualified_on.isoformat(),
            "victim_ids": list(f.victim_ids),
            "qualifying_incident_ids": list(f.qualifying_incident_ids),
        }
        for f in result.perpetrators
    }
    expected = {row["person_id"]: row for row in truth["serial"]}
    assert {s["status"] for s in truth["serial"]} == {"current", "historic"}
    assert found == expected
    decoys = {row["person_id"] for row in truth["non_serial"]}
    assert len({row["reason"] for row in truth["non_serial"]}) == 4
    assert not decoys & set(found)


def test_same_seed_same_data_other_seed_other_data(tmp_path):
    def digest(folder: Path) -> str:
        h = hashlib.sha256()
        for p in sorted(folder.glob("*")):
            h.update(p.read_bytes())
        return h.hexdigest()

    config = SynthConfig(seed=5, incidents=2_000, end_date=END)
    generate(tmp_path / "a", config)
    generate(tmp_path / "b", config)
    generate(tmp_path / "c", SynthConfig(seed=6, incidents=2_000, end_date=END))
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert digest(tmp_path / "a") != digest(tmp_path / "c")


def test_default_volume_is_kents_annual_crimes_for_each_year():
    assert SynthConfig(years=1).total_incidents == KENT_CRIMES_PER_YEAR == 9_010
    assert SynthConfig(years=5).total_incidents == 45_050


def test_incident_count_is_exact(tables):
    assert len(tables["incidents"]) == 20_000


def test_offence_mix_follows_the_calibration(tables):
    share = tables["incidents"]["offence_category"].value_counts(normalize=True)
    total = sum(CATEGORY_WEIGHTS.values())
    for category, weight in CATEGORY_WEIGHTS.items():
        assert share.get(category, 0) == pytest.approx(weight / total, abs=0.02), category
    # HMIC's figures for Kent: 3,550 + 75 of 9,010 are violence with injury.
    assert share["violence_with_injury"] == pytest.approx(3_625 / 9_010, abs=0.02)


def test_risk_levels_are_71_19_10(tables):
    share = tables["incidents"]["risk_level"].value_counts(normalize=True)
    assert share["standard"] == pytest.approx(0.71, abs=0.02)
    assert share["medium"] == pytest.approx(0.19, abs=0.02)
    assert share["high"] == pytest.approx(0.10, abs=0.02)


def test_about_a_quarter_of_incidents_are_from_repeat_victims(tables):
    victims = (
        tables["involvements"]
        .query("role == 'victim'")
        .merge(tables["incidents"][["incident_id", "occurred_on"]], on="incident_id")
    )
    victims = victims.sort_values(["occurred_on", "incident_id"])
    repeat = victims.duplicated("person_id")
    incidents_with_repeat = victims.loc[repeat, "incident_id"].nunique()
    assert incidents_with_repeat / len(tables["incidents"]) == pytest.approx(0.25, abs=0.04)


def test_realistic_structures_are_present(tables):
    inv = tables["involvements"]
    roles = inv.groupby(["incident_id", "person_id"])["role"].nunique()
    assert (roles > 1).sum() > 0, "counter-allegations: suspect and victim in one incident"
    suspects_per_incident = inv.query("role == 'suspect'").groupby("incident_id").size()
    assert (suspects_per_incident > 1).sum() > 0, "multi-suspect incidents"
    by_role = inv.groupby("person_id")["role"].agg(set)
    assert by_role.map(lambda r: {"victim", "suspect"} <= r).sum() > 0
    kinds = set(tables["relationships"]["relationship_type"])
    assert {"intimate_partner", "ex_intimate_partner", "family", "household"} <= kinds
    assert set(inv["relationship_to_suspect"]) >= {
        "intimate_partner",
        "ex_intimate_partner",
        "family",
        "other",
        "",
    }
    assert "witness" in set(inv["role"])
    assert tables["people"]["home_neighbourhood"].nunique() >= 10
    assert tables["incidents"]["neighbourhood"].nunique() >= 10
    assert len(tables["orders"]) > 0
    assert tables["people"]["home_postcode"].str.startswith("ZZ").all()  # not a real area


def test_refuses_to_overwrite(tmp_path):
    generate(tmp_path, SynthConfig(seed=1, incidents=100, end_date=END))
    with pytest.raises(OutputError):
        generate(tmp_path, SynthConfig(seed=1, incidents=100, end_date=END))
    generate(tmp_path, SynthConfig(seed=1, incidents=100, end_date=END), overwrite=True)
