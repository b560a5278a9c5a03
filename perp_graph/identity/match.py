"""Scoring pairs of person records: Splink (probabilistic record linkage, UK Ministry of
Justice) with its DuckDB backend, trained unsupervised on the force's own records.

Input is the cleaned table of identity/clean.py. The model compares
- forenames: exact (weighted by how common the name is), forename and surname swapped
  between the columns, a familiar form (Bill is William), an initial, one edit (a
  transposition is one edit: Damerau-Levenshtein), Jaro-Winkler 0.9 and 0.8;
- surnames: the same levels, plus a shared part of a double-barrelled name or the
  other's alias (married and maiden names) in place of the familiar form and initial;
- date of birth: exact, day and month swapped, one character slip in the same decade,
  within 5 years;
- PNC id (canonical), sex (M/F), postcode (exact, weighted by how common; same outward
  code).

Blocking (which pairs are scored at all) is on keys computed here, each bounded: a key
value shared by more than `max_block` records is refined (the name key by year of
birth) or dropped, so no common value (a hostel's postcode, a common name, a default
date of birth) makes the candidate pairs quadratic. The number of candidate pairs is
counted before Splink runs (`BlockingPlan`), as Splink's docs advise.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

# Kept importable from here (older callers); the rule lives in identity/rules.py.
from perp_graph.identity.clean import alias_surnames, forename_forms  # noqa: F401
from perp_graph.identity.rules import surnames_agree  # noqa: F401

log = logging.getLogger(__name__)
#: Splink's own log lines quote record values; keep them quiet.
for _name in ("splink", "duckdb"):
    logging.getLogger(_name).setLevel(logging.ERROR)

#: A blocking key value shared by more records than this is refined or dropped.
MAX_BLOCK = 40
#: DuckDB's memory limit while scoring (it spills to its temp directory beyond it).
DUCKDB_MEMORY_LIMIT = "1500MB"
#: The most DuckDB may spill to disk (beyond it the query fails rather than fill the disk).
DUCKDB_MAX_SPILL = "20GB"

#: Blocking keys: name -> the columns (of identity.clean.prepare) joined into the key.
#: "dob_key" is the date of birth with day and month in sorted order (a day-month swap
#: gives the same key); "initials" the two names' initials in sorted order (a swap of
#: the name columns gives the same key); "name_key" the two names in sorted order.
BLOCKING_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...] | None]] = {
    "k_pnc": (("pnc_id",), None),
    "k_dob_initials": (("dob_key", "initials"), None),
    "k_dob_surname": (("dob_key", "surname"), None),
    "k_dob_forename": (("dob_key", "forename_canonical"), None),
    "k_dob_forename_initial": (("dob_key", "forename_initial"), None),
    "k_dob_postcode": (("dob_key", "postcode"), None),
    "k_name": (("name_key",), ("name_key", "birth_year")),
    "k_postcode_initials": (("postcode", "initials"), ("postcode", "initials", "birth_year")),
}


@dataclass(frozen=True)
class ScoredPairs:
    """Candidate pairs with Splink's match probability (record_l < record_r)."""

    #: columns: record_l, record_r, match_probability, match_weight
    pairs: pd.DataFrame
    #: the blocking plan the pairs came from (None when there was nothing to score)
    plan: BlockingPlan | None = None


@dataclass(frozen=True)
class BlockingPlan:
    """How many candidate pairs each blocking key makes, counted before scoring.

    `pairs_by_key`: key -> sum over its values of n(n-1)/2 (n: records sharing the
    value); `refined` / `dropped`: key -> how many distinct values were over `max_block`
    and were refined by the fallback key, or dropped. The total is an upper bound (a
    pair may share several keys; Splink scores it once)."""

    records: int
    max_block: int
    pairs_by_key: dict[str, int]
    refined: dict[str, int]
    dropped: dict[str, int]

    @property
    def total_pairs(self) -> int:
        """The sum of pairs_by_key: an upper bound on the pairs Splink will score."""
        return sum(self.pairs_by_key.values())


def blocking_keys(
    table: pd.DataFrame, max_block: int = MAX_BLOCK
) -> tuple[pd.DataFrame, BlockingPlan]:
    """Add the BLOCKING_KEYS columns (integer codes, <NA> when unknown) to a cleaned table
    (identity.clean.prepare) and count the pairs they make. A key value held by more than
    `max_block` records is replaced by its fallback key (when the key has one and that
    value is within the bound) or dropped (<NA>): each key then makes at most
    records * max_block / 2 pairs.

    Counted here rather than with Splink's count_comparisons_from_blocking_rules because
    the bound is applied while the keys are built, before Splink sees the data; keys are
    integer codes (not joined text) so that building and joining on them stays cheap at a
    million records."""
    parts = _key_parts(table)
    out = table.copy()
    pairs, refined, dropped = {}, {}, {}
    for name, (columns, fallback) in BLOCKING_KEYS.items():
        key = _combine(parts, columns)
        over = _sizes(key) > max_block
        refined[name] = dropped[name] = 0
        if over.any():
            over_values = len(np.unique(key[over]))
            if fallback is not None:
                finer = np.where(over, _combine(parts, fallback), -1)
                finer = np.where(_sizes(finer) <= max_block, finer, -1)
                # Finer codes live in their own range, above every code of the key itself.
                key = np.where(over, np.where(finer >= 0, finer + key.max() + 1, -1), key)
                refined[name] = over_values
            else:
                key = np.where(over, -1, key)
                dropped[name] = over_values
        counts = np.bincount(key[key >= 0]).astype(np.int64)
        pairs[name] = int((counts * (counts - 1) // 2).sum())
        out[name] = pd.arrays.IntegerArray(np.where(key >= 0, key, 0), key < 0)
    plan = BlockingPlan(len(table), max_block, pairs, refined, dropped)
    log.info(
        "identity blocking: %d records, at most %d candidate pairs (%s)",
        plan.records,
        plan.total_pairs,
        ", ".join(f"{k} {v}" for k, v in pairs.items()),
    )
    return out, plan


def _codes(
    values: pd.Series | np.ndarray, transform: Callable[[object], object] | None = None
) -> np.ndarray:
    """Integer codes of a column's values (-1 when None or blank), optionally of
    transform(value) computed once per distinct value."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    if transform is None:
        return codes.astype(np.int64)
    mapped = [transform(u) for u in uniques]
    recoded, _ = pd.factorize(np.asarray(mapped, dtype=object), use_na_sentinel=True)
    out = np.where(codes >= 0, recoded[np.maximum(codes, 0)] if len(recoded) else -1, -1)
    return out.astype(np.int64)


def _dob_key(text: str) -> str | None:
    """YYYY-MM-DD -> YYYY with month and day in sorted order (a day-month swap: same key)."""
    if not isinstance(text, str) or len(text) < 10:
        return None
    month, day = text[5:7], text[8:10]
    return text[:4] + min(month, day) + max(month, day)


def _key_parts(table: pd.DataFrame) -> dict[str, np.ndarray]:
    dob = table["date_of_birth"]
    # Initials and names as sorted pairs, in one code space: a swap gives the same key.
    letters = pd.factorize(
        np.concatenate(
            [
                table["forename"].map(lambda f: f[:1] if f else None).to_numpy(dtype=object),
                table["surname"].map(lambda f: f[:1] if f else None).to_numpy(dtype=object),
            ]
        ),
        use_na_sentinel=True,
    )[0]
    n = len(table)
    fi, si = letters[:n], letters[n:]
    names = pd.factorize(
        np.concatenate(
            [
                table["forename_canonical"].to_numpy(dtype=object),
                table["surname"].to_numpy(dtype=object),
            ]
        ),
        use_na_sentinel=True,
    )[0]
    fc, sc = names[:n], names[n:]
    return {
        "pnc_id": _codes(table["pnc_id"]),
        "dob_key": _codes(dob, _dob_key),
        "initials": _pair(np.minimum(fi, si), np.maximum(fi, si)),
        "surname": _codes(table["surname"]),
        "forename_canonical": _codes(table["forename_canonical"]),
        "forename_initial": _codes(table["forename_initial"]),
        "postcode": _codes(table["postcode"]),
        "name_key": _pair(np.minimum(fc, sc), np.maximum(fc, sc)),
        "birth_year": _codes(dob, lambda d: d[:4] if isinstance(d, str) else None),
    }


def _pair(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """One code per (a, b), -1 when either is -1."""
    known = (a >= 0) & (b >= 0)
    combined = np.where(known, a.astype(np.int64) * (int(b.max(initial=0)) + 1) + b, -1)
    codes = pd.factorize(combined)[0]
    return np.where(known, codes, -1).astype(np.int64)


def _combine(parts: dict[str, np.ndarray], columns: tuple[str, ...]) -> np.ndarray:
    key = parts[columns[0]]
    for column in columns[1:]:
        key = _pair(key, parts[column])
    return key


def _sizes(key: np.ndarray) -> np.ndarray:
    """For each record, how many records share its key value (0 when it has none)."""
    known = key >= 0
    if not known.any():
        return np.zeros(len(key), dtype=np.int64)
    counts = np.bincount(key[known])
    return np.where(known, counts[np.maximum(key, 0)], 0)


def settings(blocking: list[str] | None = None) -> object:
    """Splink settings (a splink.SettingsCreator) for a dedupe of the cleaned table: the
    comparisons in the module's docstring (levels after the MoJ's hmpps-person-match
    model: forename and surname swapped as a level of its own, a date of birth slip in
    the same decade, postcode graded by how common; shared/guide/identity.md), and
    predictions blocked on `blocking` (key column names of blocking_keys; default every
    BLOCKING_KEYS key). Imports Splink when called."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    crossed = cll.CustomLevel(
        "forename_l <> forename_r AND jaro_winkler_similarity(forename_l, surname_r) >= 0.9 "
        "AND jaro_winkler_similarity(surname_l, forename_r) >= 0.9",
        label_for_charts="Forename and surname swapped",
    )
    forename = _name_comparison(
        "forename",
        [
            crossed,
            cll.CustomLevel(
                "list_has_any(forename_forms_l, forename_forms_r)",
                label_for_charts="Familiar form",
            ),
            cll.CustomLevel(
                "(length(forename_l) = 1 OR length(forename_r) = 1) "
                "AND substr(forename_l, 1, 1) = substr(forename_r, 1, 1)",
                label_for_charts="Initial",
            ),
        ],
    )
    surname = _name_comparison(
        "surname",
        [
            crossed,
            cll.CustomLevel(
                "list_has_any(surname_tokens_l, surname_tokens_r) "
                "OR list_contains(alias_surnames_l, surname_r) "
                "OR list_contains(alias_surnames_r, surname_l)",
                label_for_charts="Shared part or alias",
            ),
        ],
    )
    date_of_birth = cl.CustomComparison(
        output_column_name="date_of_birth",
        comparison_levels=[
            cll.NullLevel("date_of_birth"),
            cll.ExactMatchLevel("date_of_birth"),
            cll.CustomLevel(
                "date_of_birth_l = dob_swapped_r OR dob_swapped_l = date_of_birth_r",
                label_for_charts="Day and month swapped",
            ),
            cll.CustomLevel(
                "substr(date_of_birth_l, 1, 3) = substr(date_of_birth_r, 1, 3) "
                "AND damerau_levenshtein(date_of_birth_l, date_of_birth_r) <= 1",
                label_for_charts="One character slip, same decade",
            ),
            cll.CustomLevel(
                "abs(date_diff('day', CAST(date_of_birth_l AS DATE), "
                "CAST(date_of_birth_r AS DATE))) <= 1826",
                label_for_charts="Within 5 years",
            ),
            cll.ElseLevel(),
        ],
    )
    postcode = cl.CustomComparison(
        output_column_name="postcode",
        comparison_levels=[
            cll.NullLevel("postcode"),
            cll.ExactMatchLevel("postcode", term_frequency_adjustments=True),
            cll.CustomLevel(
                "split_part(postcode_l, ' ', 1) = split_part(postcode_r, ' ', 1)",
                label_for_charts="Same outward code",
            ),
            cll.ElseLevel(),
        ],
    )
    keys = blocking if blocking is not None else list(BLOCKING_KEYS)
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            forename,
            surname,
            date_of_birth,
            cl.ExactMatch("pnc_id"),
            cl.ExactMatch("gender"),
            postcode,
        ],
        blocking_rules_to_generate_predictions=[block_on(k) for k in keys],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


def _name_comparison(column: str, related_levels: list[object]) -> object:
    """Exact (weighted by how common the name is), then `related_levels`, then near
    spellings (one edit with a transposition as one, Jaro-Winkler), then anything else."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    return cl.CustomComparison(
        output_column_name=column,
        comparison_levels=[
            cll.NullLevel(column),
            cll.ExactMatchLevel(column, term_frequency_adjustments=True),
            *related_levels,
            cll.DamerauLevenshteinLevel(column, 1),
            cll.JaroWinklerLevel(column, 0.9),
            cll.JaroWinklerLevel(column, 0.8),
            cll.ElseLevel(),
        ],
    )


def score(
    table: pd.DataFrame,
    *,
    seed: int = 7,
    temp_directory: Path | None = None,
    max_block: int = MAX_BLOCK,
) -> ScoredPairs:
    """Train the model on these records (unsupervised) and score the candidate pairs.

    `table`: identity.clean.prepare() of the people. `temp_directory`: the folder in which
    DuckDB may spill beyond DUCKDB_MEMORY_LIMIT (a private folder is made in it and
    removed afterwards; the system's temporary folder when None).
    Returns pairs with match probability >= 0.05, record_l < record_r (with the blocking
    plan). A training step that has no pairs to learn from is skipped (logged, Splink's
    default stands); other Splink and DuckDB errors pass through, among them DuckDB's
    when a spill would exceed DUCKDB_MAX_SPILL. Writes only DuckDB's spill files, in the
    private folder. Levels and bounded blocking: issue 14 clauses 3 and 6, Splink's docs
    (count comparisons before predicting), the MoJ's hmpps-person-match model."""
    if len(table) < 2:
        return ScoredPairs(_empty_pairs())
    keyed, plan = blocking_keys(table, max_block)
    if temp_directory is not None:
        Path(temp_directory).mkdir(parents=True, exist_ok=True)
    # A private folder (inside temp_directory when given), removed with what spilled into it.
    with tempfile.TemporaryDirectory(prefix="duckdb-", dir=temp_directory) as spill:
        return _score(keyed, plan, seed, Path(spill))


def _score(keyed: pd.DataFrame, plan: BlockingPlan, seed: int, spill: Path) -> ScoredPairs:
    import duckdb
    from splink import DuckDBAPI, Linker, block_on

    connection = duckdb.connect(
        config={
            "temp_directory": str(spill),
            "memory_limit": DUCKDB_MEMORY_LIMIT,
            "max_temp_directory_size": DUCKDB_MAX_SPILL,
            "preserve_insertion_order": False,
        }
    )
    try:
        db = DuckDBAPI(connection)
        used = [k for k, n in plan.pairs_by_key.items() if n > 0]
        frame = db.register(keyed, table_name="people")
        linker = Linker(frame, settings(used or ["k_pnc"]), log_level=logging.ERROR)
        n = len(keyed)
        deterministic = [block_on("pnc_id"), block_on("forename", "surname", "date_of_birth")]
        # Each training step needs pairs to learn from; a small force (or a test) may have
        # none for a step, and Splink's defaults then stand for what could not be learnt.
        _train(
            lambda: linker.training.estimate_probability_two_random_records_match(
                deterministic, recall=0.8
            )
        )
        _train(
            lambda: linker.training.estimate_u_using_random_sampling(
                max_pairs=min(1_000_000, max(100_000, n * 20)), seed=seed, num_chunks=1
            )
        )
        settings_obj = linker._settings_obj  # Splink keeps the prior here; no public setter
        prior = settings_obj._probability_two_random_records_match
        if not 0 < prior < 1:
            # Nothing to estimate it from: assume about one record in ten is a duplicate.
            settings_obj._probability_two_random_records_match = min(0.5, 0.1 / n)
        # Names fixed: learn dates of birth, postcode, sex; then dates of birth and
        # postcode fixed: learn names. Each on a sample of at most 2M pairs.
        for rule in (
            block_on("forename", "surname"),
            block_on("date_of_birth", "postcode"),
            block_on("date_of_birth"),
        ):
            em = linker.training.estimate_parameters_using_expectation_maximisation
            _train(
                lambda rule=rule, em=em: em(
                    rule, estimate_without_term_frequencies=True, max_pairs=2_000_000
                )
            )
        predictions = linker.inference.predict(
            threshold_match_probability=0.05, warning_mode="never"
        ).as_pandas_dataframe()
    finally:
        connection.close()
    left = predictions["unique_id_l"].astype(str).to_numpy()
    right = predictions["unique_id_r"].astype(str).to_numpy()
    swap = left > right
    pairs = pd.DataFrame(
        {
            "record_l": np.where(swap, right, left),
            "record_r": np.where(swap, left, right),
            "match_probability": predictions["match_probability"].astype(float).to_numpy(),
            "match_weight": predictions["match_weight"].astype(float).to_numpy(),
        }
    )
    return ScoredPairs(pairs, plan)


def _train(step: Callable[[], object]) -> None:
    from splink.internals.exceptions import SplinkException

    try:
        step()
    except (SplinkException, ValueError, ZeroDivisionError) as exc:
        log.info("identity model: a training step was skipped (%s)", type(exc).__name__)


def _empty_pairs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "record_l": pd.Series(dtype=str),
            "record_r": pd.Series(dtype=str),
            "match_probability": pd.Series(dtype=float),
            "match_weight": pd.Series(dtype=float),
        }
    )
