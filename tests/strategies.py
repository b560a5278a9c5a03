"""Hypothesis strategies: small random record sets that exercise every clause."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from tests.records import Records

PEOPLE = [f"P{i}" for i in range(5)]
# Weighted towards what qualifies, so most examples exercise the window logic.
CATEGORIES = ["violence_with_injury"] * 3 + ["threats", "harassment", "other"]
RTS = ["intimate_partner"] * 3 + ["ex_intimate_partner", "family", ""]
REL_TYPES = ["intimate_partner", "ex_intimate_partner", "family", "household", "associate"]
FIRST_DAY = dt.date(2018, 1, 1)
LAST_DAY = dt.date(2024, 6, 30)
# Dates the rule treats specially: 29 February and the days around it.
EDGE_DAYS = [
    dt.date(2020, 2, 28),
    dt.date(2020, 2, 29),
    dt.date(2020, 3, 1),
    dt.date(2021, 2, 28),
    dt.date(2023, 2, 28),
    dt.date(2023, 3, 1),
    dt.date(2024, 2, 29),
]

days = st.one_of(
    st.sampled_from(EDGE_DAYS), st.dates(FIRST_DAY, LAST_DAY), st.dates(FIRST_DAY, LAST_DAY)
)


@st.composite
def record_sets(draw: st.DrawFn) -> Records:
    r = Records()
    for person in PEOPLE:
        r.person(person)
    n_incidents = draw(st.integers(0, 12))
    for i in range(n_incidents):
        suspects = draw(st.lists(st.sampled_from(PEOPLE[:3]), min_size=1, max_size=2, unique=True))
        victims = draw(
            st.dictionaries(st.sampled_from(PEOPLE), st.sampled_from(RTS), min_size=1, max_size=2)
        )
        r.incident(
            f"I{i}",
            draw(days).isoformat(),
            draw(st.sampled_from(CATEGORIES)),
            suspects=suspects,
            victims=victims,
        )
    pairs = draw(
        st.lists(
            st.tuples(st.sampled_from(PEOPLE), st.sampled_from(PEOPLE), st.sampled_from(REL_TYPES)),
            max_size=4,
        )
    )
    seen = set()
    for a, b, kind in pairs:
        key = (min(a, b), max(a, b), kind)
        if a != b and key not in seen:
            seen.add(key)
            r.relate(a, b, kind)
    return r


scan_settings = st.fixed_dictionaries(
    {
        "as_of": st.one_of(st.sampled_from(EDGE_DAYS), st.dates(dt.date(2022, 1, 1), LAST_DAY)),
        "window_years": st.integers(1, 3),
        "min_victims": st.sampled_from([2, 2, 3]),
    }
)
