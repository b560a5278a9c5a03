"""Hand-made records for tests: a tiny builder that writes contract CSV files."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from perp_graph.contract import CONTRACT_COLUMNS


@dataclass
class Records:
    """People, incidents, involvements and relationships, written as the contract's CSVs."""

    people: dict[str, dict] = field(default_factory=dict)
    incidents: list[dict] = field(default_factory=list)
    involvements: list[dict] = field(default_factory=list)
    relationships: list[dict] = field(default_factory=list)
    orders: list[dict] = field(default_factory=list)

    def person(self, person_id: str, **values: str) -> str:
        if person_id not in self.people:
            self.people[person_id] = {
                "person_id": person_id,
                "surname": values.pop("surname", f"Surname{person_id}"),
                "forenames": values.pop("forenames", f"Forename{person_id}"),
                **values,
            }
        return person_id

    def incident(
        self,
        incident_id: str,
        occurred_on: str,
        category: str = "violence_with_injury",
        *,
        suspects: tuple[str, ...] | list[str] = (),
        victims: dict[str, str] | None = None,
        witnesses: tuple[str, ...] = (),
        **values: str,
    ) -> str:
        """victims maps victim id -> relationship_to_suspect ('' for blank)."""
        self.incidents.append(
            {
                "incident_id": incident_id,
                "occurred_on": occurred_on,
                "offence_category": category,
                **values,
            }
        )
        for person in suspects:
            self.person(person)
            self.involvements.append(
                {"incident_id": incident_id, "person_id": person, "role": "suspect"}
            )
        for person, rts in (victims or {}).items():
            self.person(person)
            self.involvements.append(
                {
                    "incident_id": incident_id,
                    "person_id": person,
                    "role": "victim",
                    "relationship_to_suspect": rts,
                }
            )
        for person in witnesses:
            self.person(person)
            self.involvements.append(
                {"incident_id": incident_id, "person_id": person, "role": "witness"}
            )
        return incident_id

    def abuse(
        self,
        incident_id: str,
        occurred_on: str,
        suspect: str,
        victim: str,
        category: str = "violence_with_injury",
        rts: str = "intimate_partner",
        **values: str,
    ) -> str:
        """One suspect, one victim: the common case."""
        return self.incident(
            incident_id, occurred_on, category, suspects=[suspect], victims={victim: rts}, **values
        )

    def relate(self, a: str, b: str, kind: str, start: str = "", end: str = "") -> None:
        self.person(a)
        self.person(b)
        self.relationships.append(
            {
                "person_id_a": a,
                "person_id_b": b,
                "relationship_type": kind,
                "start_date": start,
                "end_date": end,
            }
        )

    def order(self, person: str, kind: str, start: str = "", end: str = "", protected: str = ""):
        self.orders.append(
            {
                "person_id": person,
                "order_type": kind,
                "start_date": start,
                "end_date": end,
                "protected_person_id": protected,
            }
        )

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        tables = {
            "people": list(self.people.values()),
            "incidents": self.incidents,
            "involvements": self.involvements,
            "relationships": self.relationships,
            "orders": self.orders,
        }
        for name, rows in tables.items():
            write_csv(folder / f"{name}.csv", list(CONTRACT_COLUMNS[name]), rows)
        return folder


def write_csv(path: Path, columns: list[str], rows: list[dict]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="raise")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})
    return path


def records_dataset(records: Records):
    """The same records as a typed Dataset, bypassing CSV (for fast property tests)."""
    import pandas as pd

    from perp_graph.dataset import Dataset

    def frame(rows: list[dict], dates: tuple[str, ...] = ()) -> pd.DataFrame:
        df = pd.DataFrame(rows)
        for column in dates:
            if column in df:
                df[column] = pd.to_datetime(df[column].replace("", None), format="%Y-%m-%d")
        return df.replace("", None) if len(df) else df

    return Dataset(
        people=frame(list(records.people.values())),
        incidents=frame(records.incidents, ("occurred_on",)),
        involvements=frame(records.involvements),
        relationships=frame(records.relationships, ("start_date", "end_date")),
        orders=frame(records.orders, ("start_date", "end_date")),
    )
