"""`perp-graph load`: bad files stop with exit 2 and a message; bad rows are quarantined."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from perp_graph.cli import app
from tests.records import Records, write_csv

runner = CliRunner()

# The CLI on the default store; the CLI on Neo4j is tested in test_neo4j_store.py.
pytestmark = pytest.mark.usefixtures("embedded_store_only")


def good_records() -> Records:
    r = Records()
    r.person("P1", date_of_birth="1980-01-02", gender="M", pnc_id="80/0000001A")
    r.abuse("I1", "2022-01-10", "P1", "V1")
    r.abuse("I2", "2023-01-10T22:15:00", "P1", "V2")
    r.relate("P1", "V2", "intimate_partner", start="2022-06-01")
    r.order("P1", "dvpo", "2023-01-11", "2023-02-08", "V2")
    return r


def invoke(*args: str):
    return runner.invoke(app, list(args))


def load(data: Path, workspace: Path, *extra: str):
    return invoke("load", str(data), "--workspace", str(workspace), "--quiet", *extra)


def read_quarantine(workspace: Path, name: str) -> list[dict]:
    with (workspace / "quarantine" / f"{name}.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


# --- bad files: exit code 2, file + line/column + fix, no traceback ---------------


def test_missing_required_file(tmp_path):
    data = good_records().write(tmp_path / "data")
    (data / "incidents.csv").unlink()
    result = load(data, tmp_path / "ws")
    assert result.exit_code == 2
    assert "incidents.csv: required file is missing" in result.output
    assert "Traceback" not in result.output


def test_missing_required_column_names_file_column_and_fix(tmp_path):
    data = good_records().write(tmp_path / "data")
    frame = pd.read_csv(data / "people.csv", dtype=str).drop(columns=["surname"])
    frame.to_csv(data / "people.csv", index=False)
    result = load(data, tmp_path / "ws")
    assert result.exit_code == 2
    assert "people.csv, line 1, column 'surname': required column is missing" in result.output
    assert "[input.columns.people]" in result.output


def test_not_utf8_names_the_line(tmp_path):
    data = good_records().write(tmp_path / "data")
    text = (data / "people.csv").read_text().splitlines()
    text[2] = text[2].replace("SurnameV1", "Sürname")
    (data / "people.csv").write_bytes("\n".join(text).encode("latin-1"))
    result = load(data, tmp_path / "ws")
    assert result.exit_code == 2
    assert "people.csv, line 3: is not UTF-8" in result.output
    assert "iconv" in result.output
    # The offending name is not echoed back.
    assert "Sürname" not in result.output


def test_binary_file_is_refused(tmp_path):
    data = good_records().write(tmp_path / "data")
    (data / "incidents.csv").write_bytes(b"PK\x03\x04\x00\x00binary")
    result = load(data, tmp_path / "ws")
    assert result.exit_code == 2
    assert "incidents.csv: is a binary file, not CSV text" in result.output


def test_semicolon_separated_file_is_refused(tmp_path):
    data = good_records().write(tmp_path / "data")
    text = (data / "involvements.csv").read_text().replace(",", ";")
    (data / "involvements.csv").write_text(text)
    result = load(data, tmp_path / "ws")
    assert result.exit_code == 2
    assert "involvements.csv, line 1: is not comma-separated" in result.output
    assert "separated by semicolons (;)" in result.output


def test_empty_file_is_refused(tmp_path):
    data = good_records().write(tmp_path / "data")
    (data / "people.csv").write_text("")
    result = load(data, tmp_path / "ws")
    assert result.exit_code == 2
    assert "people.csv, line 1: is empty" in result.output


def test_a_bad_file_writes_nothing_to_the_store(tmp_path):
    data = good_records().write(tmp_path / "data")
    (data / "orders.csv").write_bytes(b"\xff\xfe\x00b\x00a\x00d")
    assert load(data, tmp_path / "ws").exit_code == 2
    assert not (tmp_path / "ws" / "embedded").exists()


def test_not_a_folder(tmp_path):
    result = load(tmp_path / "nowhere", tmp_path / "ws")
    assert result.exit_code == 2
    assert "is not a folder" in result.output


# --- bad rows: quarantined with reasons; counts add up -------------------------------


def test_bad_rows_are_quarantined_with_reasons(tmp_path):
    r = good_records()
    r.person("P2", date_of_birth="1990-02-30")  # impossible date
    r.person("P3", gender="Q")
    r.people["P4"] = {"person_id": "P4", "surname": "", "forenames": "X"}
    r.incident("I3", "04/03/2021", suspects=[], victims={})  # UK date without --dayfirst
    r.incident("I1", "2022-01-11")  # duplicate id
    r.involvements.append({"incident_id": "I1", "person_id": "NOBODY", "role": "victim"})
    r.involvements.append({"incident_id": "I1", "person_id": "P1", "role": "bystander"})
    r.relate("P1", "P1", "family")
    data = r.write(tmp_path / "data")
    ws = tmp_path / "ws"
    result = load(data, ws)
    assert result.exit_code == 0, result.output

    people = {row["person_id"]: row for row in read_quarantine(ws, "people")}
    assert "date_of_birth '1990-02-30' is not a valid date" in people["P2"]["reason"]
    assert "gender 'Q' is not one of F, M, X, U" in people["P3"]["reason"]
    assert "P4" not in people  # a blank name is unknown, not a bad row (contract 1.6)

    incidents = read_quarantine(ws, "incidents")
    reasons = {row["line"]: row["reason"] for row in incidents}
    assert any("for UK day-first dates use --dayfirst" in why for why in reasons.values())
    assert any(why == "duplicate incident_id (first on line 2)" for why in reasons.values())

    involvements = [row["reason"] for row in read_quarantine(ws, "involvements")]
    assert "person_id 'NOBODY' is not in people.csv (or was quarantined there)" in involvements
    assert "role 'bystander' is not one of victim, suspect, witness, other" in involvements

    relationships = [row["reason"] for row in read_quarantine(ws, "relationships")]
    assert relationships == [
        "person_id_a and person_id_b are the same person (a person never relates to themself)"
    ]


def test_report_counts_add_up_per_file(tmp_path):
    r = good_records()
    r.person("P2", date_of_birth="yesterday")
    r.involvements.append({"incident_id": "NOPE", "person_id": "P1", "role": "victim"})
    data = r.write(tmp_path / "data")
    # A record with too many fields is quarantined too, not lost.
    with (data / "incidents.csv").open("a") as handle:
        handle.write("I9,2022-01-01,threats,high,Northgate,,false,summary,PC 1234,EXTRA\n")
    ws = tmp_path / "ws"
    result = load(data, ws, "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    for f in report["files"]:
        assert f["read"] == f["loaded"] + f["quarantined"], f
    by_file = {f["file"]: f for f in report["files"]}
    assert by_file["people.csv"]["quarantined"] == 1
    assert by_file["involvements.csv"]["quarantined"] == 1
    assert by_file["incidents.csv"]["quarantined"] == 1
    malformed = read_quarantine(ws, "incidents")[0]
    assert malformed["reason"].startswith("expected 9 fields, found 10")
    assert malformed["line"] == "4"
    # The saved report is the printed one.
    saved = json.loads((ws / "reports" / "last-load.json").read_text())
    assert saved["files"] == report["files"]


def test_quarantined_person_takes_their_involvements_to_quarantine(tmp_path):
    r = good_records()
    r.people["V1"]["date_of_birth"] = "not a date"
    data = r.write(tmp_path / "data")
    ws = tmp_path / "ws"
    assert load(data, ws).exit_code == 0
    reasons = [row["reason"] for row in read_quarantine(ws, "involvements")]
    assert reasons == ["person_id 'V1' is not in people.csv (or was quarantined there)"]


def test_text_report_lists_files_and_quarantine(tmp_path):
    r = good_records()
    r.person("P2", gender="nope")
    data = r.write(tmp_path / "data")
    result = load(data, tmp_path / "ws")
    assert result.exit_code == 0
    assert "people.csv" in result.output
    assert "Quarantined rows of people.csv" in result.output
    # Names never appear in the report.
    assert "SurnameP2" not in result.output


# --- idempotence, dates, mapping, extras ----------------------------------------------


def store_frames(workspace: Path) -> dict[str, pd.DataFrame]:
    folder = workspace / "embedded"
    return {p.stem: pd.read_parquet(p) for p in sorted(folder.glob("*.parquet"))}


def test_loading_the_same_folder_twice_leaves_the_same_store(tmp_path):
    data = good_records().write(tmp_path / "data")
    ws = tmp_path / "ws"
    assert load(data, ws).exit_code == 0
    first = store_frames(ws)
    assert load(data, ws).exit_code == 0
    second = store_frames(ws)
    assert first.keys() == second.keys()
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name])


def test_a_later_load_updates_records_by_id(tmp_path):
    r = good_records()
    data = r.write(tmp_path / "data")
    ws = tmp_path / "ws"
    assert load(data, ws).exit_code == 0
    r.people["P1"]["gender"] = "X"
    assert load(r.write(tmp_path / "data2"), ws).exit_code == 0
    people = store_frames(ws)["people"].set_index("person_id")
    assert people.loc["P1", "gender"] == "X"
    assert len(people) == len(r.people)


def test_dayfirst_reads_uk_dates(tmp_path):
    r = Records()
    r.abuse("I1", "04/03/2021", "P", "V1")
    r.abuse("I2", "5/3/2022 21:40", "P", "V2")
    data = r.write(tmp_path / "data")
    ws = tmp_path / "ws"
    assert load(data, ws, "--dayfirst").exit_code == 0
    incidents = store_frames(ws)["incidents"].set_index("incident_id")
    assert str(incidents.loc["I1", "occurred_on"].date()) == "2021-03-04"
    assert str(incidents.loc["I2", "occurred_on"].date()) == "2022-03-05"


def test_config_maps_columns_and_offence_codes(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    write_csv(
        data / "people.csv",
        ["Nominal Ref", "Surname", "Forename(s)"],
        [{"Nominal Ref": p, "Surname": "S", "Forename(s)": "F"} for p in ("P", "V1", "V2")],
    )
    write_csv(
        data / "incidents.csv",
        ["Occurrence Ref", "Committed From", "HO Offence Code"],
        [
            {"Occurrence Ref": "I1", "Committed From": "10/01/2022", "HO Offence Code": "8N"},
            {"Occurrence Ref": "I2", "Committed From": "10/01/2023", "HO Offence Code": "105A"},
            {"Occurrence Ref": "I3", "Committed From": "11/01/2023", "HO Offence Code": "ZZ9"},
        ],
    )
    write_csv(
        data / "involvements.csv",
        ["Occurrence Ref", "Nominal Ref", "Involvement", "Relationship To Suspect"],
        [
            {
                "Occurrence Ref": i,
                "Nominal Ref": p,
                "Involvement": role,
                "Relationship To Suspect": rts,
            }
            for i, p, role, rts in [
                ("I1", "P", "Suspect", ""),
                ("I1", "V1", "Victim", "Intimate_Partner"),
                ("I2", "P", "suspect", ""),
                ("I2", "V2", "victim", "intimate_partner"),
                ("I3", "P", "suspect", ""),
                ("I3", "V2", "victim", "intimate_partner"),
            ]
        ],
    )
    config = Path(__file__).parents[1] / "etl" / "mappings" / "example-force.toml"
    ws = tmp_path / "ws"
    result = load(data, ws, "--config", str(config), "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["unmapped_offence_categories"] == {"ZZ9": 1}
    assert report["quarantined"] == 0
    scan = invoke(
        "scan",
        "--workspace",
        str(ws),
        "--as-of",
        "2024-01-01",
        "--format",
        "json",
        "--quiet",
        "--config",
        str(config),
    )
    assert scan.exit_code == 0, scan.output
    found = json.loads(scan.output)["perpetrators"]
    assert [(f["person_id"], f["qualifying_incident_ids"]) for f in found] == [("P", ["I1", "I2"])]


def test_bad_config_is_a_clear_error(tmp_path):
    data = good_records().write(tmp_path / "data")
    config = tmp_path / "bad.toml"
    config.write_text('[offence_codes]\n"8N" = "assault"\n')
    result = load(data, tmp_path / "ws", "--config", str(config))
    assert result.exit_code == 2
    assert "'8N' maps to 'assault', which is not a contract category" in result.output


def test_extra_columns_are_carried_through_and_reported(tmp_path):
    data = good_records().write(tmp_path / "data")
    frame = pd.read_csv(data / "people.csv", dtype=str, keep_default_na=False)
    frame["Custody Suite"] = "North"
    frame.to_csv(data / "people.csv", index=False)
    ws = tmp_path / "ws"
    result = load(data, ws, "--format", "json")
    report = json.loads(result.output)
    assert report["files"][0]["extra_columns"] == ["Custody Suite"]
    people = store_frames(ws)["people"]
    assert json.loads(people["extra"].iloc[0]) == {"Custody Suite": "North"}


def test_headers_match_case_insensitively_with_spaces_and_bom(tmp_path):
    data = good_records().write(tmp_path / "data")
    text = (data / "people.csv").read_text()
    header, rest = text.split("\n", 1)
    header = ",".join(f" {h.upper()} " for h in header.split(","))
    (data / "people.csv").write_bytes(b"\xef\xbb\xbf" + (header + "\n" + rest).encode())
    assert load(data, tmp_path / "ws").exit_code == 0


@pytest.mark.parametrize("flag", ["--help"])
def test_load_has_help(flag):
    assert invoke("load", flag).exit_code == 0


def test_the_example_force_sample_loads_cleanly_with_its_mapping(tmp_path):
    root = Path(__file__).parents[1]
    result = invoke(
        "scan",
        "--data",
        str(root / "etl" / "samples" / "example-force"),
        "--config",
        str(root / "etl" / "mappings" / "example-force.toml"),
        "--workspace",
        str(tmp_path / "ws"),
        "--as-of",
        "2024-06-30",
        "--format",
        "json",
        "--quiet",
    )
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)["perpetrators"]
    assert [(p["person_id"], p["victim_ids"]) for p in found] == [("N100", ["N101", "N103"])]
    report = json.loads((tmp_path / "ws" / "reports" / "last-load.json").read_text())
    assert report["quarantined"] == 0
    assert all(f["extra_columns"] == [] for f in report["files"])


def test_progress_goes_to_stderr_and_quiet_silences_it(tmp_path):
    data = good_records().write(tmp_path / "data")
    loud = invoke("load", str(data), "--workspace", str(tmp_path / "a"), "--format", "json")
    assert "reading and validating" in loud.stderr
    json.loads(loud.stdout)
    quiet = invoke(
        "load", str(data), "--workspace", str(tmp_path / "b"), "--format", "json", "--quiet"
    )
    assert quiet.stderr == ""
