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

import pandas as pd

CHECK_LETTERS = "ZABCDEFGHJKLMNPQRTUVWXY"
_WITH_SLASH = re.compile(r"^(?P<year>\d{2}|\d{4})/(?P<serial>\d{1,7})(?P<letter>[A-Za-z])$")
_WITHOUT_SLASH = re.compile(r"^(?P<digits>\d{3,11})(?P<letter>[A-Za-z])$")


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
    blank or invalid) and `problem` (None when blank or valid). Each distinct value is
    checked once."""
    text = values.fillna("").astype(str)
    uniques = pd.unique(text)
    checked = {u: parse_pnc(u, today) for u in uniques}
    canonical = [checked[t].canonical for t in text]
    problem = [None if checked[t].problem == "blank" else checked[t].problem for t in text]
    return pd.DataFrame(
        {"canonical": canonical, "problem": problem}, index=values.index, dtype=object
    )
