"""The review queue and the identities export (issue 14, clause 5)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace

from typer.testing import CliRunner

from perp_graph import api
from perp_graph.cli import app
from perp_graph.identity.annotate import FINDING_DEPENDS, MAY_MAKE_FINDING
from tests.records import Records
from tests.test_identity_rules import add, crowd


def test_pairs_that_would_change_a_finding_come_first(store_settings, tmp_path):
    """Three pairs alike to the model (one name, no date of birth): the one that two
    victims of a finding make, and the one that would join a split perpetrator, come
    before one that touches no finding, although its ids sort first."""
    r = Records()
    crowd(r)
    add(r, "A1", "Wilhelmina", "Zqxsentinel")  # nobody's finding
    add(r, "A2", "Wilhelmina", "Zqxsentinel")
    add(r, "P", "Paul", "Perpetua", "1970-05-05")
    add(r, "V1", "Wilhelmina", "Zqxsentinel")
    add(r, "V2", "Wilhelmina", "Zqxsentinel")
    r.abuse("I1", "2022-01-05", "P", "V1")
    r.abuse("I2", "2023-01-05", "P", "V2")
    add(r, "S1", "Gruffudd", "Abernant")  # one man split over two records
    add(r, "S2", "Gruffudd", "Abernant")
    r.abuse("I3", "2022-03-05", "S1", "W1")
    r.abuse("I4", "2023-03-05", "S2", "W2")
    api.load(r.write(tmp_path / "data"), store_settings)
    review = api.review_identities(store_settings)
    order = [(p.record_a["person_id"], p.record_b["person_id"], p.stakes) for p in review]
    first_two = {(a, b): stakes for a, b, stakes in order[:2]}
    assert first_two == {("V1", "V2"): FINDING_DEPENDS, ("S1", "S2"): MAY_MAKE_FINDING}
    assert ("A1", "A2", "") in order[2:]


def test_review_reasons_are_true_and_names_masked_unless_unmasked(tmp_path, embedded_store_only):
    from perp_graph.settings import Settings

    r = Records()
    crowd(r)
    add(r, "J1", "Jack", "Reid", "1990-01-02", home_postcode="LL11 2AB")
    add(r, "J2", "Harry", "Reid", "1990-01-02", home_postcode="LL11 2AB")  # twins
    settings = Settings(workspace=tmp_path / "ws")
    api.load(r.write(tmp_path / "data"), settings)
    (masked,) = api.review_identities(settings)
    assert masked.reason.startswith("forenames differ: J. / H., with the same surname")
    (shown,) = api.review_identities(replace(settings, purpose="dedup"), unmask=True)
    assert shown.reason.startswith("forenames differ: Jack / Harry, with the same surname")
    ws = ["--workspace", str(settings.workspace)]
    review = CliRunner().invoke(app, ["identities", "review", *ws])
    assert review.exit_code == 0, review.output
    assert "Jack" not in review.stdout and "Harry" not in review.stdout
    assert "names agree" not in review.stdout


def test_full_ids_are_never_cut_at_80_columns(tmp_path, embedded_store_only):
    long_a = "WESTMIDS-NICHE-PERSON-000000000000012345-A"
    long_b = "WESTMIDS-NICHE-PERSON-000000000000012345-B"
    r = Records()
    crowd(r)
    add(r, long_a, "Wilhelmina", "Zqxsentinel")
    add(r, long_b, "Wilhelmina", "Zqxsentinel")
    ws = ["--workspace", str(tmp_path / "ws")]
    runner = CliRunner()
    assert runner.invoke(app, ["load", str(r.write(tmp_path / "data")), *ws, "-q"]).exit_code == 0
    review = runner.invoke(app, ["identities", "review", *ws], env={"COLUMNS": "80"})
    assert review.exit_code == 0, review.output
    assert max(len(line) for line in review.stdout.splitlines()) <= 80
    assert long_a in review.stdout and long_b in review.stdout


def test_export_lists_every_record_with_its_identity_and_how_it_was_decided(
    store_settings, tmp_path
):
    r = Records()
    crowd(r, n=60)
    add(r, "K1", "Cadfael", "Gruffydd", "1985-04-04", pnc_id="85/0001111A")
    add(r, "K2", "Cad", "Griffiths", "", pnc_id="85/0001111a")
    add(r, "M1", "Morwenna", "Reid", "1983-02-17", home_postcode="CF10 1AA")
    add(r, "M2", "Morwenna", "Ried", "1983-02-17")
    add(r, "W1", "Wilhelmina", "Zqxsentinel")
    add(r, "W2", "Wilhelmina", "Zqxsentinel")
    api.load(r.write(tmp_path / "data"), store_settings)
    api.decide_identities(store_settings, "W1", "W2", "confirm", user="analyst7")
    rows = {row.record_id: row for row in api.export_identities(store_settings)}
    assert len(rows) == len(r.people)
    assert (rows["K2"].identity_id, rows["K2"].decided_by) == ("K1", "rule")
    assert (rows["M2"].identity_id, rows["M2"].decided_by) == ("M1", "model")
    assert rows["M2"].links[0][0] == "M1" and rows["M2"].links[0][2] > 0.5
    assert (rows["W2"].identity_id, rows["W2"].decided_by) == ("W1", "analyst")
    assert "analyst7" in rows["W2"].links[0][1]
    assert (rows["C0001"].identity_id, rows["C0001"].decided_by) == ("C0001", "")


def test_export_command_writes_csv_or_json_and_needs_a_purpose_for_a_file(
    tmp_path, embedded_store_only
):
    r = Records()
    crowd(r, n=40)
    add(r, "K1", "Cadfael", "Gruffydd", "1985-04-04", pnc_id="85/0001111A")
    add(r, "K2", "Cad", "Griffiths", "", pnc_id="85/0001111a")
    ws = ["--workspace", str(tmp_path / "ws")]
    runner = CliRunner()
    assert runner.invoke(app, ["load", str(r.write(tmp_path / "data")), *ws, "-q"]).exit_code == 0
    as_csv = runner.invoke(app, ["identities", "export", "--format", "csv", *ws])
    assert as_csv.exit_code == 0, as_csv.output
    table = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert len(table) == 42
    k2 = next(row for row in table if row["record_id"] == "K2")
    assert (k2["identity_id"], k2["decided_by"], k2["how"]) == ("K1", "rule", "same PNC id")
    as_json = runner.invoke(app, ["identities", "export", "--format", "json", *ws])
    records = json.loads(as_json.stdout)["records"]
    assert {r["record_id"] for r in records} == {row["record_id"] for row in table}
    out = tmp_path / "identities.csv"
    refused = runner.invoke(app, ["identities", "export", "--output", str(out), *ws])
    assert refused.exit_code == 2 and not out.exists()
    written = runner.invoke(
        app, ["identities", "export", "-o", str(out), "--purpose", "grouping audit", *ws]
    )
    assert written.exit_code == 0, written.output
    assert out.read_text() == as_csv.stdout
    log = (tmp_path / "ws" / "audit" / "audit.jsonl").read_text()
    assert '"identities export"' in log and "grouping audit" in log


def test_a_blank_name_is_never_described_as_differing_or_agreeing(tmp_path, embedded_store_only):
    from perp_graph.identity.resolve import resolve
    from tests.records import records_dataset

    r = Records()
    crowd(r)
    add(r, "N1", "Eirlys", "", "1975-12-01")
    add(r, "N2", "Eirlys", "Mostyn", "1975-12-01")
    pairs = resolve(records_dataset(r)).pairs
    (reason,) = pairs[(pairs["record_l"] == "N1") & (pairs["record_r"] == "N2")]["reason"]
    assert reason.startswith("a surname is blank")
