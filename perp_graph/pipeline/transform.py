"""Transform: bring validated rows onto the contract's vocabulary.

Force offence codes become contract categories through the config. A value
that is neither a mapped code nor a category is kept as given, counts as not
violent (data contract 1.5) and is listed in the load report.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from perp_graph.model import OFFENCE_CATEGORIES


def map_offence_categories(
    incidents: pd.DataFrame, offence_codes: dict[str, str]
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Return incidents with contract categories, and the unmapped values with counts."""
    given = incidents["offence_category"].astype("str")
    codes, uniques = pd.factorize(given)
    lookup = {c: c for c in OFFENCE_CATEGORIES} | offence_codes
    mapped = [lookup.get(str(value).strip().casefold()) for value in uniques]
    unmapped = [m is None for m in mapped]
    counts = np.bincount(codes, minlength=len(uniques)) if len(codes) else np.zeros(0, int)
    out = incidents.copy()
    categories = np.array([m or u for m, u in zip(mapped, uniques, strict=True)], dtype=object)
    out["offence_category"] = pd.Series(categories[codes], index=given.index, dtype="str")
    report = {str(u): int(n) for u, n, miss in zip(uniques, counts, unmapped, strict=True) if miss}
    return out, dict(sorted(report.items()))
