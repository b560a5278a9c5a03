"""The scored pairs of the workspace's last resolution, kept for the review queue, the
identities export and annotating findings (`<workspace>/identities/pairs.parquet`)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from perp_graph.workspace import Workspace


def pairs_file(workspace: Path) -> Path:
    """Where the last resolution's pairs are kept: `<workspace>/identities/pairs.parquet`."""
    return Workspace(Path(workspace)).pairs_file


#: The saved pairs' columns and their dtypes, whatever the number of rows (with none, pandas
#: would otherwise read `merged` as float, and `pairs[pairs["merged"]]` select columns).
PAIR_DTYPES = {
    "record_l": "object",
    "record_r": "object",
    "match_probability": "float64",
    "outcome": "object",
    "reason": "object",
    "merged": "bool",
}


def typed_pairs(pairs: pd.DataFrame) -> pd.DataFrame:
    """`pairs` with PAIR_DTYPES' columns in their dtypes (a missing column empty: "" for
    text, NaN for a probability, False for merged); other columns kept as they are."""
    out = pairs.copy()
    for column, dtype in PAIR_DTYPES.items():
        if column not in out:
            out[column] = {"float64": float("nan"), "bool": False}.get(dtype, "")
        if dtype == "object":
            out[column] = out[column].astype(object).where(out[column].notna(), "").astype(str)
            out[column] = out[column].astype(object)
        elif dtype == "bool":
            out[column] = out[column].fillna(False).astype(bool)
        else:
            out[column] = out[column].astype(dtype)
    return out


def save_pairs(workspace: Path, pairs: pd.DataFrame) -> None:
    """Keep the scored pairs and their outcomes (ids and numbers only, no names), in
    PAIR_DTYPES whatever the row count."""
    path = pairs_file(workspace)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".parquet.tmp")
    typed_pairs(pairs).to_parquet(tmp, index=False)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def load_pairs(workspace: Path) -> pd.DataFrame | None:
    """The pairs of the last resolution (PAIR_DTYPES, also for a file saved before they
    were fixed), or None when identities were not resolved."""
    path = pairs_file(workspace)
    return typed_pairs(pd.read_parquet(path)) if path.exists() else None
