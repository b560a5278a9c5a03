"""Real exports (issue 13): placeholders are unknowns, blank names are kept, PNC ids are
checked, the data-quality report says what to fix, a file whose every record fails alike
is refused. (The CSV layer's record accounting has its own tests: test_extract.py.)"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from perp_graph import api
from perp_graph.cli import app
from perp_graph.errors import InputFileError
from perp_graph.pipeline.load import load_folder
from perp_graph.placeholders import DEFAULT_NAME_NULL_TOKENS, DEFAULT_NULL_TOKENS
from perp_graph.pnc import check_letter, parse_pnc
from perp_graph.settings import Settings, load_settings
from perp_graph.store.embedded import EmbeddedStore
from tests.records import Records

AS_OF = dt.date(2024, 6, 30)
runner = CliRunner()


def load_embedded(r: Records, tmp_path: Path, **settings) -> tuple[EmbeddedStore, object]:
    ws = tmp_path / "ws"
    store = EmbeddedStore(ws)
    report = load_folder(r.write(tmp_path / "data"), store, Settings(workspace=ws, **settings))
    return store, report


def load_embedded_folder(data: Path, tmp_path: Path) -> tuple[EmbeddedStore, object]:
    store = EmbeddedStore(tmp_path / "ws")
    return store, load_folder(data, store, Settings(workspace=tmp_path / "ws"))


# --- example 1: 'NULL' for a blank cell must not invent a serial perpetrator --------------


def null_pnc_example() -> Records:
    r = Records()
    r.person(
        "P001",
        surname="Quillfeather",
        forenames="Jory",
        date_of_birth="1985-02-11",
        gender="M",
        pnc_id="NULL",
        home_neighbourhood="Northgate",
    )
    r.person(
        "P002",
        surname="Ashgrove",
        forenames="Dorian",
        date_of_birth="1979-10-23",
        gender="M",
        pnc_id="NULL",
        home_neighbourhood="Riverside",
    )
    r.person(
        "V001",
        surname="Brambleton",
        forenames="Anwen",
        date_of_birth="1988-07-19",
        gender="F",
        home_neighbourhood="Northgate",
    )
    r.person(
        "V002",
        surname="Coldharbour",
        forenames="Tamsin",
        date_of_birth="1990-03-02",
        gender="F",
        home_neighbourhood="Riverside",
    )
    r.abuse("I001", "2022-05-10", "P001", "V001", "violence_with_injury")
    r.abuse("I002", "2023-09-14", "P002", "V002", "threats_to_kill", rts="ex_intimate_partner")
    return r  # fmt: skip


def test_null_written_for_a_blank_pnc_id_merges_nobody_and_finds_no_serial(
    store_settings, tmp_path
):
    api.load(null_pnc_example().write(tmp_path / "data"), store_settings)
    result = api.scan(store_settings, AS_OF)
    assert result.perpetrators == ()
    store = api.open_store(store_settings)
    try:
        assert store.identities() == {}
        people = store.records_about(["P001", "P002"]).people.set_index("person_id")
    finally:
        store.close()
    assert people.loc[["P001", "P002"], "pnc_id"].isna().all()


# --- the kind: null tokens in any column ------------------------------------------------------


@pytest.mark.parametrize("token", [*DEFAULT_NULL_TOKENS, "null", "n/a", " NULL "])
def test_every_default_null_token_is_blank_in_any_column(tmp_path, token):
    r = Records()
    r.person(
        "P1",
        date_of_birth=token,
        gender=token,
        pnc_id=token,
        home_postcode=token,
        aliases=token,
        firearms_certificate=token,
    )
    r.abuse(
        "I1",
        "2023-01-01",
        "P1",
        "V1",
        risk_level=token,
        neighbourhood=token,
        children_present=token,
        summary=token,
    )
    r.involvements[-1]["relationship_to_suspect"] = token
    r.relate("P1", "V1", "intimate_partner", start=token, end=token)
    r.order("P1", "dvpo", start=token, end=token, protected=token)  # fmt: skip
    store, report = load_embedded(r, tmp_path)
    assert report.quarantined == 0, report
    data = store.dataset()
    person = data.people.set_index("person_id").loc["P1"]
    for column in ("date_of_birth", "gender", "pnc_id", "home_postcode", "aliases"):
        assert pd.isna(person[column]), column
    incident = data.incidents.set_index("incident_id").loc["I1"]
    for column in ("risk_level", "neighbourhood", "summary", "children_present"):
        assert pd.isna(incident[column]), column
    assert data.involvements["relationship_to_suspect"].isna().all()
    assert data.orders["protected_person_id"].isna().all()


@pytest.mark.parametrize("token", DEFAULT_NAME_NULL_TOKENS)
def test_name_null_tokens_are_blank_in_name_columns_only(tmp_path, token):
    r = Records()
    r.person("P1", surname=token, forenames=token, home_neighbourhood=token)
    r.abuse("I1", "2023-01-01", "P1", "V1")
    store, _ = load_embedded(r, tmp_path)
    person = store.dataset().people.set_index("person_id").loc["P1"]
    assert pd.isna(person["surname"]) or person["surname"] == ""
    assert pd.isna(person["forenames"]) or person["forenames"] == ""
    assert person["home_neighbourhood"] == token  # a place may be called anything


@pytest.mark.parametrize("name", ["NA", "Nan", "None"])
def test_na_nan_and_none_are_real_names(tmp_path, name):
    r = Records()
    r.person("P1", surname=name, forenames=name)
    r.abuse("I1", "2023-01-01", "P1", "V1")
    store, _ = load_embedded(r, tmp_path)
    person = store.dataset().people.set_index("person_id").loc["P1"]
    assert (person["surname"], person["forenames"]) == (name, name)


def test_null_tokens_are_configurable(tmp_path):
    config = tmp_path / "force.toml"
    config.write_text('[input]\nnull_tokens = ["ZZZ"]\nname_null_tokens = []\n')
    settings = load_settings(config, tmp_path / "ws")
    r = Records()
    r.person("P1", gender="ZZZ", pnc_id="NULL", surname="UNKNOWN")
    r.abuse("I1", "2023-01-01", "P1", "V1")
    store = EmbeddedStore(tmp_path / "ws")
    report = load_folder(r.write(tmp_path / "data"), store, settings)
    people = store.dataset().people.set_index("person_id")
    assert pd.isna(people.loc["P1", "gender"])
    assert people.loc["P1", "pnc_id"] == "NULL"  # no longer a token: kept, reported invalid
    assert people.loc["P1", "surname"] == "UNKNOWN"
    assert report.data_quality.count("invalid PNC id") == 1


def test_a_config_with_a_bad_placeholder_date_is_refused(tmp_path):
    from perp_graph.errors import ConfigError

    config = tmp_path / "force.toml"
    config.write_text('[input]\nplaceholder_dates_of_birth = ["01/01/1900"]\n')
    with pytest.raises(ConfigError, match="placeholder_dates_of_birth"):
        load_settings(config, tmp_path / "ws")


# --- blank names ---------------------------------------------------------------------------


def test_a_person_with_a_blank_name_is_loaded_and_their_incidents_stay(tmp_path):
    r = Records()
    r.person("P1", surname="", forenames="")
    r.person("V1", surname="Jones", forenames="")
    r.abuse("I1", "2022-01-01", "P1", "V1")
    r.abuse("I2", "2023-01-01", "P1", "V2")
    store, report = load_embedded(r, tmp_path)
    assert report.quarantined == 0
    assert store.counts()["involvements"] == 4
    assert report.data_quality.count("blank name") == 3  # P1's two names, V1's forenames
    finding = store.acpo_scan(api.scan_parameters(Settings(), AS_OF)).perpetrators
    assert [f.person_id for f in finding] == ["P1"]


# --- PNC ids (contract 1.7) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("recorded", "canonical"),
    [
        ("79/163001B", "1979/0163001B"),  # the guide's worked examples
        ("02/73319Z", "2002/0073319Z"),
        ("2001/0171310W", "2001/0171310W"),
        ("85/0001111a", "1985/0001111A"),  # lower-case check letter
        ("85/1111A", "1985/0001111A"),  # serial not zero-padded
        ("851111A", "1985/0001111A"),  # no slash
        ("1985/0001111A", "1985/0001111A"),  # four-digit year
        (" 85/0001111A ", "1985/0001111A"),
    ],
)
def test_pnc_ids_are_canonical_in_either_form(recorded, canonical):
    assert parse_pnc(recorded, dt.date(2026, 11, 30)).canonical == canonical


@pytest.mark.parametrize(
    ("recorded", "problem"),
    [
        ("2001/0171310S", "check letter S is wrong (the number gives W)"),
        ("85/0001111B", "check letter B is wrong"),
        ("85/12345678A", "not of the form"),  # eight serial digits
        ("85-0001111A", "not of the form"),
        ("NULL", "not of the form"),
        ("85/0001111", "not of the form"),  # no check letter
    ],
)
def test_invalid_pnc_ids_are_named_with_the_reason(recorded, problem):
    checked = parse_pnc(recorded, dt.date(2026, 11, 30))
    assert checked.canonical is None and problem in checked.problem


def test_a_two_digit_year_after_this_year_is_last_century():
    assert parse_pnc("30/1A", dt.date(2026, 1, 1)).canonical in (None, "1930/0000001A")
    letter = check_letter(30, 1)
    assert parse_pnc(f"30/1{letter}", dt.date(2026, 1, 1)).canonical == f"1930/0000001{letter}"
    letter = check_letter(26, 1)
    assert parse_pnc(f"26/1{letter}", dt.date(2026, 1, 1)).canonical == f"2026/0000001{letter}"


def test_an_invalid_pnc_id_is_kept_as_recorded_and_reported(tmp_path):
    r = Records()
    r.person("P1", pnc_id="2001/0171310S")
    r.abuse("I1", "2023-01-01", "P1", "V1")
    store, report = load_embedded(r, tmp_path)
    assert store.dataset().people.set_index("person_id").loc["P1", "pnc_id"] == "2001/0171310S"
    found = [o for o in report.data_quality.observations if o.kind == "invalid PNC id"]
    assert found and "line 2 (P1): check letter S is wrong" in found[0].examples[0]


# --- the data-quality report -----------------------------------------------------------------


def quality_example() -> Records:
    r = Records()
    for i in range(20):
        dob = "1980-01-01" if i < 8 else f"19{60 + i}-03-04"
        r.person(f"P{i:02d}", date_of_birth=dob, home_postcode="NF1 1AA" if i < 2 else "")
    r.person("P90", date_of_birth="1900-01-01")
    r.person("P91", date_of_birth="1850-06-01")
    r.person("P92", surname="Smith", pnc_id="85/0001111A")
    r.person("P93", surname="Jones", pnc_id="85/1111a")
    r.abuse("I1", "2023-01-01", "P00", "P01")
    r.abuse("I2", "2099-01-01", "P02", "P03")
    return r


def test_the_data_quality_report_names_what_to_fix(tmp_path):
    _, report = load_embedded(quality_example(), tmp_path)
    dq = report.data_quality
    texts = " | ".join(o.text for o in dq.observations)
    assert dq.column("people.csv", "date_of_birth").placeholders == 1  # 1900-01-01
    assert dq.column("people.csv", "home_postcode").placeholders == 2  # NF1 1AA
    assert dq.column("people.csv", "date_of_birth").implausible == 1  # 1850
    assert dq.column("incidents.csv", "occurred_on").implausible == 1  # 2099
    assert "date_of_birth: '1980-01-01' is on 8 records" in texts
    assert "1 PNC id each on records with different surnames" in texts


def test_the_data_quality_report_is_printed_in_the_json_and_in_reports(tmp_path):
    data = quality_example().write(tmp_path / "data")
    ws = tmp_path / "ws"
    result = runner.invoke(app, ["load", str(data), "--workspace", str(ws), "--no-resolve"],
                           env={"COLUMNS": "80"})  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Data quality" in result.output
    assert "placeholder date of birth" in result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80
    saved = json.loads((ws / "reports" / "last-load.json").read_text())
    kinds = {o["kind"] for o in saved["data_quality"]["observations"]}
    assert {"placeholder", "implausible date", "shared value"} <= kinds
    csv = pd.read_csv(ws / "reports" / "data-quality.csv")
    assert "PNC id on different surnames" in set(csv["kind"])


def test_ids_with_look_alike_characters_are_shown_escaped(tmp_path):
    r = Records()
    r.abuse("I1", "2023-01-01", "P001", "V1")
    r.involvements.append({"incident_id": "I1", "person_id": "\u0420001", "role": "witness"})
    _, report = load_embedded(r, tmp_path)
    quarantine = pd.read_csv(tmp_path / "ws" / "quarantine" / "involvements.csv")
    assert "person_id '\\u0420001' is not in people.csv" in quarantine.loc[0, "reason"]
    odd = [o for o in report.data_quality.observations if o.kind.startswith("invisible")]
    assert odd and "\\u0420001" in odd[0].examples[0]


# --- a file whose every record fails alike is a bad file --------------------------------------


def test_a_file_whose_every_record_fails_the_same_way_is_refused(tmp_path):
    r = Records()
    r.abuse("I1", "04/03/2021", "P1", "V1")
    r.abuse("I2", "05/03/2021", "P1", "V2")
    r.abuse("I3", "17/11/2022", "P1", "V3")
    with pytest.raises(InputFileError) as caught:
        load_embedded(r, tmp_path)
    message = str(caught.value)
    assert "incidents.csv, line 2" in message
    assert "every one of its 3 records fails the same way" in message
    assert "--dayfirst" in message
    assert (
        not (tmp_path / "ws" / "store").exists()
        or EmbeddedStore(tmp_path / "ws").counts()["incidents"] == 0
    )


def test_the_command_line_exits_2_for_a_file_whose_every_record_fails(tmp_path):
    r = Records()
    r.abuse("I1", "04/03/2021", "P1", "V1")
    r.abuse("I2", "05/03/2021", "P1", "V2")
    data = r.write(tmp_path / "data")
    result = runner.invoke(app, ["load", str(data), "--workspace", str(tmp_path / "ws")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_records_failing_in_different_ways_are_quarantined_not_refused(tmp_path):
    r = Records()
    r.abuse("I1", "04/03/2021", "P1", "V1")
    r.abuse("I2", "2021-03-05", "P1", "V2", risk_level="severe")
    r.abuse("I3", "2021-03-06", "P1", "V3")
    _, report = load_embedded(r, tmp_path)
    incidents = next(f for f in report.files if f.file == "incidents.csv")
    assert (incidents.loaded, incidents.quarantined) == (1, 2)


# --- the contract's two new optional columns, on both stores --------------------------------


def test_warning_markers_and_officer_in_case_reach_both_stores_and_the_briefing(
    store_settings, tmp_path
):
    r = Records()
    r.person("P1", warning_markers="weapons; violence to police")
    r.abuse("I1", "2022-01-01", "P1", "V1", officer_in_case="PC 1234")
    r.abuse("I2", "2023-01-01", "P1", "V2", officer_in_case="DC 99")
    api.load(r.write(tmp_path / "data"), store_settings)
    store = api.open_store(store_settings)
    try:
        about = store.records_about(["P1"])
    finally:
        store.close()
    assert about.people.set_index("person_id").loc["P1", "warning_markers"] == (
        "weapons; violence to police"
    )
    assert set(about.incidents["officer_in_case"]) == {"PC 1234", "DC 99"}


def messy_export() -> Records:
    """Every fault of this file's kinds at once, as a real export might hold them."""
    r = null_pnc_example()
    r.person(
        "P003",
        surname="UNKNOWN",
        forenames="",
        pnc_id="85/0001111a",
        date_of_birth="1900-01-01",
        home_postcode="NF1 1AA",
        warning_markers="weapons",
    )
    r.person(
        "P004",
        surname="Ashgrove",
        forenames="N/A",
        pnc_id="2001/0171310S",
        date_of_birth="#N/A",
        gender="null",
    )
    r.abuse("I003", "2024-01-02", "P003", "V001", risk_level="N/A", officer_in_case="PC 7")
    r.abuse("I004", "2024-02-02", "P004", "V002", summary="(null)", neighbourhood="-")
    return r  # fmt: skip


def test_both_stores_hold_exactly_the_same_rows_of_a_messy_export(neo4j_store, tmp_path):
    data = messy_export().write(tmp_path / "data")
    embedded = EmbeddedStore(tmp_path / "embedded")
    load_folder(data, embedded, Settings(workspace=tmp_path / "embedded"))
    neo4j_store.clear()
    load_folder(data, neo4j_store, Settings(workspace=tmp_path / "neo4j"))
    everyone = sorted(embedded.dataset().people["person_id"])
    expected = embedded.records_about(everyone).sorted()
    got = neo4j_store.records_about(everyone).sorted()
    for name in expected.names():
        pd.testing.assert_frame_equal(getattr(got, name), getattr(expected, name), obj=name)
    assert expected.people.set_index("person_id").loc["P003", "warning_markers"] == "weapons"


def test_a_perpetrator_whose_name_is_unknown_is_shown_so_in_the_scan_and_the_briefing(
    tmp_path, embedded_store_only
):
    from perp_graph.analytics.dossier import display_name

    assert display_name("", "") == "(name unknown)"
    assert display_name("Smith", None) == "SMITH (forenames unknown)"
    assert display_name(None, "Jane") == "(surname unknown), Jane"
    r = Records()
    r.person("P1", surname="NK", forenames="", home_neighbourhood="Northgate")
    r.abuse("I1", "2023-01-01", "P1", "V1", neighbourhood="Northgate")
    r.abuse("I2", "2024-01-01", "P1", "V2", neighbourhood="Northgate")
    data = r.write(tmp_path / "data")
    ws = ["--workspace", str(tmp_path / "ws")]
    assert runner.invoke(app, ["load", str(data), *ws]).exit_code == 0
    scan = runner.invoke(app, ["scan", "--as-of", "2024-06-30", *ws], env={"COLUMNS": "200"})
    assert "(name unknown)" in scan.output
    out = tmp_path / "briefings"
    brief = runner.invoke(
        app, ["brief", "--as-of", "2024-06-30", "--no-pdf", "--out", str(out), *ws]
    )
    assert brief.exit_code == 0, brief.output
    assert "(name unknown)" in (out / "northgate.html").read_text()


def test_what_the_csv_layer_notes_about_a_file_is_in_the_data_quality_report(tmp_path):
    r = Records()
    r.abuse("I1", "2023-01-01", "P1", "V1")
    data = r.write(tmp_path / "data")
    people = data / "people.csv"
    people.write_bytes(people.read_text(encoding="utf-8").encode("utf-16"))  # with a BOM
    _, report = load_embedded_folder(data, tmp_path)
    notes = [o.text for o in report.data_quality.observations if o.kind == "file"]
    assert notes == ["decoded from UTF-16 LE (byte-order mark)"]
    assert report.data_quality.observations[0].file == "people.csv"


def test_a_nul_byte_is_shown_escaped_in_the_quarantine_file_not_written_into_it(tmp_path):
    r = Records()
    r.abuse("I1", "2023-01-01", "P1", "V1", summary="before\x00after")
    r.abuse("I2", "2023-02-01", "P1", "V2")
    _, report = load_embedded(r, tmp_path)
    assert next(f.quarantined for f in report.files if f.file == "incidents.csv") == 1
    quarantine = (tmp_path / "ws" / "quarantine" / "incidents.csv").read_bytes()
    assert b"\x00" not in quarantine
    assert b"before\\x00after" in quarantine


def test_the_printed_report_says_which_blanks_were_null_tokens(tmp_path):
    data = null_pnc_example().write(tmp_path / "data")
    ws = ["--workspace", str(tmp_path / "ws"), "--no-resolve"]
    result = runner.invoke(app, ["load", str(data), *ws], env={"COLUMNS": "100"})
    assert "4 blank (of which 2 null tokens)" in result.output
