"""Converting between pandas frames and Cypher rows for the Neo4j store: rows to write in
batches (dates as ISO text), pages of columns back to frames, a scan record to a Finding."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from neo4j import (
    ManagedTransaction,
    Record,
)

from perp_graph.dataset import KEYS, SCHEMA, conform
from perp_graph.errors import StoreError
from perp_graph.frames import sorted_by
from perp_graph.model import (
    Finding,
    QualifyingEvent,
    ScanParameters,
    Window,
)
from perp_graph.store.protocol import (
    FORCE_COLUMNS,
)

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)
# The driver's own log lines can carry query text; they stay silent unless a
# caller configures the "neo4j" logger on purpose.
logging.getLogger("neo4j").addHandler(logging.NullHandler())
logging.getLogger("neo4j").propagate = False


def _extend(
    columns: dict[str, list[pa.Array]],
    page: Record,
    table: str,
    names: Iterable[str],
    prefix: str = "",
    blanks: Collection[str] = (),
) -> None:
    """Add a page's columns (named `prefix` + column) of `table` to the chunks gathered so
    far, each converted to Arrow as it arrives (text, dates as ISO text, flags as bool),
    so that the conversion runs while the server works on the next pages and other views.

    A view may send a null as "" (Cypher's collect() drops nulls): in the columns named in
    `blanks`, whose blanks are stored as null (data contract, section 1: a blank cell is
    unknown), "" is read back as null; a column sent with a flag column
    (`prefix` + column + "_null") is null where the flag is true, for columns that may
    hold "" as well (names). A table whose rows name their parent row by position
    (`prefix` + "at", e.g. an involvement's incident) takes a column the page does not send
    under `prefix` from the parent's column of the same name, at those positions."""
    sent = set(page.keys())  # a Record's `in` tests its values, not its keys
    lengths: set[int] = set()
    for column in names:
        kind = pa.bool_() if SCHEMA[table][column] == "boolean" else pa.string()
        if prefix + column not in sent and prefix + "at" in sent:
            at = pa.array(page[prefix + "at"], type=pa.int64())
            values = pa.array(page[column], type=kind).take(at)
        else:
            values = pa.array(page[prefix + column], type=kind)
        null = pa.scalar(None, kind)
        if column in blanks:
            values = pc.if_else(pc.equal(values, ""), null, values)
        if prefix + column + "_null" in sent:
            flags = pa.array(page[prefix + column + "_null"], type=pa.bool_())
            values = pc.if_else(flags, null, values)
        lengths.add(len(values))
        columns.setdefault(column, []).append(values)
    if len(lengths) > 1:  # collect() dropped a null: the columns no longer line up
        raise StoreError(
            f"Neo4j sent the {table} columns {sorted(names)} with {sorted(lengths)} values: "
            "a required property is missing in the graph; reload the exports"
        )


def _columns_frame(table: str, columns: Mapping[str, list[pa.Array]]) -> pd.DataFrame:
    """Columns sent as lists and gathered as Arrow chunks (`_extend`; dates as ISO text) as
    a frame of one of the dataset's tables, sorted by its key (dataset.KEYS) so that it is
    the same whichever order the pages came in."""
    frame = pd.DataFrame(index=pd.RangeIndex(sum(len(c) for c in next(iter(columns.values()), []))))
    for column, chunks in columns.items():
        dtype = SCHEMA[table][column]
        values = pa.chunked_array(chunks, type=chunks[0].type) if chunks else pa.array([])
        if dtype.startswith("datetime64"):
            values = pc.strptime(values, format="%Y-%m-%d", unit="s")
        frame[column] = pd.Series(values.to_pandas(types_mapper=_PANDAS_TYPES.get)).astype(dtype)
    frame = conform(table, frame)[list(FORCE_COLUMNS[table])]
    return sorted_by(frame, KEYS[table])


#: Arrow -> pandas types of the frames (the schema's "str" and nullable "boolean").
_PANDAS_TYPES = {
    pa.string(): pd.StringDtype("pyarrow", na_value=np.nan),
    pa.bool_(): pd.BooleanDtype(),
}


#: The bulk path's relationships to neighbourhoods: statement, key column, place column.
_PLACES = {
    "people": ("load/bulk_lives_in", "person_id", "home_neighbourhood"),
    "incidents": ("load/bulk_occurred_in", "incident_id", "neighbourhood"),
}


def _by_place(frame: pd.DataFrame, key: str, place: str, size: int) -> list[dict[str, Any]]:
    """Rows {name, ids} of at most `size` ids each, one neighbourhood a row, taking the
    neighbourhoods in turn so that batches written side by side hold different ones."""
    placed = frame[frame[place].notna()]
    chunks: list[list[dict[str, Any]]] = []
    for name, ids in placed.groupby(place, sort=True)[key]:
        values = ids.tolist()
        chunks.append(
            [{"name": name, "ids": values[k : k + size]} for k in range(0, len(values), size)]
        )
    rounds = max((len(c) for c in chunks), default=0)
    return [c[k] for k in range(rounds) for c in chunks if k < len(c)]


def _records(tx: ManagedTransaction, text: str, params: dict[str, Any]) -> list[Record]:
    """The transaction function of `Neo4jStore.run`: every record of one statement."""
    return list(tx.run(text, params))


def _native(value: Any) -> Any:
    """Neo4j temporal values as Python's."""
    return value.to_native() if hasattr(value, "to_native") else value


def _plain(properties: dict[str, Any]) -> tuple:
    return tuple(sorted((k, str(v)) for k, v in properties.items()))


def _finding(record: Record, parameters: ScanParameters) -> Finding:
    events = tuple(
        QualifyingEvent(
            occurred_on=e["day"].to_native(),
            incident_id=e["incident_id"],
            victim_id=e["victim_id"],
            offence_category=e["offence_category"],
            risk_level=e["risk_level"],
        )
        for e in record["events"]
    )
    first, now = record["first"], record["now"]
    first_window = Window.covering(events, first["start"].to_native(), first["end"].to_native())
    current_window = (
        Window.covering(events, now["start"].to_native(), now["end"].to_native())
        if now["qualifies"]
        else None
    )
    return Finding(
        person_id=record["person_id"],
        status="current" if current_window else "historic",
        first_qualified_on=first_window.end,
        victim_ids=tuple(sorted({e.victim_id for e in events})),
        qualifying_incident_ids=tuple(sorted({e.incident_id for e in events})),
        events=events,
        first_window=first_window,
        current_window=current_window,
        surname=record["surname"] or "",
        forenames=record["forenames"] or "",
        home_neighbourhood=record["home_neighbourhood"],
    )


def _rows(name: str, frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Frame rows as driver-ready dicts: str, bool, datetime.date or None."""
    frame = frame.copy()
    if name == "relationships":
        frame["key"] = relationship_keys(frame)
    if name == "orders":
        frame["order_key"] = order_keys(frame)
    columns: dict[str, list[Any]] = {}
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            dates = values.dt.date.astype(object)
            columns[column] = dates.where(values.notna(), None).tolist()
        else:
            columns[column] = values.astype(object).where(values.notna(), None).tolist()
    names = list(columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def relationship_keys(relationships: pd.DataFrame) -> pd.Series:
    """The `key` of each RELATED_TO (a str Series aligned with the frame): its
    relationship_type, "|", its start_date as YYYY-MM-DD ("" when unknown). With the two
    people it is the relationship's key in the graph (dataset.KEYS)."""
    return relationships["relationship_type"] + "|" + _iso(relationships["start_date"])


def order_keys(orders: pd.DataFrame) -> pd.Series:
    """The `order_key` of each Order node (a str Series aligned with the frame):
    person_id|order_type|start_date as YYYY-MM-DD ("" when unknown)|protected_person_id
    ("" when none), the order's key in the graph (dataset.KEYS)."""
    return (
        orders["person_id"]
        + "|"
        + orders["order_type"]
        + "|"
        + _iso(orders["start_date"])
        + "|"
        + orders["protected_person_id"].fillna("")
    )


def _iso(dates: pd.Series) -> pd.Series:
    text = dates.dt.strftime("%Y-%m-%d")
    return text.where(dates.notna(), "").astype("str")


def _batches(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def with_own_ids(rows: list[Record]) -> dict[str, str]:
    """record id -> identity id from rows of (record_id, identity_id) that name records of
    another's identity, with each identity's own id added (mapped to itself)."""
    merged = {r["record_id"]: r["identity_id"] for r in rows}
    return {**merged, **{identity: identity for identity in set(merged.values())}}
