"""Column helpers of the generator: tables built in numpy chunks, ids, dates, letters,
weights, the CSV writer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from perp_graph.synth.vocabulary import _COMMON_SURNAMES, OUTCOMES, SURNAMES, WARNING_MARKERS


class _Tables:
    """Columns accumulated as numpy chunks, concatenated once at the end."""

    def __init__(self) -> None:
        self.chunks: dict[str, dict[str, list[np.ndarray]]] = {}

    def add(self, table: str, **columns: np.ndarray | list) -> None:
        store = self.chunks.setdefault(table, {})
        for name, values in columns.items():
            store.setdefault(name, []).append(np.array(values))  # a copy: callers reuse arrays

    def frame(self, table: str) -> pd.DataFrame:
        return pd.DataFrame({k: np.concatenate(v) for k, v in self.chunks[table].items()})


def _outcomes(days: np.ndarray, end_day: int, seed: int) -> np.ndarray:
    """Outcomes drawn per incident; the last 90 days are mostly still under investigation."""
    rng = np.random.default_rng([seed, 7])
    names = np.asarray(list(OUTCOMES), dtype=object)
    drawn = names[rng.choice(len(names), len(days), p=_weights(OUTCOMES.values()))]
    recent = (end_day - days < 90) & (rng.random(len(days)) < 0.7)
    return np.where(recent, "under_investigation", drawn)


def _warning_markers(n: int, seed: int) -> np.ndarray:
    """About 4% of people carry one or two warning markers (a stream of its own, so the
    rest of the data set is unchanged)."""
    rng = np.random.default_rng([seed, 11])
    names = np.asarray(WARNING_MARKERS, dtype=object)
    first = names[rng.integers(0, len(names), n)]
    second = names[rng.integers(0, len(names), n)]
    two = (rng.random(n) < 0.3) & (first != second)
    markers = np.where(two, first + "; " + second, first)
    return np.where(rng.random(n) < 0.04, markers, "")


def _officers(n: int, seed: int) -> np.ndarray:
    """An officer in case per incident (a collar number; a stream of its own)."""
    rng = np.random.default_rng([seed, 13])
    ranks = np.asarray(["PC", "PC", "PC", "DC", "DS"], dtype=object)
    return ranks[rng.integers(0, len(ranks), n)] + " " + _zpad(rng.integers(1, 9999, n), 4)


def _ids(prefix: str, n: int, width: int) -> np.ndarray:
    return prefix + _zpad(np.arange(1, n + 1), width)


def _zpad(numbers: np.ndarray, width: int) -> np.ndarray:
    return pd.Series(numbers).astype(str).str.zfill(width).to_numpy(dtype=object)


_ALPHABET = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), dtype=object)


def _letters(numbers: np.ndarray) -> np.ndarray:
    return _ALPHABET[np.abs(numbers) % 26]


def _dates(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]")


def _optional_dates(days: np.ndarray) -> np.ndarray:
    return np.where(days >= 0, _dates(np.maximum(days, 0)).astype(str), "")


def _iso(day: int) -> str:
    return (dt.date(1970, 1, 1) + dt.timedelta(days=int(day))).isoformat()


def _weights(values: object) -> np.ndarray:
    w = np.asarray(list(values), dtype=float)
    return w / w.sum()


def _surname_indices(rng: np.random.Generator, n: int) -> np.ndarray:
    common = rng.random(n) < 0.25
    return np.where(
        common,
        rng.choice(_COMMON_SURNAMES, n, p=_zipf_weights(_COMMON_SURNAMES)),
        rng.integers(_COMMON_SURNAMES, len(SURNAMES), n),
    )


def _zipf_weights(n: int) -> np.ndarray:
    return _weights(1.0 / np.arange(1, n + 1) ** 0.5)


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    table = pa.Table.from_pandas(frame.astype(str), preserve_index=False)
    pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(quoting_style="needed"))
