"""Validate: check and parse every row; a bad row goes to quarantine with its reasons.

All checks are vectorised (pandas), and all the reasons for one row are kept,
so an analyst fixes a row once. Reasons name columns, lines and ids, never
names of people.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from perp_graph.frames import isin
from perp_graph.model import (
    GENDERS,
    ORDER_TYPES,
    RELATIONSHIP_TYPES,
    RELATIONSHIPS_TO_SUSPECT,
    RISK_LEVELS,
    ROLES,
)
from perp_graph.pipeline.extract import LINE, RawTable
from perp_graph.placeholders import visible_values

_ISO_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[T ](?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?"
    r"(?:Z|[+-]\d{2}:?\d{2})?)?$"
)
_UK_DATE = re.compile(
    r"^(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})"
    r"(?:[ T](?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?)?$"
)
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}
_GENDER_WORDS = {"female": "F", "male": "M", "unknown": "U"}


@dataclass
class Checked:
    """One file after validation: typed rows to load, and rows quarantined with reasons."""

    name: str
    valid: pd.DataFrame
    quarantine: pd.DataFrame  # _line, reason, then the row's cells as read
    #: the line of each valid row, in the valid rows' order
    lines: pd.Series = field(default_factory=lambda: pd.Series([], dtype="int64"))


#: Builds the reasons for the rows of a mask (so nothing is formatted for good rows).
Reason = Callable[[pd.Series], pd.Series]


class RowChecks:
    """Collects reasons per row; a row with any reason is quarantined."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.reasons = pd.Series("", index=frame.index, dtype="object")

    def fail(self, mask: pd.Series, reason: str | pd.Series | Reason) -> None:
        """Record `reason` for the rows in `mask`; a callable reason is only built for them."""
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        if callable(reason):
            reason = reason(mask)
        message = reason if isinstance(reason, str) else reason[mask]
        current = self.reasons[mask]
        self.reasons[mask] = current.where(current == "", current + "; ") + message

    def require(self, *columns: str) -> None:
        """Reject rows with any of these columns blank (contract 1.6: a value the rule needs)."""
        for column in columns:
            self.fail(self.frame[column] == "", f"{column} is blank (required)")

    @property
    def bad(self) -> pd.Series:
        """Rows with at least one reason (they go to quarantine)."""
        return self.reasons != ""

    def split(self, typed: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
        """(valid typed rows, quarantined rows with reasons, the valid rows' lines)."""
        bad = self.bad
        quarantine = self.frame[bad].copy()
        quarantine.insert(1, "reason", self.reasons[bad])
        quarantine = quarantine[
            [LINE, "reason", *[c for c in quarantine if c not in (LINE, "reason")]]
        ]
        return (
            typed[~bad].reset_index(drop=True),
            quarantine.reset_index(drop=True),
            self.frame.loc[~bad, LINE].reset_index(drop=True),
        )


# --- parsers: each returns (parsed, bad mask); a blank cell is unknown, not bad ---


def on_uniques(
    parse: Callable[..., tuple[pd.Series, pd.Series]], values: pd.Series, *args: object
) -> tuple[pd.Series, pd.Series]:
    """Run a parser once per distinct value: export columns repeat a few values a lot."""
    codes, uniques = pd.factorize(values)
    parsed, bad = parse(pd.Series(uniques, dtype="str"), *args)
    return (
        parsed.iloc[codes].set_axis(values.index),
        pd.Series(bad.to_numpy()[codes], index=values.index),
    )


def parse_dates(values: pd.Series, dayfirst: bool) -> tuple[pd.Series, pd.Series]:
    """ISO 8601 dates or datetimes (date part kept); day-first UK dates if asked."""
    blank = values == ""
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[s]")
    plain = values.str.len() == 10
    parsed[plain] = pd.to_datetime(values[plain], format="%Y-%m-%d", errors="coerce")
    rest = ~blank & parsed.isna()
    if rest.any():
        others = values[rest]
        iso = others.str.match(_ISO_DATETIME)
        parsed[iso[iso].index] = pd.to_datetime(
            others[iso].str.slice(0, 10), format="%Y-%m-%d", errors="coerce"
        )
        if dayfirst:
            uk = others[~iso].str.extract(_UK_DATE)
            ok = uk["y"].notna()
            iso_text = uk["y"] + "-" + uk["m"].str.zfill(2) + "-" + uk["d"].str.zfill(2)
            parsed[ok[ok].index] = pd.to_datetime(iso_text[ok], format="%Y-%m-%d", errors="coerce")
    return parsed, ~blank & parsed.isna()


def date_reason(column: str, values: pd.Series, dayfirst: bool) -> Reason:
    """Why a date was rejected, with the fix."""
    return lambda mask: _date_reason(column, values[mask], dayfirst)


def _date_reason(column: str, values: pd.Series, dayfirst: bool) -> pd.Series:
    reason = column + " '" + visible_values(values) + "' is not a valid date"
    if not dayfirst:
        looks_uk = values.str.match(_UK_DATE)
        reason = reason.where(
            ~looks_uk, reason + " in ISO 8601 (YYYY-MM-DD); for UK day-first dates use --dayfirst"
        )
    return reason


def parse_bool(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """True/false cells (true/t/yes/y/1, false/f/no/n/0, any case) as a nullable boolean;
    also a mask of the cells that are neither nor blank."""
    folded = values.str.casefold()
    parsed = pd.Series(pd.NA, index=values.index, dtype="boolean")
    parsed[folded.isin(_TRUE)] = True
    parsed[folded.isin(_FALSE)] = False
    return parsed, (values != "") & parsed.isna()


def parse_choice(
    values: pd.Series, allowed: Iterable[str], words: dict[str, str] | None = None
) -> tuple[pd.Series, pd.Series]:
    """A value from a fixed vocabulary, matched case-insensitively; blank is unknown."""
    allowed = tuple(allowed)
    lookup = {a.casefold(): a for a in allowed} | (words or {})
    parsed = values.str.casefold().map(lookup)
    return parsed.astype("object"), (values != "") & parsed.isna()


def choice_reason(column: str, values: pd.Series, allowed: Iterable[str]) -> Reason:
    """The quarantine reason for values not in `allowed`, built only for the rows rejected."""
    listed = ", ".join(allowed)
    return lambda mask: column + " '" + visible_values(values[mask]) + f"' is not one of {listed}"


def bool_reason(column: str, values: pd.Series) -> Reason:
    """The quarantine reason for values that are not true/false, built only for the rows
    rejected."""
    return lambda mask: column + " '" + visible_values(values[mask]) + "' is not true/false"


def _blank_to_none(values: pd.Series) -> pd.Series:
    return values.where(values != "", None).astype("object")


def _extras_json(frame: pd.DataFrame, extra_columns: list[str]) -> pd.Series:
    """Extra export columns carried through as one JSON object per row."""
    if not extra_columns:
        return pd.Series(None, index=frame.index, dtype="object")
    records = frame[extra_columns].to_dict(orient="records")
    return pd.Series(
        [json.dumps(r, ensure_ascii=False, sort_keys=True) for r in records],
        index=frame.index,
        dtype="object",
    )


def _duplicate_reason(
    frame: pd.DataFrame, key: list[str], label: str, required: list[str] | None = None
) -> tuple[pd.Series, pd.Series]:
    """Rows whose key was already used earlier in the file (the first occurrence wins)."""
    required = key if required is None else required
    keys = _row_keys(frame, key)
    seen = pd.Series(keys, index=frame.index).duplicated(keep="first")
    dup = seen & (frame[required] != "").all(axis=1)
    reason = pd.Series("", index=frame.index, dtype="object")
    if dup.any():
        first_line = pd.Series(
            frame[LINE].to_numpy()[~seen.to_numpy()], index=keys[~seen.to_numpy()]
        )
        lines = first_line.loc[keys[dup.to_numpy()]].to_numpy()
        reason[dup] = f"duplicate {label} (first on line " + lines.astype(str) + ")"
    return dup, reason


def _row_keys(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """One dense integer per distinct combination of the columns' values."""
    codes, _ = pd.factorize(frame[columns[0]])
    for column in columns[1:]:
        more, uniques = pd.factorize(frame[column])
        codes, _ = pd.factorize(codes.astype(np.int64) * (len(uniques) + 1) + more)
    return codes


# --- one function per file ----------------------------------------------------


def check_people(raw: RawTable, dayfirst: bool) -> Checked:
    """Validate people.csv (contract 1.1, 1.6): a row without person_id, with a duplicate
    person_id, a bad date of birth, gender or flag is quarantined; a blank name is not a
    bad row."""
    f = raw.frame
    checks = RowChecks(f)
    # A blank name is unknown, not a bad row (contract 1.1 and 1.6): the person is loaded.
    checks.require("person_id")
    dup, why = _duplicate_reason(f, ["person_id"], "person_id")
    checks.fail(dup, why)
    dob, bad = on_uniques(parse_dates, f["date_of_birth"], dayfirst)
    checks.fail(bad, date_reason("date_of_birth", f["date_of_birth"], dayfirst))
    gender, bad = on_uniques(parse_choice, f["gender"], GENDERS, _GENDER_WORDS)
    checks.fail(bad, choice_reason("gender", f["gender"], GENDERS))
    firearms, bad = on_uniques(parse_bool, f["firearms_certificate"])
    checks.fail(bad, bool_reason("firearms_certificate", f["firearms_certificate"]))
    typed = pd.DataFrame(
        {
            "person_id": f["person_id"],
            "surname": f["surname"],
            "forenames": f["forenames"],
            "date_of_birth": dob,
            "gender": gender,
            "pnc_id": _blank_to_none(f["pnc_id"]),
            "aliases": _blank_to_none(f["aliases"]),
            "home_postcode": _blank_to_none(f["home_postcode"]),
            "home_neighbourhood": _blank_to_none(f["home_neighbourhood"]),
            "firearms_certificate": firearms,
            "warning_markers": _blank_to_none(f["warning_markers"]),
            "extra": _extras_json(f, raw.extra_columns),
        }
    )
    return Checked("people", *checks.split(typed))


def check_incidents(raw: RawTable, dayfirst: bool) -> Checked:
    """Validate incidents.csv (contract 1.2, 1.6): incident_id, occurred_on and
    offence_category are required; a duplicate id, bad date, risk level or flag is
    quarantined."""
    f = raw.frame
    checks = RowChecks(f)
    checks.require("incident_id", "occurred_on", "offence_category")
    dup, why = _duplicate_reason(f, ["incident_id"], "incident_id")
    checks.fail(dup, why)
    occurred, bad = on_uniques(parse_dates, f["occurred_on"], dayfirst)
    checks.fail(bad, date_reason("occurred_on", f["occurred_on"], dayfirst))
    risk, bad = on_uniques(parse_choice, f["risk_level"], RISK_LEVELS)
    checks.fail(bad, choice_reason("risk_level", f["risk_level"], RISK_LEVELS))
    children, bad = on_uniques(parse_bool, f["children_present"])
    checks.fail(bad, bool_reason("children_present", f["children_present"]))
    typed = pd.DataFrame(
        {
            "incident_id": f["incident_id"],
            "occurred_on": occurred,
            "offence_category": f["offence_category"],  # mapped in transform
            "risk_level": risk,
            "neighbourhood": _blank_to_none(f["neighbourhood"]),
            "postcode": _blank_to_none(f["postcode"]),
            "children_present": children,
            "summary": _blank_to_none(f["summary"]),
            "officer_in_case": _blank_to_none(f["officer_in_case"]),
            "extra": _extras_json(f, raw.extra_columns),
        }
    )
    return Checked("incidents", *checks.split(typed))


def check_involvements(raw: RawTable, person_ids: pd.Index, incident_ids: pd.Index) -> Checked:
    """Validate involvements.csv (contract 1.3, 1.6): ids and role are required; an unknown
    role or relationship_to_suspect, a person or incident not loaded (`person_ids`,
    `incident_ids`), or a repeated (incident, person, role) is quarantined."""
    f = raw.frame
    checks = RowChecks(f)
    checks.require("incident_id", "person_id", "role")
    role, bad = on_uniques(parse_choice, f["role"], ROLES)
    checks.fail(bad, choice_reason("role", f["role"], ROLES))
    rts, bad = on_uniques(parse_choice, f["relationship_to_suspect"], RELATIONSHIPS_TO_SUSPECT)
    checks.fail(
        bad,
        choice_reason(
            "relationship_to_suspect", f["relationship_to_suspect"], RELATIONSHIPS_TO_SUSPECT
        ),
    )
    _check_known(checks, f, "incident_id", incident_ids, "incidents.csv")
    _check_known(checks, f, "person_id", person_ids, "people.csv")
    keyed = f[["incident_id", "person_id"]].assign(role=role.fillna(f["role"]))
    dup, why = _duplicate_reason(
        keyed.assign(**{LINE: f[LINE]}), ["incident_id", "person_id", "role"], "involvement"
    )
    checks.fail(dup, why)
    typed = pd.DataFrame(
        {
            "incident_id": f["incident_id"],
            "person_id": f["person_id"],
            "role": role,
            "relationship_to_suspect": rts,
            "extra": _extras_json(f, raw.extra_columns),
        }
    )
    return Checked("involvements", *checks.split(typed))


def check_relationships(raw: RawTable, person_ids: pd.Index, dayfirst: bool) -> Checked:
    """Validate relationships.csv (contract 1.4, 1.6): both people must be loaded and
    different, the type known, the dates valid with the end not before the start;
    {a, b} is unordered (stored smaller id first) and a repeat is quarantined."""
    f = raw.frame
    checks = RowChecks(f)
    checks.require("person_id_a", "person_id_b", "relationship_type")
    checks.fail(
        (f["person_id_a"] == f["person_id_b"]) & (f["person_id_a"] != ""),
        "person_id_a and person_id_b are the same person (a person never relates to themself)",
    )
    rtype, bad = on_uniques(parse_choice, f["relationship_type"], RELATIONSHIP_TYPES)
    checks.fail(bad, choice_reason("relationship_type", f["relationship_type"], RELATIONSHIP_TYPES))
    start, end = _check_period(checks, f, dayfirst)
    _check_known(checks, f, "person_id_a", person_ids, "people.csv")
    _check_known(checks, f, "person_id_b", person_ids, "people.csv")
    # {a, b} is unordered: store the smaller id first so either order is one relationship.
    swap = f["person_id_a"] > f["person_id_b"]
    a = f["person_id_a"].where(~swap, f["person_id_b"])
    b = f["person_id_b"].where(~swap, f["person_id_a"])
    keyed = pd.DataFrame(
        {
            "a": a,
            "b": b,
            "t": rtype.fillna(""),
            "s": f["start_date"],
            LINE: f[LINE],
        }
    )
    dup, why = _duplicate_reason(keyed, ["a", "b", "t", "s"], "relationship", ["a", "b", "t"])
    checks.fail(dup, why)
    typed = pd.DataFrame(
        {
            "person_id_a": a,
            "person_id_b": b,
            "relationship_type": rtype,
            "start_date": start,
            "end_date": end,
            "extra": _extras_json(f, raw.extra_columns),
        }
    )
    return Checked("relationships", *checks.split(typed))


def check_orders(raw: RawTable, person_ids: pd.Index, dayfirst: bool) -> Checked:
    """Validate orders.csv (contract 1.4b, 1.6): the bound and protected people must be
    loaded, the order type known, the dates valid; a repeated order is quarantined."""
    f = raw.frame
    checks = RowChecks(f)
    checks.require("person_id", "order_type")
    otype, bad = on_uniques(parse_choice, f["order_type"], ORDER_TYPES)
    checks.fail(bad, choice_reason("order_type", f["order_type"], ORDER_TYPES))
    start, end = _check_period(checks, f, dayfirst)
    _check_known(checks, f, "person_id", person_ids, "people.csv")
    protected = f["protected_person_id"]
    _check_known(checks, f, "protected_person_id", person_ids, "people.csv")
    keyed = f[["person_id", "start_date", "protected_person_id", LINE]].assign(
        order_type=otype.fillna(f["order_type"])
    )
    # A blank start date or protected person is part of the key, not a missing key.
    dup, why = _duplicate_reason(
        keyed,
        ["person_id", "order_type", "start_date", "protected_person_id"],
        "order",
        required=["person_id", "order_type"],
    )
    checks.fail(dup, why)
    typed = pd.DataFrame(
        {
            "person_id": f["person_id"],
            "order_type": otype,
            "start_date": start,
            "end_date": end,
            "protected_person_id": _blank_to_none(protected),
            "details": _blank_to_none(f["details"]),
            "extra": _extras_json(f, raw.extra_columns),
        }
    )
    return Checked("orders", *checks.split(typed))


def _check_period(
    checks: RowChecks, frame: pd.DataFrame, dayfirst: bool
) -> tuple[pd.Series, pd.Series]:
    """start_date and end_date, each a valid date or blank, the end not before the start."""
    start, bad = on_uniques(parse_dates, frame["start_date"], dayfirst)
    checks.fail(bad, date_reason("start_date", frame["start_date"], dayfirst))
    end, bad = on_uniques(parse_dates, frame["end_date"], dayfirst)
    checks.fail(bad, date_reason("end_date", frame["end_date"], dayfirst))
    checks.fail(end < start, "end_date is before start_date")
    return start, end


def _check_known(
    checks: RowChecks,
    frame: pd.DataFrame,
    column: str,
    known: pd.Index,
    source: str,
) -> None:
    values = frame[column]
    unknown = ~isin(values, known) & (values != "")
    checks.fail(
        unknown,
        lambda mask: (
            column
            + " '"
            + visible_values(values[mask])
            + f"' is not in {source} (or was quarantined there)"
        ),
    )
