"""The load's data-quality report: what in the export an analyst should fix.

Issue 13 and the data contract (section 1.6): per column, blank cells, null tokens
read as blank, placeholder values (dates of birth, no-fixed-abode postcodes),
invalid PNC ids (section 1.7), implausible dates (a year before 1900, a date after
the load day), ids holding invisible or look-alike characters, and values shared
by an implausible number of records (one date of birth on many people; one PNC id
on people with different surnames). None of these rejects a row: they are facts
about the export. The report names lines and ids, never names of people.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field

import pandas as pd

from perp_graph.output import safe_cell
from perp_graph.placeholders import (
    NAME_COLUMNS,
    no_fixed_abode_mask,
    null_token_mask,
    placeholder_date_mask,
    token_set,
    visible,
)
from perp_graph.pnc import canonical_pnc_ids

LINE = "_line"
#: A value on at least this share of a file's records (and on at least SHARED_MIN of
#: them) is reported as shared by an implausible number of records.
SHARED_SHARE = 0.01
SHARED_MIN = 5
#: How many example lines or ids a finding lists.
EXAMPLES = 5
#: Columns holding ids: invisible or look-alike characters in them are reported.
ID_COLUMNS = frozenset(
    {"person_id", "incident_id", "person_id_a", "person_id_b", "protected_person_id"}
)


@dataclass
class ColumnQuality:
    """Counts for one column of one file (cells of every record the parser split)."""

    file: str
    column: str
    #: blank cells, null tokens included
    blank: int = 0
    #: of those, cells holding a null token (NULL, N/A, ...) read as blank
    null_tokens: int = 0
    #: placeholder values kept but unknown for matching (dates of birth, postcodes)
    placeholders: int = 0
    #: values kept but not usable as recorded (an invalid PNC id)
    invalid: int = 0
    #: dates before 1900 or after the load day
    implausible: int = 0

    @property
    def worth_showing(self) -> bool:
        """The column has something to report (a null token, placeholder, invalid or implausible
        value)."""
        return any((self.null_tokens, self.placeholders, self.invalid, self.implausible))


@dataclass
class Observation:
    """One fact about the export, in words, with the lines (or ids) to look at."""

    file: str
    column: str | None
    kind: str
    count: int
    text: str
    examples: list[str] = field(default_factory=list)


@dataclass
class DataQuality:
    """The whole report: column counts and observations, file by file."""

    columns: list[ColumnQuality] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)

    def column(self, file: str, column: str) -> ColumnQuality:
        """The counts of one file's column, created (all zero) on first use."""
        for c in self.columns:
            if (c.file, c.column) == (file, column):
                return c
        found = ColumnQuality(file, column)
        self.columns.append(found)
        return found

    def observe(
        self,
        file: str,
        column: str | None,
        kind: str,
        count: int,
        text: str,
        examples: Iterable[object] = (),
    ) -> None:
        """Add an observation of `count` rows, with up to EXAMPLES examples; a count of 0 adds
        nothing."""
        if count:
            shown = [str(e) for e in list(examples)[:EXAMPLES]]
            self.observations.append(Observation(file, column, kind, count, text, shown))

    def count(self, kind: str) -> int:
        """Total of one kind of observation (e.g. "invalid PNC id")."""
        return sum(o.count for o in self.observations if o.kind == kind)

    def as_json(self) -> dict:
        """The report as plain JSON (the load report's `data_quality`)."""
        return {
            "columns": [asdict(c) for c in self.columns],
            "observations": [asdict(o) for o in self.observations],
        }

    def as_frame(self) -> pd.DataFrame:
        """One row per finding (for reports/data-quality.csv)."""
        rows = [
            {
                "file": c.file,
                "column": c.column,
                "kind": kind,
                "count": getattr(c, attr),
                "text": "",
                "examples": "",
            }
            for c in self.columns
            for kind, attr in (
                ("blank", "blank"),
                ("null token read as blank", "null_tokens"),
                ("placeholder", "placeholders"),
                ("invalid", "invalid"),
                ("implausible date", "implausible"),
            )
            if getattr(c, attr)
        ]
        rows += [
            {
                "file": o.file,
                "column": o.column or "",
                "kind": o.kind,
                "count": o.count,
                "text": o.text,
                "examples": "; ".join(o.examples),
            }
            for o in self.observations
        ]
        frame = pd.DataFrame(rows, columns=["file", "column", "kind", "count", "text", "examples"])
        # Examples quote ids from the export: never let a spreadsheet run one as a formula.
        for column in ("text", "examples"):
            frame[column] = frame[column].map(safe_cell)
        return frame


def blank_null_tokens(
    quality: DataQuality,
    file: str,
    frame: pd.DataFrame,
    null_tokens: Iterable[str],
    name_null_tokens: Iterable[str],
) -> None:
    """Read null tokens as blank in every column of `frame` (in place) and count, per
    column, the blank cells and the null tokens among them (contract 1.6)."""
    tokens = token_set(null_tokens)
    name_tokens = tokens | token_set(name_null_tokens)
    for column in frame.columns:
        if column == LINE:
            continue
        values = frame[column]
        mask = null_token_mask(values, name_tokens if column in NAME_COLUMNS else tokens)
        counts = quality.column(file, column)
        if mask.any():
            frame.loc[mask, column] = ""
            counts.null_tokens += int(mask.sum())
            quality.observe(
                file,
                column,
                "null token read as blank",
                int(mask.sum()),
                f"{column}: {_n(int(mask.sum()), 'cell')} holding only a null token "
                f"({_top_values(values[mask])}), read as blank",
                _lines(frame, mask),
            )
        counts.blank += int((frame[column] == "").sum())
        if column in ID_COLUMNS:
            odd = values.str.contains(r"[^\x20-\x7e]", regex=True)
            quality.observe(
                file,
                column,
                "invisible or look-alike characters",
                int(odd.sum()),
                f"{column}: {_n(int(odd.sum()), 'id')} with characters that are not plain "
                "printable ASCII (shown escaped); an id that looks the same is not the same",
                [
                    f"line {line}: '{visible(v)}'"
                    for line, v in zip(frame.loc[odd, LINE], values[odd], strict=True)
                ],
            )


def check_people(
    quality: DataQuality,
    people: pd.DataFrame,
    lines: pd.Series,
    today: dt.date,
    placeholder_dates_of_birth: Iterable[str],
    no_fixed_abode_postcodes: Iterable[str],
) -> None:
    """Findings on the loaded people (typed rows; `lines` their line numbers)."""
    file = "people.csv"
    people = people.set_axis(range(len(people)))
    lines = pd.Series(lines.to_numpy(), index=people.index)
    for column in ("surname", "forenames"):
        blank = people[column].fillna("") == ""
        quality.observe(
            file,
            column,
            "blank name",
            int(blank.sum()),
            f"{column}: {_n(int(blank.sum()), 'person', 'people')} loaded with this name "
            "unknown (blank); "
            "their records and incidents are kept",
            _ids(people, blank),
        )
    dob = people["date_of_birth"]
    placeholder = placeholder_date_mask(dob, placeholder_dates_of_birth)
    _placeholder(quality, file, "date_of_birth", placeholder, people, lines, "date of birth")
    check_dates(quality, file, "date_of_birth", dob, lines, today)
    _shared(quality, file, "date_of_birth", dob[~placeholder].dt.strftime("%Y-%m-%d"), lines)
    postcode = people["home_postcode"]
    nfa = no_fixed_abode_mask(postcode, no_fixed_abode_postcodes) & postcode.notna()
    _placeholder(quality, file, "home_postcode", nfa, people, lines, "no-fixed-abode postcode")
    _shared(quality, file, "home_postcode", postcode[~nfa].str.upper(), lines)
    pnc = canonical_pnc_ids(people["pnc_id"], today)
    invalid = pnc["problem"].notna()
    quality.column(file, "pnc_id").invalid += int(invalid.sum())
    quality.observe(
        file,
        "pnc_id",
        "invalid PNC id",
        int(invalid.sum()),
        f"pnc_id: {_n(int(invalid.sum()), 'PNC id')} failing the pattern or the check letter "
        "(contract 1.7); kept as recorded, not used to match people",
        [
            f"line {line} ({visible(pid)}): {problem}"
            for line, pid, problem in zip(
                lines[invalid],
                people.loc[invalid, "person_id"],
                pnc.loc[invalid, "problem"],
                strict=True,
            )
        ],
    )
    _pnc_on_different_surnames(quality, file, people, pnc["canonical"])


def _placeholder(
    quality: DataQuality,
    file: str,
    column: str,
    mask: pd.Series,
    people: pd.DataFrame,
    lines: pd.Series,
    what: str,
) -> None:
    n = int(mask.sum())
    quality.column(file, column).placeholders += n
    quality.observe(
        file,
        column,
        "placeholder",
        n,
        f"{column}: {_n(n, 'record')} with a placeholder {what} "
        f"({_top_values(people.loc[mask, column].astype(str))}); kept, unknown for matching",
        _lines_of(lines, mask),
    )


def check_dates(
    quality: DataQuality, file: str, column: str, dates: pd.Series, lines: pd.Series, today: dt.date
) -> None:
    """Dates before 1900 or after the load day in one column of a loaded file (`dates`
    datetime64, `lines` their line numbers, in the same order)."""
    lines = pd.Series(lines.to_numpy(), index=dates.index)
    early = dates.dt.year < 1900
    late = dates > pd.Timestamp(today)
    bad = (early | late).fillna(False)
    n = int(bad.sum())
    quality.column(file, column).implausible += n
    quality.observe(
        file,
        column,
        "implausible date",
        n,
        f"{column}: {_n(n, 'date')} before 1900 or after the load day ({today.isoformat()})",
        [f"line {line}: {d:%Y-%m-%d}" for line, d in zip(lines[bad], dates[bad], strict=True)],
    )


def _shared(
    quality: DataQuality, file: str, column: str, values: pd.Series, lines: pd.Series
) -> None:
    """Values on an implausible share of the records (SHARED_SHARE, at least SHARED_MIN)."""
    values = values.dropna()
    values = values[values != ""]
    if values.empty:
        return
    counts = values.value_counts()
    total = len(lines)
    floor = max(SHARED_MIN, SHARED_SHARE * total)
    for value, n in counts[counts >= floor].items():
        quality.observe(
            file,
            column,
            "shared value",
            int(n),
            f"{column}: '{visible(str(value))}' is on {int(n):,} records ({n / total:.1%}); "
            "check whether it stands for 'unknown' (add it to the placeholders in the config)",
        )


def _pnc_on_different_surnames(
    quality: DataQuality, file: str, people: pd.DataFrame, canonical: pd.Series
) -> None:
    """One finding for all PNC ids held by records whose surnames differ, leaving out a
    surname that another of the id's records gives among its aliases (a married or
    maiden name recorded as such)."""
    frame = pd.DataFrame(
        {
            "pnc": canonical,
            "surname": people["surname"].fillna("").str.casefold().str.strip(),
            "aliases": people["aliases"].fillna("").str.casefold(),
            "person_id": people["person_id"],
        }
    )
    frame = frame[frame["pnc"].notna() & (frame["surname"] != "")]
    frame = frame[frame["pnc"].duplicated(keep=False)]  # an id held once is on one name
    flagged: list[tuple[str, list[str]]] = []
    for pnc, group in frame.groupby("pnc", sort=True):
        aliases = set(" ".join(group["aliases"]).replace(";", " ").split())
        surnames = set(group["surname"])
        if len(surnames) > 1 and len(surnames - aliases) > 1:
            flagged.append((str(pnc), sorted(group["person_id"])))
    quality.observe(
        file,
        "pnc_id",
        "PNC id on different surnames",
        len(flagged),
        f"pnc_id: {_n(len(flagged), 'PNC id')} each on records with different surnames, "
        "neither given as the other's alias; check the records (a married name belongs in "
        "aliases)",
        [f"{pnc} ({', '.join(visible(i) for i in ids)})" for pnc, ids in flagged],
    )


def _n(count: int, singular: str, plural: str | None = None) -> str:
    """ "1 record", "2 records"."""
    return f"{count:,} {singular if count == 1 else plural or singular + 's'}"


def _top_values(values: pd.Series, n: int = 3) -> str:
    counts = values.value_counts().head(n)
    return ", ".join(f"'{visible(str(v))}' x{c:,}" for v, c in counts.items())


def _lines(frame: pd.DataFrame, mask: pd.Series) -> list[str]:
    return [f"line {line}" for line in frame.loc[mask, LINE].head(EXAMPLES)]


def _lines_of(lines: pd.Series, mask: pd.Series) -> list[str]:
    return [f"line {line}" for line in lines[mask.to_numpy()].head(EXAMPLES)]


def _ids(people: pd.DataFrame, mask: pd.Series) -> list[str]:
    return [visible(i) for i in people.loc[mask, "person_id"].head(EXAMPLES)]


def summary_counts(quality: DataQuality) -> Mapping[str, int]:
    """Totals by kind, for the audit record and the one-line summary."""
    totals: dict[str, int] = {}
    for o in quality.observations:
        totals[o.kind] = totals.get(o.kind, 0) + o.count
    return totals
