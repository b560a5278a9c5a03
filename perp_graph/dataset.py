"""The typed tables a store holds: one frame per contract file, with fixed columns.

Identifiers and text are pandas strings (Arrow-backed; missing when unknown), dates are
datetime64[s] (NaT when unknown), flags are pandas nullable booleans. `extra`
holds the export's extra columns of a row as a JSON object.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields

import pandas as pd

from perp_graph.contract import COLUMN_KINDS, Kind
from perp_graph.frames import isin

#: How a store holds each kind of contract column (see the module's docstring).
DTYPES: dict[Kind, str] = {"text": "str", "date": "datetime64[s]", "flag": "boolean"}

#: Each table's columns and dtypes: the contract's columns (`contract.FILES`, in order)
#: and `extra`, the export's extra columns of a row as a JSON object.
SCHEMA: dict[str, dict[str, str]] = {
    stem: {**{column: DTYPES[kind] for column, kind in kinds.items()}, "extra": "str"}
    for stem, kinds in COLUMN_KINDS.items()
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
    """An empty frame of table `name` with the schema's columns and dtypes."""
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
        """The table names, in the contract's order: people, incidents, involvements,
        relationships, orders."""
        return [f.name for f in fields(cls)]

    @classmethod
    def empty(cls) -> Dataset:
        """A dataset of five empty tables."""
        return cls(**{name: empty(name) for name in cls.names()})

    def counts(self) -> dict[str, int]:
        """Rows per table."""
        return {name: len(getattr(self, name)) for name in self.names()}

    def about(self, person_ids: Iterable[str]) -> Dataset:
        """The records about these people (see `GraphStore.records_about`)."""
        seeds = sorted(set(person_ids))
        involvements = self.involvements
        incident_ids = involvements.loc[isin(involvements["person_id"], seeds), "incident_id"]
        involvements = involvements[isin(involvements["incident_id"], incident_ids.unique())]
        incidents = self.incidents[isin(self.incidents["incident_id"], incident_ids.unique())]
        orders = self.orders[isin(self.orders["person_id"], seeds)]
        relationships = self.relationships
        touching = isin(relationships["person_id_a"], seeds) | isin(
            relationships["person_id_b"], seeds
        )
        people_ids = set(seeds)
        for column in (
            involvements["person_id"],
            relationships.loc[touching, "person_id_a"],
            relationships.loc[touching, "person_id_b"],
            orders["protected_person_id"].dropna(),
        ):
            people_ids.update(column.tolist())
        among = isin(relationships["person_id_a"], people_ids) & isin(
            relationships["person_id_b"], people_ids
        )
        return Dataset(
            people=self.people[isin(self.people["person_id"], people_ids)],
            incidents=incidents,
            involvements=involvements,
            relationships=relationships[among],
            orders=orders,
        )

    def resolved(self, identity_of: Mapping[str, str]) -> Dataset:
        """The same records with every person id replaced by its identity's id.

        `identity_of` maps record ids of merged identities to the identity id (the
        smallest record id); other ids stand for themselves. An identity's person row
        is its smallest record id's row present here; relationships of an identity with
        itself disappear; rows that become the same record collapse into one.
        """
        if not identity_of:
            return self

        lookup = pd.Series(dict(identity_of), dtype="str")

        def mapped(column: pd.Series) -> pd.Series:
            return column.map(lookup).fillna(column).astype("str")

        people = self.people.sort_values("person_id", kind="stable")
        people = people.assign(person_id=mapped(people["person_id"]))
        people = people.drop_duplicates("person_id", keep="first")
        involvements = self.involvements.assign(person_id=mapped(self.involvements["person_id"]))
        involvements = involvements.drop_duplicates(KEYS["involvements"], keep="first")
        relationships = self.relationships.assign(
            person_id_a=mapped(self.relationships["person_id_a"]),
            person_id_b=mapped(self.relationships["person_id_b"]),
        )
        relationships = relationships[relationships["person_id_a"] != relationships["person_id_b"]]
        orders = self.orders.assign(
            person_id=mapped(self.orders["person_id"]),
            protected_person_id=mapped(self.orders["protected_person_id"]),
        )
        return Dataset(
            people=people,
            incidents=self.incidents,
            involvements=involvements,
            relationships=relationships,
            orders=orders,
        )

    def sorted(self) -> Dataset:
        """The same records in key order, to compare two datasets."""
        return Dataset(
            **{
                name: getattr(self, name)
                .sort_values(KEYS[name] + [c for c in SCHEMA[name] if c not in KEYS[name]])
                .reset_index(drop=True)
                for name in self.names()
            }
        )
