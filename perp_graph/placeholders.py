"""Placeholders: values that stand for "unknown" in real exports (data contract, 1.6).

Records systems and spreadsheets write NULL, N/A, #N/A or a dash for a blank cell,
UNKNOWN for a name nobody gave, 1900-01-01 for a date of birth nobody knew and a
no-fixed-abode code for a postcode. Taken as real values they invent agreement
between people who share nothing: two men with `NULL` as PNC id become one man.
This module names those values (defaults, configurable) and reads them as
unknown. It also makes ids comparable and printable: ids are trimmed of Unicode
whitespace, and messages show invisible and look-alike characters escaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from perp_graph.frames import per_distinct

#: Cells holding only one of these (any case, surrounding spaces ignored) are blank, in
#: every column (contract 1.6). NA, Nan and None are real names, so they are not here.
DEFAULT_NULL_TOKENS: tuple[str, ...] = (
    "NULL",
    "<NULL>",
    "(null)",
    "#NULL!",
    "N/A",
    "#N/A",
    "(blank)",
    "-",
    "--",
    "?",
)
#: Also blank in name columns (surname, forenames, aliases).
DEFAULT_NAME_NULL_TOKENS: tuple[str, ...] = (
    "UNKNOWN",
    "NOT KNOWN",
    "NK",
    "N/K",
    "UNK",
    "NOT STATED",
    "NOT GIVEN",
    "REFUSED",
)
NAME_COLUMNS: frozenset[str] = frozenset({"surname", "forenames", "aliases"})

#: Dates of birth written when the real one was not known: unknown for matching.
DEFAULT_PLACEHOLDER_DATES_OF_BIRTH: tuple[str, ...] = (
    "1900-01-01",
    "1901-01-01",
    "1970-01-01",
)
#: No-fixed-abode postcodes (NF1 is the police and probation code; ZZ99 are the NHS
#: pseudo-postcodes for no fixed abode and "not known"): unknown for matching.
DEFAULT_NO_FIXED_ABODE_POSTCODES: tuple[str, ...] = ("NF1 1AA", "NF1 1NF", "ZZ99*")

#: A UK postcode (outward code, space optional, inward code); others are unknown for matching.
_UK_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")
#: Characters str.strip() keeps but an id never has at its ends: zero-width and BOM.
_INVISIBLE_EDGES = "\u200b\u200c\u200d\u2060\ufeff"


def token_set(tokens: Iterable[str]) -> frozenset[str]:
    """Null tokens as compared: case-folded, trimmed."""
    return frozenset(t.strip().casefold() for t in tokens)


def strip_cells(values: pd.Series) -> pd.Series:
    """Trim Unicode whitespace and zero-width characters from both ends of each cell."""
    stripped = values.str.strip()
    if stripped.str.contains(f"[{_INVISIBLE_EDGES}]", regex=True).any():
        stripped = stripped.str.strip(" \t\r\n\u00a0" + _INVISIBLE_EDGES).str.strip()
    return stripped


def null_token_mask(values: pd.Series, tokens: frozenset[str]) -> pd.Series:
    """True where a (trimmed) cell holds only a null token, compared case-insensitively."""
    if not tokens:
        return pd.Series(False, index=values.index)
    short = values.str.len() <= max(len(t) for t in tokens)
    mask = pd.Series(False, index=values.index)
    if short.any():
        mask[short] = values[short].str.casefold().isin(tokens)
    return mask


def placeholder_date_mask(dates: pd.Series, placeholders: Iterable[str]) -> pd.Series:
    """True where a parsed date (datetime64) is a placeholder date of birth."""
    days = pd.to_datetime(pd.Series(list(placeholders), dtype="object"), format="%Y-%m-%d")
    return dates.isin(days.to_numpy().astype(dates.dtype)) & dates.notna()


def no_fixed_abode_mask(postcodes: pd.Series, codes: Iterable[str]) -> pd.Series:
    """True where a postcode is a no-fixed-abode code; a code ending in `*` is an outward
    code prefix (`ZZ99*`: ZZ99 3VZ, ZZ99 3WZ, ...), compared in `OUT IN` form. Worked out
    once per distinct postcode."""
    codes = tuple(codes)
    exact = {_spaced(c) for c in codes if not c.endswith("*")}
    prefixes = tuple(c[:-1].strip().upper() for c in codes if c.endswith("*"))

    def nfa(key: str) -> bool:
        spaced = f"{key[:-3]} {key[-3:]}"
        return spaced in exact or (bool(prefixes) and spaced.startswith(prefixes))

    found = per_distinct(postcodes, lambda p: bool(_key(p)) and nfa(_key(p)))
    return pd.Series(found, index=postcodes.index, dtype=bool)


def _spaced(code: str) -> str:
    key = _key(code)
    return f"{key[:-3]} {key[-3:]}"


def matching_postcode(postcodes: pd.Series, no_fixed_abode: Iterable[str]) -> pd.Series:
    """Postcodes as compared when matching people: canonical `OUT IN` form, or None when
    blank, a no-fixed-abode code, or not a UK postcode (shared/guide/identity.md)."""
    nfa = no_fixed_abode_mask(postcodes, no_fixed_abode).to_numpy()

    def canonical(key: str) -> str | None:
        return f"{key[:-3]} {key[-3:]}" if _UK_POSTCODE.match(key) else None

    matched = per_distinct(postcodes, lambda p: canonical(_key(p)) if _key(p) else None)
    return pd.Series(matched, index=postcodes.index, dtype=object).where(~nfa, None)


def _key(postcode: str) -> str:
    """A postcode upper-cased with every space removed ("ab1 2cd" -> "AB12CD")."""
    return re.sub(r"\s+", "", postcode).upper()


def visible(text: str, limit: int = 40) -> str:
    """`text` as a message shows it: cut to `limit` characters, and every character that
    is not printable ASCII escaped (\\u0420 for a Cyrillic Р that looks like P, \\u200b
    for a zero-width space), so an id that prints as P001 but is not P001 is seen."""
    cut = text[:limit]
    if cut.isascii() and cut.isprintable():
        return cut
    return "".join(ch if (ch.isascii() and ch.isprintable()) else _escape(ch) for ch in cut)


def visible_values(values: pd.Series, limit: int = 40) -> pd.Series:
    """`visible` for a column of text (each distinct value escaped once)."""
    uniques = pd.unique(values.astype(str))
    return values.astype(str).map({u: visible(u, limit) for u in uniques})


def _escape(ch: str) -> str:
    code = ord(ch)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"
