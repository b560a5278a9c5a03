"""Scoring pairs of person records: Splink (probabilistic record linkage, UK Ministry of
Justice) with its DuckDB backend, trained unsupervised on the force's own records.

The model compares forenames (with familiar forms: Bill is William), surnames
(a match with the other record's alias counts: married and maiden names),
date of birth (exact, day and month swapped, one digit off, within a year),
PNC id, gender and home postcode. Blocking keeps the pairs scored to those
sharing a PNC id, a date of birth (or its day-month swap) with an initial, or
a full name within a neighbourhood, so the work grows with the number of
people, not its square.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from perp_graph.synth_duplicates import NICKNAMES

log = logging.getLogger(__name__)
#: Splink's own log lines quote record values; keep them quiet.
for _name in ("splink", "duckdb"):
    logging.getLogger(_name).setLevel(logging.ERROR)

#: Every full name a familiar form may stand for ("sam": samuel and samantha).
_FULL_NAMES: dict[str, set[str]] = {}
for _full, _forms in NICKNAMES.items():
    for _form in (_full, *_forms):
        _FULL_NAMES.setdefault(_form.casefold(), set()).add(_full.casefold())


def forename_forms(forename: str) -> list[str]:
    """The forename and every full name it may be a familiar form of, sorted."""
    return sorted({forename} | _FULL_NAMES.get(forename, set())) if forename else []


@dataclass(frozen=True)
class ScoredPairs:
    """Candidate pairs with Splink's match probability (record_l < record_r)."""

    #: columns: record_l, record_r, match_probability, match_weight
    pairs: pd.DataFrame


def prepare(people: pd.DataFrame) -> pd.DataFrame:
    """The columns the model compares, normalised (case, spaces, familiar forenames)."""
    forename = people["forenames"].fillna("").astype(str).str.strip().str.split().str[0]
    forename = forename.fillna("").str.casefold()
    surname = people["surname"].fillna("").astype(str).str.strip().str.casefold()
    dob = people["date_of_birth"]
    dob_text = dob.dt.strftime("%Y-%m-%d").where(dob.notna(), None)
    swapped = (
        dob.dt.strftime("%Y-")
        + dob.dt.day.astype("Int64").astype(str).str.zfill(2)
        + "-"
        + dob.dt.month.astype("Int64").astype(str).str.zfill(2)
    ).where(dob.notna() & (dob.dt.day <= 12), None)
    aliases = people["aliases"].fillna("").astype(str)
    postcode = people["home_postcode"].fillna("").astype(str).str.upper().str.strip()
    return pd.DataFrame(
        {
            "unique_id": people["person_id"].astype(str).to_numpy(),
            "forename": _blank_as_none(forename),
            "forename_canonical": _blank_as_none(
                forename.map(lambda f: min(_FULL_NAMES.get(f, {f})))
            ),
            "forename_forms": forename.map(forename_forms).to_numpy(),
            "surname": _blank_as_none(surname),
            "alias_surnames": aliases.map(lambda text: sorted(alias_surnames(text))).to_numpy(),
            "date_of_birth": dob_text.astype(object).to_numpy(),
            "dob_swapped": swapped.astype(object).to_numpy(),
            "pnc_id": _blank_as_none(people["pnc_id"].fillna("").astype(str).str.upper()),
            "gender": _blank_as_none(people["gender"].fillna("").astype(str).replace({"U": ""})),
            "postcode": _blank_as_none(postcode),
            "neighbourhood": _blank_as_none(people["home_neighbourhood"].fillna("").astype(str)),
        }
    )


def alias_surnames(aliases: str) -> set[str]:
    """The surnames in an aliases cell ("Jane Smith; J Brown" -> {"smith", "brown"})."""
    return {part.split()[-1].casefold() for part in aliases.split(";") if part.split()}


def _blank_as_none(values: pd.Series) -> list:
    return [v if v else None for v in values.astype(object).to_numpy()]


def settings() -> object:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    forename = _name_comparison(
        "forename",
        cll.CustomLevel(
            "list_has_any(forename_forms_l, forename_forms_r)",
            label_for_charts="Same forename, familiar form",
        ),
    )
    surname = _name_comparison(
        "surname",
        cll.CustomLevel(
            "list_contains(alias_surnames_l, surname_r) "
            "OR list_contains(alias_surnames_r, surname_l)",
            label_for_charts="Surname is the other's alias",
        ),
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
            cll.LevenshteinLevel("date_of_birth", 1),
            cll.CustomLevel(
                "substr(date_of_birth_l, 1, 4) = substr(date_of_birth_r, 1, 4)",
                label_for_charts="Same year",
            ),
            cll.ElseLevel(),
        ],
    )
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            forename,
            surname,
            date_of_birth,
            cl.ExactMatch("pnc_id"),
            cl.ExactMatch("gender"),
            cl.ExactMatch("postcode"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("pnc_id"),
            block_on("date_of_birth", "substr(surname, 1, 1)"),
            block_on("date_of_birth", "substr(forename_canonical, 1, 1)"),
            "l.date_of_birth = r.dob_swapped AND substr(l.surname, 1, 1) = substr(r.surname, 1, 1)",
            "l.date_of_birth = r.dob_swapped "
            "AND substr(l.forename_canonical, 1, 1) = substr(r.forename_canonical, 1, 1)",
            block_on("forename_canonical", "surname"),
            block_on("postcode", "substr(surname, 1, 1)"),
            block_on("postcode", "substr(forename_canonical, 1, 1)"),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


def _name_comparison(column: str, related_level: object) -> object:
    """Exact (weighted by how common the name is), then `related_level` (a familiar form,
    an alias), then near spellings, then anything else."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    return cl.CustomComparison(
        output_column_name=column,
        comparison_levels=[
            cll.NullLevel(column),
            cll.ExactMatchLevel(column, term_frequency_adjustments=True),
            related_level,
            cll.JaroWinklerLevel(column, 0.92),
            cll.DamerauLevenshteinLevel(column, 1),
            cll.JaroWinklerLevel(column, 0.85),
            cll.ElseLevel(),
        ],
    )


def score(people: pd.DataFrame, seed: int = 7) -> ScoredPairs:
    """Train the model on these records (unsupervised) and score the candidate pairs."""
    from splink import DuckDBAPI, Linker, block_on

    table = prepare(people)
    if len(table) < 2:
        return ScoredPairs(_empty_pairs())
    db = DuckDBAPI()
    frame = db.register(table, table_name="people")
    linker = Linker(frame, settings(), log_level=logging.ERROR)
    deterministic = [
        block_on("pnc_id"),
        block_on("forename_canonical", "surname", "date_of_birth"),
    ]
    # Each training step needs pairs to learn from; a small force (or a test) may have
    # none for a step, and Splink's defaults then stand for what could not be learnt.
    _train(
        lambda: linker.training.estimate_probability_two_random_records_match(
            deterministic, recall=0.8
        )
    )
    _train(
        lambda: linker.training.estimate_u_using_random_sampling(
            max_pairs=min(2_000_000, max(100_000, len(table) * 20)), seed=seed
        )
    )
    settings_obj = linker._settings_obj  # Splink keeps the prior here; no public setter
    prior = settings_obj._probability_two_random_records_match
    if not 0 < prior < 1:
        # Nothing to estimate it from: assume about one record in twenty is a duplicate.
        settings_obj._probability_two_random_records_match = min(0.5, 0.1 / len(table))
    for rule in (block_on("date_of_birth"), block_on("forename_canonical", "surname")):
        _train(
            lambda rule=rule: linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True
            )
        )
    predictions = linker.inference.predict(
        threshold_match_probability=0.05, warning_mode="never"
    ).as_pandas_dataframe()
    pairs = pd.DataFrame(
        {
            "record_l": predictions["unique_id_l"].astype(str),
            "record_r": predictions["unique_id_r"].astype(str),
            "match_probability": predictions["match_probability"].astype(float),
            "match_weight": predictions["match_weight"].astype(float),
        }
    )
    swap = pairs["record_l"] > pairs["record_r"]
    pairs.loc[swap, ["record_l", "record_r"]] = pairs.loc[swap, ["record_r", "record_l"]].values
    return ScoredPairs(pairs.reset_index(drop=True))


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


def surnames_agree(a: str, b: str, aliases_a: Sequence[str], aliases_b: Sequence[str]) -> bool:
    """The same surname, one the other's alias (a married or maiden name), or a near
    spelling (one edit, or letters mostly in common)."""
    a, b = (a or "").strip().casefold(), (b or "").strip().casefold()
    if not a or not b:
        return False
    if a == b or a in aliases_b or b in aliases_a:
        return True
    if len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) <= 1:
        return True
    return difflib.SequenceMatcher(None, a, b).ratio() >= 0.8
