"""Person records cleaned for matching: the values the model and the rules compare.

Cleaning (ideas from the Ministry of Justice's person matching, shared/guide/identity.md,
taken further where the data here allows):
- names case-folded, accents dropped, apostrophes removed, hyphens, dots and commas read
  as spaces; a blank name is unknown (None), never agreement;
- every surname token kept (a double-barrelled or hyphenated surname is compared token by
  token and as one word, not cut to its last token);
- forenames: the first forename, its familiar forms (Bill is William) and its initial;
- placeholder dates of birth (contract 1.6) and no-fixed-abode or non-UK postcodes are
  unknown; PNC ids are compared in canonical form, an invalid one is no identifier
  (contract 1.7);
- gender only as M or F (X and U say nothing for matching).

Sources: shared/guide/identity.md (the MoJ's hmpps-person-match cleaning), issue 14
clauses 3 and 4, the data contract (1.6 placeholders, 1.7 PNC ids). Familiar forms of
forenames come from perp_graph/names.py, a table the generator reads too; nothing here
imports the generator.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

import numpy as np
import pandas as pd

from perp_graph.frames import per_distinct
from perp_graph.names import FAMILIAR_FORMS
from perp_graph.placeholders import (
    DEFAULT_NO_FIXED_ABODE_POSTCODES,
    DEFAULT_PLACEHOLDER_DATES_OF_BIRTH,
    matching_postcode,
    placeholder_date_mask,
)
from perp_graph.pnc import canonical_pnc_ids

#: Every full name a familiar form may stand for ("sam": samuel and samantha).
_FULL_NAMES: dict[str, set[str]] = {}
for _full, _forms in FAMILIAR_FORMS.items():
    for _form in (_full, *_forms):
        _FULL_NAMES.setdefault(_form.casefold().replace("-", " "), set()).add(_full.casefold())

#: Titles some systems write into the name fields.
_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr"})


def forename_forms(forename: str | None) -> list[str]:
    """The forename (cleaned: clean_name) and every full name it may be a familiar form of
    (perp_graph/names.py, read both ways: "sam" -> ["sam", "samantha", "samuel"]),
    sorted; [] for None or ""."""
    return sorted({forename} | _FULL_NAMES.get(forename, set())) if forename else []


def alias_surnames(aliases: str) -> set[str]:
    """The surnames in an aliases cell ("Jane Smith; J Brown" -> {"smith", "brown"}), each
    cleaned as a surname is (spaces removed: "Smith-Jones" -> "smithjones")."""
    out = set()
    for part in (aliases or "").split(";"):
        tokens = clean_name(part).split()
        if tokens:
            out.add(tokens[-1])
    return out


def clean_name(text: object) -> str:
    """One name cell as compared: case-folded, accents dropped, apostrophes removed,
    hyphens, dots and commas as spaces, titles dropped ("" when blank)."""
    if not isinstance(text, str):
        return ""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = text.replace("'", "").replace("\u2019", "")
    for ch in "-.,_/":
        text = text.replace(ch, " ")
    return " ".join(t for t in text.split() if t not in _TITLES)


def _clean_names(values: pd.Series) -> pd.Series:
    """clean_name over a column, each distinct value once (exports repeat names a lot)."""
    text = values.astype(object).where(values.notna(), None)
    uniques = pd.unique(text.to_numpy())
    cleaned = {u: clean_name(u) for u in uniques}
    return pd.Series([cleaned[t] for t in text.to_numpy()], index=values.index, dtype=object)


def prepare(
    people: pd.DataFrame,
    *,
    placeholder_dates_of_birth: Iterable[str] = DEFAULT_PLACEHOLDER_DATES_OF_BIRTH,
    no_fixed_abode_postcodes: Iterable[str] = DEFAULT_NO_FIXED_ABODE_POSTCODES,
) -> pd.DataFrame:
    """The person records as the model compares them, one row per record in input order.

    `people`: the store's people table (person_id, surname, forenames, date_of_birth as
    datetime64, gender, pnc_id, aliases, home_postcode; blank names as "" or None).
    Returns columns unique_id, forename, forename_canonical, forename_forms (list),
    forename_initial, forenames_all (text), surname (text without spaces), surname_records
    (how many records of `people` hold that surname; 0 when blank), surname_tokens
    (list), alias_surnames (list), date_of_birth (YYYY-MM-DD or None), dob_swapped (day and
    month swapped, or None), pnc_id (canonical or None), gender (M, F or None) and
    postcode (canonical or None). Values that are unknown are None."""
    forenames = _clean_names(people["forenames"])
    first = forenames.map(lambda t: t.split()[0] if t else "")
    surname_text = _clean_names(people["surname"])
    dob = pd.to_datetime(people["date_of_birth"])
    dob = dob.where(~placeholder_date_mask(dob, placeholder_dates_of_birth))
    known = dob.notna()
    dob_text = dob.dt.strftime("%Y-%m-%d").where(known, None)
    swapped = (
        dob.dt.strftime("%Y-")
        + dob.dt.day.astype("Int64").astype(str).str.zfill(2)
        + "-"
        + dob.dt.month.astype("Int64").astype(str).str.zfill(2)
    ).where(known & (dob.dt.day <= 12), None)
    aliases = people["aliases"].astype(object).where(people["aliases"].notna(), "")
    gender = people["gender"].astype(object).where(people["gender"].notna(), "").astype(str)
    gender = gender.str.strip().str.upper()
    surname = _none_if_blank(surname_text.str.replace(" ", "", regex=False))
    # How many records hold each surname (a slip makes a rare spelling: rules.py).
    surname_records = pd.Series(surname).map(pd.Series(surname).value_counts()).fillna(0)
    surname_records = surname_records.astype("int64").to_numpy()
    canonical_forename = {f: (min(_FULL_NAMES.get(f, {f})) if f else "") for f in first.unique()}
    # Familiar forms of the first forename, and of the whole (Lee-Anne is Leanne).
    forms = {f: forename_forms(f or None) for f in first.unique()}
    whole_forms = {
        w: forename_forms(w or None) for w in forenames.unique() if w and w in _FULL_NAMES
    }
    return pd.DataFrame(
        {
            "unique_id": people["person_id"].astype(str).to_numpy(),
            "forename": _none_if_blank(first),
            "forename_canonical": _none_if_blank(first.map(canonical_forename)),
            "forename_forms": [
                sorted(set(forms[f]) | set(whole_forms.get(w, ())))
                for f, w in zip(first.to_numpy(), forenames.to_numpy(), strict=True)
            ],
            "forename_initial": _none_if_blank(first.str[:1]),
            "forenames_all": _none_if_blank(forenames),
            "surname": surname,
            "surname_records": surname_records,
            "surname_tokens": per_distinct(
                surname_text, lambda t: sorted({p for p in t.split() if len(p) > 1})
            ),
            "alias_surnames": per_distinct(aliases, lambda t: sorted(alias_surnames(t))),
            "date_of_birth": _none_if_blank(dob_text),
            "dob_swapped": _none_if_blank(swapped),
            "pnc_id": _none_if_blank(canonical_pnc_ids(people["pnc_id"])["canonical"]),
            "gender": _none_if_blank(gender.where(gender.isin(["M", "F"]), "")),
            "postcode": _none_if_blank(
                matching_postcode(people["home_postcode"], no_fixed_abode_postcodes)
            ),
        },
        dtype=object,  # None for unknown, never pandas' NaN (the rules test for None)
    )


def _none_if_blank(values: pd.Series) -> np.ndarray:
    out = values.astype(object).to_numpy().copy()
    blank = pd.isna(out) | (out == "")
    out[blank] = None
    return out
