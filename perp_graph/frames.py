"""Column helpers that stay fast on millions of rows of Arrow-backed strings."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def isin(values: pd.Series, allowed: Iterable[str] | pd.Index | pd.Series) -> pd.Series:
    """values.isin(allowed) through Arrow: pandas' own isin is ~10x slower on strings.

    A missing value is never in the set.
    """
    column = pa.array(values, from_pandas=True)
    if isinstance(allowed, set | frozenset):
        allowed = sorted(allowed)
    value_set = pa.array(allowed, from_pandas=True)
    if value_set.type != column.type:
        value_set = value_set.cast(column.type)
    found = pc.is_in(column, value_set=value_set, skip_nulls=True).fill_null(False)
    return pd.Series(found.to_numpy(zero_copy_only=False), index=values.index, dtype=bool)


def sorted_by(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """frame.sort_values(keys, kind="stable").reset_index(drop=True), through Arrow's stable
    sort on two keys or more: missing values last, text by code point, as pandas. On 689k
    involvements by (incident_id, person_id, role), 0.3 s where pandas took 0.5 s."""
    if len(frame) < 2 or len(keys) < 2:  # pandas is as fast on one key
        return frame.sort_values(keys, kind="stable").reset_index(drop=True)
    table = pa.table({k: pa.array(frame[k], from_pandas=True) for k in keys})
    # Arrow puts missing values last by default.
    order = pc.sort_indices(table, sort_keys=[(k, "ascending") for k in keys])
    return frame.take(order.to_numpy()).reset_index(drop=True)


def group_bounds(sorted_keys: np.ndarray) -> np.ndarray:
    """Start offsets of runs of equal keys in a sorted array, plus its length at the end."""
    if len(sorted_keys) == 0:
        return np.zeros(1, dtype=np.int64)
    change = np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1
    return np.concatenate([[0], change, [len(sorted_keys)]]).astype(np.int64)


def per_distinct(values: pd.Series, function: Callable[[str], object]) -> np.ndarray:
    """function(value) for each cell, computed once per distinct value (export columns
    repeat a few values a lot); a missing cell is passed as "". Returns an object array
    in `values`' order."""
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    results = [function(u if isinstance(u, str) else "") for u in uniques]
    table = np.empty(len(results) + 1, dtype=object)
    table[: len(results)] = results
    table[-1] = function("")
    return table[codes]
