"""Transform: bring validated rows onto the contract's vocabulary.

Force offence codes become contract categories through the config. A value
that is neither a mapped code nor a category is kept as given, counts as not
violent (data contract 1.5) and is listed in the load report.
"""

from __future__ import annotations

import pandas as pd

from perp_graph.model import OFFENCE_CATEGORIES


def map_offence_categories(
    incidents: pd.DataFrame, offence_codes: dict[str, str]
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Return incidents with contract categories, and the unmapped values with counts."""
    given = incidents["offence_category"].astype("str")
    folded = given.str.strip().str.casefold()
    lookup = {c: c for c in OFFENCE_CATEGORIES} | offence_codes
    mapped = folded.map(lookup)
    unmapped = mapped.isna()
    counts = given[unmapped].value_counts()
    out = incidents.copy()
    out["offence_category"] = mapped.where(~unmapped, given)
    return out, {str(k): int(v) for k, v in sorted(counts.items())}
