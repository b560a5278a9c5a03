"""The Arrow column helpers give exactly what the pandas operations they replace give."""

from __future__ import annotations

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from perp_graph.frames import isin, sorted_by

TEXT = st.one_of(st.none(), st.sampled_from(["", "a", "b", "B", "é", "P0001", "P0010", "Z"]))
DAYS = st.one_of(st.none(), st.dates().map(pd.Timestamp))


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    rows = draw(st.lists(st.tuples(TEXT, TEXT, DAYS), max_size=40))
    return pd.DataFrame(
        {
            "a": pd.Series([r[0] for r in rows], dtype="str"),
            "b": pd.Series([r[1] for r in rows], dtype="str"),
            "day": pd.Series([r[2] for r in rows], dtype="datetime64[s]"),
            "row": range(len(rows)),
        }
    )


@given(frames(), st.sampled_from([["a"], ["a", "b"], ["b", "day"], ["day", "a", "b"]]))
def test_sorted_by_is_pandas_stable_sort_with_missing_values_last(
    frame: pd.DataFrame, keys: list[str]
) -> None:
    expected = frame.sort_values(keys, kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(sorted_by(frame, keys), expected)


@given(frames())
def test_isin_never_finds_a_missing_value(frame: pd.DataFrame) -> None:
    allowed = ["a", "é", "P0010"]
    expected = frame["a"].isin(allowed) & frame["a"].notna()
    pd.testing.assert_series_equal(isin(frame["a"], allowed), expected, check_names=False)
