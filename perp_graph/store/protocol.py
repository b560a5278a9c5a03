"""The GraphStore Protocol: what analytics and renderers may ask of a store."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import pandas as pd

from perp_graph.dataset import Dataset
from perp_graph.model import ScanParameters, ScanResult
from perp_graph.progress import Progress


@runtime_checkable
class GraphStore(Protocol):
    """A place that holds the loaded records and answers the analytics' questions."""

    #: short name shown to users ("embedded", "neo4j")
    name: str

    def ids(self, table: str) -> pd.Index:
        """Ids already stored: table is "people" or "incidents"."""
        ...

    def load(self, dataset: Dataset) -> dict[str, int]:
        """Insert or update every row (keyed as in dataset.KEYS); return the store's counts."""
        ...

    def counts(self) -> dict[str, int]:
        """Rows held per table."""
        ...

    def acpo_scan(self, parameters: ScanParameters, progress: Progress | None = None) -> ScanResult:
        """Apply the ACPO rule (data contract, section 2)."""
        ...

    def close(self) -> None:
        """Release connections and files."""
        ...
