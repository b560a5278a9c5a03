"""The data contract's input files and their columns (data contract, section 1), once.

Everything that names a contract file or column reads it from here: the config file's
column mappings (`settings`), the reader (`pipeline.extract`), the quarantine files
(`pipeline.load`) and the typed tables a store holds (`dataset.SCHEMA`). The
vocabularies (offence categories, roles, relationship and order types) are in
`model`; what makes a row the same record on a re-load is `dataset.KEYS`.

This module imports nothing from the package: it is the bottom layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: How a column's cells are read: free text or an id, a date (contract 1: ISO 8601, or
#: day-first when asked), or a true/false flag.
Kind = Literal["text", "date", "flag"]


@dataclass(frozen=True)
class Column:
    """One column of a contract file.

    `required` means the header must have it (a file without it is refused, contract
    1.6); whether a blank cell rejects the row is the validator's rule per column.
    """

    name: str
    required: bool
    kind: Kind = "text"


def _required(name: str, kind: Kind = "text") -> Column:
    return Column(name, True, kind)


def _optional(name: str, kind: Kind = "text") -> Column:
    return Column(name, False, kind)


#: Every contract file's columns, required ones first, in the contract's order.
FILES: dict[str, tuple[Column, ...]] = {
    # 1.1 people.csv
    "people": (
        _required("person_id"),
        _required("surname"),
        _required("forenames"),
        _optional("date_of_birth", "date"),
        _optional("gender"),
        _optional("pnc_id"),
        _optional("aliases"),
        _optional("home_postcode"),
        _optional("home_neighbourhood"),
        _optional("firearms_certificate", "flag"),
        _optional("warning_markers"),
    ),
    # 1.2 incidents.csv
    "incidents": (
        _required("incident_id"),
        _required("occurred_on", "date"),
        _required("offence_category"),
        _optional("risk_level"),
        _optional("neighbourhood"),
        _optional("postcode"),
        _optional("children_present", "flag"),
        _optional("summary"),
        _optional("officer_in_case"),
    ),
    # 1.3 involvements.csv
    "involvements": (
        _required("incident_id"),
        _required("person_id"),
        _required("role"),
        _optional("relationship_to_suspect"),
    ),
    # 1.4 relationships.csv
    "relationships": (
        _required("person_id_a"),
        _required("person_id_b"),
        _required("relationship_type"),
        _optional("start_date", "date"),
        _optional("end_date", "date"),
    ),
    # 1.4b orders.csv
    "orders": (
        _required("person_id"),
        _required("order_type"),
        _optional("start_date", "date"),
        _optional("end_date", "date"),
        _optional("protected_person_id"),
        _optional("details"),
    ),
}

#: Files a data folder must hold (contract 1.1-1.3); a missing one stops the load.
REQUIRED_FILES: tuple[str, ...] = ("people", "incidents", "involvements")
#: Files a data folder may hold (contract 1.4, 1.4b).
OPTIONAL_FILES: tuple[str, ...] = ("relationships", "orders")

#: Contract columns of each input file, required ones first (data contract, section 1).
CONTRACT_COLUMNS: dict[str, tuple[str, ...]] = {
    stem: tuple(c.name for c in columns) for stem, columns in FILES.items()
}
#: Columns that must be present in each file's header (data contract, section 1).
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    stem: tuple(c.name for c in columns if c.required) for stem, columns in FILES.items()
}
#: Columns a file may leave out (filled blank when absent).
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    stem: tuple(c.name for c in columns if not c.required) for stem, columns in FILES.items()
}
#: Each file's columns by how their cells are read.
COLUMN_KINDS: dict[str, dict[str, Kind]] = {
    stem: {c.name: c.kind for c in columns} for stem, columns in FILES.items()
}
