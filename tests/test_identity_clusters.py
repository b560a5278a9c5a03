"""Faults a new user's trial found in identity resolution (issue 14, follow-up): one test
per clause.

- the saved pairs keep their dtypes with no rows (the export crashed on a workspace with
  no scored pairs);
- the cluster check holds for the whole cluster, names included: a chain of near
  surnames (Jones, Johns, Hones, ...) never makes two people whose names disagree one
  identity, so a serial perpetrator hidden by the chain is found;
- an analyst's reject is a cannot-link for the whole identity, through any chain;
- a rejected pair, or a pair inside one identity, is never "possible";
- the review queue: reasons that say something when names are masked, the stakes, dates
  and ids whole at 80 columns, --quiet, help that says what it does; counts in words.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json

import pandas as pd
from typer.testing import CliRunner

from perp_graph import api
from perp_graph.cli import app, identities_app
from perp_graph.identity.annotate import FINDING_DEPENDS
from perp_graph.identity.clean import prepare
from perp_graph.identity.decisions import Decisions
from perp_graph.identity.pairs import PAIR_DTYPES, load_pairs, save_pairs
from perp_graph.identity.resolve import resolve
from perp_graph.identity.rules import names_disagree
from perp_graph.settings import Settings
from tests.records import Records, records_dataset
from tests.test_identity_rules import add, crowd

AS_OF = dt.date(2024, 6, 30)

#: The trial's chain: ten women, forename Ann, born 1980-01-01, no postcodes; each surname
#: is one edit from the next, but Johns (Y002) and Hones (Y005) are two edits apart.
CHAIN = "Jones Jonas Johns Jowns Jomes Hones Jone Joness Jonse Janes".split()


def chain_records() -> Records:
    r = Records()
    for i, surname in enumerate(CHAIN):
        add(r, f"Y{i:03d}", "Ann", surname, "1980-01-01", gender="F")
    add(r, "P002", "Paul", "Prothero", "1975-03-03", gender="M")
    r.abuse("I1", "2022-02-01", "P002", "Y002")  # Ann Johns
    r.abuse("I2", "2023-02-01", "P002", "Y005")  # Ann Hones
    return r


def identities_in(store_settings: Settings) -> dict[str, str]:
    store = api.open_store(store_settings)
    try:
        return store.identities()
    finally:
        store.close()


def groups(identity_of: dict[str, str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for record, identity in identity_of.items():
        out.setdefault(identity, []).append(record)
    return out


def same(identity_of: dict[str, str], a: str, b: str) -> bool:
    return identity_of.get(a, a) == identity_of.get(b, b)


def assert_no_possible_pair_is_inside_an_identity_or_rejected(settings: Settings) -> None:
    identity_of = identities_in(settings)
    pairs = load_pairs(settings.workspace)
    possible = pairs[pairs["outcome"] == "possible"]
    rejected = {
        (d.record_a, d.record_b)
        for d in Decisions.open(settings.workspace).rows()
        if d.decision == "reject"
    }
    for a, b in zip(possible["record_l"], possible["record_r"], strict=True):
        assert not same(identity_of, a, b), (a, b)
        assert (a, b) not in rejected, (a, b)
        for x, y in rejected:  # it would join two identities an analyst keeps apart
            ends = {identity_of.get(x, x), identity_of.get(y, y)}
            assert {identity_of.get(a, a), identity_of.get(b, b)} != ends, (a, b, x, y)


# --- 1. the saved pairs' dtypes whatever the row count ------------------------------------------


def test_saved_pairs_keep_their_dtypes_with_no_rows(tmp_path):
    """With 0 rows, `merged` was read back as float and pairs[pairs["merged"]] selected
    columns; every reader gets the same dtypes whatever the row count."""
    r = Records()
    for i, (f, s) in enumerate([("Aled", "Pugh"), ("Nia", "Rees"), ("Iolo", "Bevan")]):
        add(r, f"Q{i}", f, s, f"19{60 + i}-0{i + 1}-1{i}")
    identities = resolve(records_dataset(r))
    assert len(identities.pairs) == 0
    save_pairs(tmp_path, identities.pairs)
    for pairs in (identities.pairs, load_pairs(tmp_path)):
        assert {c: str(pairs[c].dtype) for c in PAIR_DTYPES} == PAIR_DTYPES
        assert pairs[pairs["merged"]].columns.tolist() == pairs.columns.tolist()
    # a file saved before the dtypes were fixed (merged as float, a column missing)
    pd.DataFrame(
        {"record_l": [], "record_r": [], "match_probability": [], "merged": []}
    ).to_parquet(tmp_path / "identities" / "pairs.parquet")
    assert {c: str(t) for c, t in load_pairs(tmp_path).dtypes.items()} == PAIR_DTYPES


def test_export_with_no_scored_pairs_lists_every_record_as_its_own_identity(
    store_settings, tmp_path
):
    r = Records()
    for i, (f, s) in enumerate(
        [("Aled", "Pugh"), ("Nia", "Rees"), ("Iolo", "Bevan"), ("Wyn", "Parry")]
    ):
        add(r, f"Q{i}", f, s, f"19{60 + i}-0{i + 1}-1{i}")
    api.load(r.write(tmp_path / "data"), store_settings)
    assert len(load_pairs(store_settings.workspace)) == 0
    rows = api.export_identities(store_settings)
    assert [(row.record_id, row.identity_id, row.decided_by) for row in rows] == [
        (f"Q{i}", f"Q{i}", "") for i in range(4)
    ]
    # and the review, the scan and a decision read the empty pairs too
    assert api.review_identities(store_settings) == []
    assert api.scan(store_settings, AS_OF).perpetrators == ()
    api.decide_identities(store_settings, "Q0", "Q1", "reject", user="analyst1")


def test_export_command_with_no_scored_pairs_in_csv_and_json(tmp_path, embedded_store_only):
    r = Records()
    for i, (f, s) in enumerate(
        [("Aled", "Pugh"), ("Nia", "Rees"), ("Iolo", "Bevan"), ("Wyn", "Parry")]
    ):
        add(r, f"Q{i}", f, s, f"19{60 + i}-0{i + 1}-1{i}")
    ws = ["--workspace", str(tmp_path / "ws")]
    runner = CliRunner()
    assert runner.invoke(app, ["load", str(r.write(tmp_path / "data")), *ws, "-q"]).exit_code == 0
    as_csv = runner.invoke(app, ["identities", "export", "--format", "csv", *ws])
    assert as_csv.exit_code == 0, as_csv.output
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [(row["record_id"], row["identity_id"]) for row in rows] == [
        (f"Q{i}", f"Q{i}") for i in range(4)
    ]
    as_json = runner.invoke(app, ["identities", "export", "--format", "json", *ws])
    assert as_json.exit_code == 0, as_json.output
    assert len(json.loads(as_json.stdout)["records"]) == 4


# --- 2a. the cluster check holds for the whole cluster, names included ---------------------------


def test_a_chain_of_near_surnames_never_hides_a_serial_perpetrator(store_settings, tmp_path):
    """Each surname is one edit from the next, so pair by pair the chain merges; Johns
    and Hones are not one surname, so they are never one identity, and P002, who abused
    both, is found (as he is with --no-resolve)."""
    r = chain_records()
    api.load(r.write(tmp_path / "data"), store_settings)
    identity_of = identities_in(store_settings)
    assert not same(identity_of, "Y002", "Y005")
    rows = {row["unique_id"]: row for row in prepare(records_dataset(r).people).to_dict("records")}
    for members in groups(identity_of).values():
        for x, y in itertools.combinations(members, 2):
            assert names_disagree(rows[x], rows[y]) is None, (x, y)
    (finding,) = api.scan(store_settings, AS_OF).perpetrators
    assert finding.person_id == "P002" and len(finding.victim_ids) == 2
    assert_no_possible_pair_is_inside_an_identity_or_rejected(store_settings)


def test_names_joined_by_a_pnc_id_or_an_analyst_stay_one_persons_names(tmp_path):
    """The whole-cluster name check must not split legitimate identities: a married name
    known only through a PNC id (or an analyst's confirm) is one of the identity's names,
    so a third record under that name joins the whole identity."""
    r = Records()
    crowd(r)
    add(r, "M1", "Rhiannon", "Pugh", "1985-06-07", pnc_id="85/0001111A", gender="F")
    add(r, "M2", "Rhiannon", "Llewelyn", "1985-06-07", pnc_id="85/0001111A", gender="F")
    add(r, "M3", "Rhiannon", "Llewelyn", "1985-06-07", gender="F", home_postcode="CF5 1AA")
    add(r, "A1", "Morwenna", "Cadogan", "1979-02-03", gender="F")
    add(r, "A2", "Morwenna", "Trefor", "1979-02-03", gender="F")
    add(r, "A3", "Morwenna", "Trefor", "1979-02-03", gender="F", home_postcode="CF5 2BB")
    decisions = Decisions.open(tmp_path)
    decisions.add("A1", "A2", "confirm", user="analyst1")
    identity_of = resolve(records_dataset(r), decisions).identity_of
    assert identity_of["M1"] == identity_of["M2"] == identity_of["M3"] == "M1"
    assert identity_of["A1"] == identity_of["A2"] == identity_of["A3"] == "A1"


# --- 2b. an analyst's reject is a cannot-link for the whole identity ------------------------------


def test_a_rejected_pair_is_never_one_identity_through_any_chain(store_settings, tmp_path):
    """Ann Smith, Ann Smith and Ann Smyth, one date of birth: one identity. Rejecting the
    first and the last keeps them apart, however the middle one links them, even when an
    analyst then confirms both links of the chain."""
    r = Records()
    crowd(r)
    add(r, "S1", "Annwen", "Smith", "1980-01-01", gender="F", home_postcode="SA3 3AA")
    add(r, "S2", "Annwen", "Smith", "1980-01-01", gender="F")
    add(r, "S3", "Annwen", "Smyth", "1980-01-01", gender="F", home_postcode="SA3 3AA")
    api.load(r.write(tmp_path / "data"), store_settings)
    identity_of = identities_in(store_settings)
    assert same(identity_of, "S1", "S3") and same(identity_of, "S1", "S2")
    api.decide_identities(store_settings, "S1", "S3", "reject", user="analyst1")
    identity_of = identities_in(store_settings)
    assert not same(identity_of, "S1", "S3")
    assert_no_possible_pair_is_inside_an_identity_or_rejected(store_settings)
    api.decide_identities(store_settings, "S1", "S2", "confirm", user="analyst1")
    api.decide_identities(store_settings, "S2", "S3", "confirm", user="analyst1")
    identity_of = identities_in(store_settings)
    assert not same(identity_of, "S1", "S3")
    assert same(identity_of, "S1", "S2") or same(identity_of, "S2", "S3")
    assert_no_possible_pair_is_inside_an_identity_or_rejected(store_settings)
    # and again on a later load
    api.load(r.write(tmp_path / "data"), store_settings)
    assert not same(identities_in(store_settings), "S1", "S3")


def test_rejecting_the_chains_two_victims_keeps_them_apart(store_settings, tmp_path):
    """The trial's steps: load, then `identities reject Y002 Y005`."""
    r = chain_records()
    api.load(r.write(tmp_path / "data"), store_settings)
    api.decide_identities(store_settings, "Y002", "Y005", "reject", user="analyst1")
    identity_of = identities_in(store_settings)
    assert not same(identity_of, "Y002", "Y005")
    (finding,) = api.scan(store_settings, AS_OF).perpetrators
    assert finding.person_id == "P002"
    assert_no_possible_pair_is_inside_an_identity_or_rejected(store_settings)


# --- 2c / 3. the review queue ------------------------------------------------------------------


def test_review_never_lists_a_pair_inside_one_identity_and_flags_what_a_finding_needs(
    tmp_path, embedded_store_only
):
    r = chain_records()
    settings = Settings(workspace=tmp_path / "ws")
    api.load(r.write(tmp_path / "data"), settings)
    identity_of = identities_in(settings)
    review = api.review_identities(settings, limit=None)
    assert review
    for pair in review:
        a, b = pair.record_a["person_id"], pair.record_b["person_id"]
        assert not same(identity_of, a, b), (a, b)
        assert "J. / J." not in pair.reason and "A. / A." not in pair.reason
    # the pair that would join the finding's two victims comes first, and says so
    assert review[0].stakes == FINDING_DEPENDS
    first = {review[0].record_a["person_id"], review[0].record_b["person_id"]}
    assert {identity_of.get(x, x) for x in first} == {
        identity_of.get("Y002", "Y002"),
        identity_of.get("Y005", "Y005"),
    }
    # masked names that look the same say so, never in full
    reasons = {(p.record_a["person_id"], p.record_b["person_id"]): p.reason for p in review}
    assert reasons[("Y002", "Y009")].startswith("surnames differ (same initial)")
    assert reasons[("Y002", "Y005")].startswith("surnames differ: J. / H.")
    (unmasked,) = [
        p
        for p in api.review_identities(settings.with_flags(purpose="dedup"), None, unmask=True)
        if (p.record_a["person_id"], p.record_b["person_id"]) == ("Y002", "Y009")
    ]
    assert unmasked.reason.startswith("surnames differ: Johns / Janes")


def test_review_at_80_columns_keeps_dates_and_ids_whole(tmp_path, embedded_store_only):
    long_a = "WESTMIDS-NICHE-PERSON-000000000000012345-A"
    r = chain_records()
    add(r, long_a, "Wilhelmina", "Zqxsentinel", pnc_id="80/0001111A")  # names alone:
    add(r, long_a[:-1] + "B", "Wilhelmina", "Zqxsentinel", home_postcode="SA99 9ZZ")  # possible
    ws = ["--workspace", str(tmp_path / "ws")]
    runner = CliRunner()
    assert runner.invoke(app, ["load", str(r.write(tmp_path / "data")), *ws, "-q"]).exit_code == 0
    review = runner.invoke(
        app, ["identities", "review", "--limit", "200", *ws], env={"COLUMNS": "80"}
    )
    assert review.exit_code == 0, review.output
    lines = review.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    # dates in the one format (issue 16 clause 5), never broken across lines
    for whole in ("01 Jan 1980", "80/0001111A", "SA99 9ZZ", long_a, long_a[:-1] + "B"):
        assert whole in review.stdout, whole
    assert "01 Jan\n" not in review.stdout and "1980-01-01" not in review.stdout
    # the reason is below the records, full width: a few lines, not a narrow column
    whys = [i for i, line in enumerate(lines) if line.startswith("why: ")]
    assert whys
    for start in whys:
        rest = lines[start + 1 :]
        length = next((i for i, line in enumerate(rest) if not line.strip()), len(rest))
        assert length <= 2, lines[start : start + 1 + length]


def test_every_identities_command_takes_quiet_and_review_help_is_true(
    tmp_path, embedded_store_only
):
    runner = CliRunner()
    for command in identities_app.registered_commands:
        shown = runner.invoke(app, ["identities", command.name, "--help"])
        assert "--quiet" in shown.stdout, command.name
    helped = runner.invoke(app, ["identities", "review", "--help"], env={"COLUMNS": "200"})
    assert "first those a finding depends on" in " ".join(helped.stdout.split())
    r = chain_records()
    ws = ["--workspace", str(tmp_path / "ws")]
    assert runner.invoke(app, ["load", str(r.write(tmp_path / "data")), *ws, "-q"]).exit_code == 0
    for args in (["review"], ["export"], ["reject", "Y000", "Y009"], ["confirm", "Y000", "Y001"]):
        ran = runner.invoke(app, ["identities", *args, "--quiet", *ws])
        assert ran.exit_code == 0, (args, ran.output)


# --- 4. counts in words ------------------------------------------------------------------------


def test_decisions_say_one_person_not_one_people(tmp_path, embedded_store_only):
    r = Records()
    crowd(r, n=40)
    add(r, "W1", "Wilhelmina", "Zqxsentinel")
    add(r, "W2", "Wilhelmina", "Zqxsentinel")
    ws = ["--workspace", str(tmp_path / "ws")]
    runner = CliRunner()
    assert runner.invoke(app, ["load", str(r.write(tmp_path / "data")), *ws, "-q"]).exit_code == 0
    confirmed = runner.invoke(app, ["identities", "confirm", "W1", "W2", *ws])
    assert confirmed.exit_code == 0, confirmed.output
    text = " ".join(confirmed.stdout.split())
    assert "now 2 records in 1 merged person, 0 pairs to review" in text
    assert "1 people" not in text
    rejected = runner.invoke(app, ["identities", "reject", "W1", "W2", *ws])
    assert "now 0 records in 0 merged people" in " ".join(rejected.stdout.split())
    review = runner.invoke(app, ["identities", "review", *ws])
    assert "1 people" not in review.stdout and "1 pairs" not in review.stdout
