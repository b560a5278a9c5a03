"""Police National Computer (PNC) ids: canonical form and check letter.

Data contract, section 1.7: an id is 2 or 4 year digits, an optional `/`, 1-7
serial digits and a check letter, in any case. The canonical form is
`YYYY/NNNNNNNL` (four-digit year, serial zero-padded to seven digits, upper-case
letter). The check letter is the two-digit year followed by the seven-digit
serial, read as one number, modulo 23, as an index into
`ZABCDEFGHJKLMNPQRTUVWXY` (no I, O or S). A two-digit year becomes 20YY when it
is not after the current two-digit year, else 19YY (the rule the Ministry of
Justice's person record service uses; shared/guide/identity.md).

Written here rather than taken from a library: no maintained Python package
validates PNC ids, and the rule is part of what this project is for (a PNC id is
the strongest identifier a force holds, so a wrong one must never merge people).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

CHECK_LETTERS = "ZABCDEFGHJKLMNPQRTUVWXY"
_WITH_SLASH = re.compile(
    r"^(?P<year>[0-9]{2}|[0-9]{4})/(?P<serial>[0-9]{1,7})(?P<letter>[A-Za-z])$"
)
_WITHOUT_SLASH = re.compile(r"^(?P<digits>[0-9]{3,11})(?P<letter>[A-Za-z])$")


@dataclass(frozen=True)
class PncId:
    """One recorded PNC id, checked.

    `canonical` is `YYYY/NNNNNNNL` when the id is valid, else None; `problem` says
    why it is not (None when valid)."""

    recorded: str
    canonical: str | None
    problem: str | None

    @property
    def valid(self) -> bool:
        """The id passed the pattern and the check letter (contract 1.7), so it is an identifier."""
        return self.canonical is not None


def check_letter(two_digit_year: int, serial: int) -> str:
    """The check letter of a PNC id (contract 1.7), from its year's last two digits and
    its serial number."""
    return CHECK_LETTERS[(two_digit_year * 10_000_000 + serial) % 23]


def parse_pnc(recorded: str, today: dt.date | None = None) -> PncId:
    """Check one recorded PNC id (blank or None is not an id: problem "blank").

    Without the slash the year's length is ambiguous (`0112345Z`: 01/12345 or
    0112/345?); the reading whose check letter holds is taken, two year digits first."""
    text = (recorded or "").strip()
    if not text:
        return PncId(text, None, "blank")
    current = (today or dt.date.today()).year % 100
    match = _WITH_SLASH.match(text)
    if match is not None:
        readings = [(match["year"], match["serial"])]
        letter = match["letter"].upper()
    else:
        bare = _WITHOUT_SLASH.match(text)
        if bare is None:
            return PncId(text, None, "not of the form YY/NNNNNNNL or YYYY/NNNNNNNL")
        digits, letter = bare["digits"], bare["letter"].upper()
        readings = [(digits[:n], digits[n:]) for n in (2, 4) if 1 <= len(digits) - n <= 7]
    expected = ""
    for year_text, serial_text in readings:
        year = int(year_text)
        if len(year_text) == 2:
            year += 2000 if year <= current else 1900
        serial = int(serial_text)
        expected = check_letter(year % 100, serial)
        if letter == expected:
            return PncId(text, f"{year:04d}/{serial:07d}{letter}", None)
    return PncId(text, None, f"check letter {letter} is wrong (the number gives {expected})")


def canonical_pnc_ids(values: pd.Series, today: dt.date | None = None) -> pd.DataFrame:
    """Check a column of recorded PNC ids (text, blank or None for none).

    Returns a frame on `values`' index with `canonical` (the canonical id, or None when
    blank or invalid) and `problem` (None when blank or valid). The check runs once per
    distinct id and is vectorised with Arrow's regular expressions (a force holds a
    million ids); parse_pnc, the reference, words the problem of each invalid value."""
    text = values.astype("object").where(values.notna(), "").astype(str).str.strip()
    uniques = pd.unique(text[text != ""])
    checked = _check_uniques(pd.Series(uniques, dtype=object), today)
    canonical = text.map(dict(zip(uniques, checked, strict=True)))
    invalid = canonical.isna() & (text != "")
    problem = pd.Series([None] * len(text), index=values.index, dtype=object)
    if invalid.any():
        words = {u: parse_pnc(u, today).problem for u in pd.unique(text[invalid])}
        problem[invalid] = text[invalid].map(words)
    return pd.DataFrame(
        {"canonical": _none_for_missing(canonical), "problem": _none_for_missing(problem)},
        index=values.index,
    )


def _check_uniques(text: pd.Series, today: dt.date | None) -> list[str | None]:
    """The canonical form of each (distinct, non-blank) id, or None: parse_pnc's rule."""
    current = (today or dt.date.today()).year % 100
    column = pa.array(text.to_numpy(), type=pa.string())
    slash = pc.extract_regex(column, _WITH_SLASH.pattern)
    bare = pc.extract_regex(column, _WITHOUT_SLASH.pattern)
    letter = pc.utf8_upper(
        pc.coalesce(pc.struct_field(slash, "letter"), pc.struct_field(bare, "letter"))
    )
    digits = pc.struct_field(bare, "digits")
    readings = [(pc.struct_field(slash, "year"), pc.struct_field(slash, "serial"))]
    for n in (2, 4):
        length = pc.utf8_length(digits)
        fits = pc.and_(pc.greater_equal(length, n + 1), pc.less_equal(length, n + 7))
        readings.append(
            (
                pc.if_else(fits, pc.utf8_slice_codeunits(digits, 0, n), None),
                pc.if_else(fits, pc.utf8_slice_codeunits(digits, n), None),
            )
        )
    letters = np.asarray(letter.to_numpy(zero_copy_only=False), dtype=object)
    result = np.full(len(text), None, dtype=object)
    for year_text, serial_text in readings:
        todo = np.asarray(pc.is_valid(year_text)) & (result == None)  # noqa: E711
        if not todo.any():
            continue
        years_text = np.asarray(year_text.to_numpy(zero_copy_only=False), dtype=object)[todo]
        year = np.array([int(y) for y in years_text], dtype=np.int64)
        two = np.array([len(y) == 2 for y in years_text])
        year = np.where(two, year + np.where(year <= current, 2000, 1900), year)
        serial_values = np.asarray(serial_text.to_numpy(zero_copy_only=False), dtype=object)
        serial = np.array([int(v) for v in serial_values[todo]], dtype=np.int64)
        expected = np.asarray(list(CHECK_LETTERS))[((year % 100) * 10_000_000 + serial) % 23]
        ok = letters[todo] == expected
        where = np.flatnonzero(todo)[ok]
        result[where] = [
            f"{y:04d}/{n:07d}{c}"
            for y, n, c in zip(year[ok], serial[ok], expected[ok], strict=True)
        ]
    return list(result)


def _none_for_missing(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values.notna(), None)
