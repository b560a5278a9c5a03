"""Identity resolution on skewed data: time, peak memory, candidate pairs, accuracy.

Usage:  python benchmarks/bench_identity_skew.py [--people 300000 1000000] [--rate 0.1]

Real exports are skewed: a few common names, hostels and police stations recorded as
home. This builds people.csv from 71 forenames and 107 surnames, every one of them at
one postcode, dates of birth spread over 1940-2005, with `rate` of the people recorded a
second time with noise (a typo in a name, day and month swapped, forename and surname
swapped, a blank date of birth); seeded. Each size is resolved in a fresh Python process
(peak memory, ru_maxrss, is the resolver's own) with perp_graph.identity.resolve.resolve,
the DuckDB spill in the run's folder. Printed: seconds, peak MB, the blocking plan's
candidate pairs (counted before scoring), pairwise precision and recall against the
planted duplicates.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

FORENAMES = (
    "Jack Harry Oliver Charlie George Thomas James William Noah Leo Oscar Jacob Alfie Henry "
    "Archie Joshua Freddie Theo Arthur Max Ethan Lucas Isaac Mohammed Adam Logan Daniel "
    "Samuel Dylan Owen Amelia Olivia Isla Ava Emily Sophia Grace Mia Poppy Ella Lily Evie "
    "Isabella Sophie Ivy Freya Harper Willow Charlotte Jessica Rosie Daisy Alice Florence "
    "Sienna Phoebe Evelyn Matilda Chloe Ruby Millie Lucy Elsie Ellie Hannah Seren Ieuan "
    "Rhys Cerys Megan Ffion"
).split()
SURNAMES = (
    "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson "
    "Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel "
    "Jackson Wood Turner Martin Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison "
    "Morgan Allen James Scott Phillips Watson Davis Parker Price Bennett Young Griffiths "
    "Mitchell Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox "
    "Richards Khan Marshall Anderson Simpson Ellis Adams Singh Begum Wilkinson Foster "
    "Chapman Powell Webb Rogers Gray Mason Ali Hunt Hussain Campbell Matthews Owen Palmer "
    "Holmes Mills Barnes Knight Lloyd Butler Russell Barker Fisher Stevens Jenkins Murray "
    "Dixon Harvey Graham Pearson Ahmed Fletcher Walsh Kaur Gibson"
).split()
POSTCODE = "AB1 2CD"


def skewed_people(n: int, rate: float, seed: int = 5) -> tuple[pd.DataFrame, list]:
    """n original people and round(n * rate) noisy second records; the true pairs."""
    rng = np.random.default_rng(seed)
    first = rng.choice(FORENAMES, n)
    last = rng.choice(SURNAMES, n)
    days = rng.integers(0, (pd.Timestamp("2005-12-31") - pd.Timestamp("1940-01-01")).days, n)
    born = (pd.Timestamp("1940-01-01") + pd.to_timedelta(days, unit="D")).strftime("%Y-%m-%d")
    ids = [f"S{i:07d}" for i in range(n)]
    people = pd.DataFrame(
        {
            "person_id": ids,
            "surname": last,
            "forenames": first,
            "date_of_birth": np.asarray(born, dtype=object),
            "home_postcode": POSTCODE,
        }
    )
    chosen = rng.choice(n, round(n * rate), replace=False)
    copies = people.iloc[chosen].copy()
    copies["person_id"] = [f"S{n + i:07d}" for i in range(len(copies))]
    kind = rng.integers(0, 5, len(copies))
    fore = copies["forenames"].to_numpy(dtype=object).copy()
    sur = copies["surname"].to_numpy(dtype=object).copy()
    dob = copies["date_of_birth"].to_numpy(dtype=object).copy()
    for i, k in enumerate(kind):
        if k == 0 and len(sur[i]) > 3:  # two letters transposed
            j = int(rng.integers(1, len(sur[i]) - 2))
            sur[i] = sur[i][:j] + sur[i][j + 1] + sur[i][j] + sur[i][j + 2 :]
        elif k == 1:  # day and month swapped
            y, m, d = dob[i].split("-")
            dob[i] = f"{y}-{d}-{m}" if int(d) <= 12 else dob[i]
        elif k == 2:  # names in each other's columns
            fore[i], sur[i] = sur[i], fore[i]
        elif k == 3:  # date of birth not recorded
            dob[i] = ""
    copies["forenames"], copies["surname"], copies["date_of_birth"] = fore, sur, dob
    pairs = [
        (a, b) for a, b in zip(people["person_id"].iloc[chosen], copies["person_id"], strict=True)
    ]
    return pd.concat([people, copies], ignore_index=True), pairs


def phase_resolve(folder: Path) -> dict:
    from perp_graph.dataset import Dataset
    from perp_graph.identity.clean import prepare
    from perp_graph.identity.match import blocking_keys
    from perp_graph.identity.resolve import resolve

    raw = pd.read_csv(folder / "people.csv", dtype=str, keep_default_na=False)
    empty = Dataset.empty()
    people = empty.people.iloc[0:0].reindex(range(len(raw)))
    for column in raw.columns:
        people[column] = raw[column].replace("", None).to_numpy()
    people["date_of_birth"] = pd.to_datetime(people["date_of_birth"])
    dataset = Dataset(
        people=people,
        incidents=empty.incidents,
        involvements=empty.involvements,
        relationships=empty.relationships,
        orders=empty.orders,
    )
    started = time.perf_counter()
    identities = resolve(dataset, temp_directory=folder / "spill")
    seconds = time.perf_counter() - started
    _keyed, plan = blocking_keys(prepare(people))
    truth = {tuple(sorted(p)) for p in json.loads((folder / "truth.json").read_text())}
    merged = {
        (a, b)
        for a, b in zip(identities.pairs["record_l"], identities.pairs["record_r"], strict=True)
        if identities.of(a) == identities.of(b)
    }
    hit = len(merged & truth)
    return {
        "records": len(people),
        "seconds": seconds,
        "candidate_pairs": plan.total_pairs,
        "dropped_keys": plan.dropped,
        "refined_keys": plan.refined,
        "pairs_kept": len(identities.pairs),
        "precision": hit / max(1, len(merged)),
        "recall": hit / max(1, len(truth)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, nargs="+", default=[300_000, 1_000_000])
    parser.add_argument("--rate", type=float, default=0.1)
    parser.add_argument("--out", default="benchmarks/out/skew")
    parser.add_argument("--phase")
    parser.add_argument("--folder")
    args = parser.parse_args()
    if args.phase == "resolve":
        out = phase_resolve(Path(args.folder))
        out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(out))
        return
    for n in args.people:
        folder = Path(args.out) / str(n)
        folder.mkdir(parents=True, exist_ok=True)
        originals = round(n / (1 + args.rate))
        people, pairs = skewed_people(originals, args.rate)
        people.to_csv(folder / "people.csv", index=False)
        (folder / "truth.json").write_text(json.dumps(pairs))
        command = [sys.executable, __file__, "--phase", "resolve", "--folder", str(folder)]
        done = subprocess.run(command, check=True, capture_output=True, text=True)
        r = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"{r['records']:>9,} people, skewed (71 forenames x 107 surnames, one postcode): "
            f"resolve {r['seconds']:.1f} s, peak {r['peak_mb']:,.0f} MB; "
            f"{r['candidate_pairs']:,} candidate pairs at most (keys dropped "
            f"{r['dropped_keys']}, refined {r['refined_keys']}); "
            f"precision {r['precision']:.4f} recall {r['recall']:.4f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
