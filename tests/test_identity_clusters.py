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
import json

import pandas as pd
from typer.testing import CliRunner

from perp_graph import api
from perp_graph.cli import app
from perp_graph.identity.resolve import (
    PAIR_DTYPES,
    Decisions,
    load_pairs,
    resolve,
    save_pairs,
)
from perp_graph.settings import Settings
from tests.records import Records, records_dataset
from tests.test_identity_rules import add

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
