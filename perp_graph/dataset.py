"""The typed tables a store holds: one frame per contract file, with fixed columns.

Identifiers and text are pandas strings (Arrow-backed; missing when unknown), dates are
datetime64[s] (NaT when unknown), flags are pandas nullable booleans. `extra`
holds the export's extra columns of a row as a JSON object.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import pandas as pd

SCHEMA: dict[str, dict[str, str]] = {
    "people": {
        "person_id": "str",
        "surname": "str",
        "forenames": "str",
        "date_of_birth": "datetime64[s]",
        "gender": "str",
        "pnc_id": "str",
        "aliases": "str",
        "home_postcode": "str",
        "home_neighbourhood": "str",
        "firearms_certificate": "boolean",
        "extra": "str",
    },
    "incidents": {
        "incident_id": "str",
        "occurred_on": "datetime64[s]",
        "offence_category": "str",
        "risk_level": "str",
        "neighbourhood": "str",
        "postcode": "str",
        "children_present": "boolean",
        "summary": "str",
        "extra": "str",
    },
    "involvements": {
        "incident_id": "str",
        "person_id": "str",
        "role": "str",
        "relationship_to_suspect": "str",
        "extra": "str",
    },
    "relationships": {
        "person_id_a": "str",
        "person_id_b": "str",
        "relationship_type": "str",
        "start_date": "datetime64[s]",
        "end_date": "datetime64[s]",
        "extra": "str",
    },
    "orders": {
        "person_id": "str",
        "order_type": "str",
        "start_date": "datetime64[s]",
        "end_date": "datetime64[s]",
        "protected_person_id": "str",
        "details": "str",
        "extra": "str",
    },
}

#: What makes a row the same record on a re-load (a later load updates it).
KEYS: dict[str, list[str]] = {
    "people": ["person_id"],
    "incidents": ["incident_id"],
    "involvements": ["incident_id", "person_id", "role"],
    "relationships": ["person_id_a", "person_id_b", "relationship_type", "start_date"],
    "orders": ["person_id", "order_type", "start_date", "protected_person_id"],
}


def conform(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with exactly the schema's columns, in order, with the schema's dtypes."""
    schema = SCHEMA[name]
    out = pd.DataFrame(index=frame.index)
    for column, dtype in schema.items():
        values = frame[column] if column in frame else pd.Series(None, index=frame.index)
        out[column] = values if values.dtype == dtype else values.astype(dtype)
    return out.reset_index(drop=True)


def empty(name: str) -> pd.DataFrame:
    return conform(name, pd.DataFrame())


@dataclass
class Dataset:
    """All five tables, conformed to SCHEMA."""

    people: pd.DataFrame
    incidents: pd.DataFrame
    involvements: pd.DataFrame
    relationships: pd.DataFrame
    orders: pd.DataFrame

    def __post_init__(self) -> None:
        for name in self.names():
            setattr(self, name, conform(name, getattr(self, name)))

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    @classmethod
    def empty(cls) -> Dataset:
        return cls(**{name: empty(name) for name in cls.names()})

    def counts(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in self.names()}
