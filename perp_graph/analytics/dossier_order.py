"""The packs' order of serial perpetrators from its parts (analytics.dossier's
`briefing_order` uses it on dossiers; the scan uses `briefing_sequence` without building
them): current before historic, the priority score, a constraint ending soon, urgency."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from perp_graph.analytics.dossier_parts import ENDING_SOON_DAYS
from perp_graph.analytics.priority import Priority
from perp_graph.model import Finding


def order_key(finding: Finding, score: float, ending_soon: bool) -> tuple[Any, ...]:
    """`briefing_order` from its parts: the finding, its priority score (0 when unscored)
    and whether a constraint of the person ends within ENDING_SOON_DAYS."""
    urgency = finding.urgency_key
    return (urgency[0], -score, not ending_soon, *urgency[1:])


def briefing_sequence(
    findings: Sequence[Finding],
    priorities: Mapping[str, Priority],
    orders: pd.DataFrame,
    as_of: dt.date,
) -> tuple[str, ...]:
    """The findings' person ids in the packs' order (`build_dossiers`), without building
    dossiers: from the scores and the orders alone, which is all the order reads.

    Args:
        findings: the serial perpetrators, in the scan's order (ties keep it, as in
            `build_dossiers`).
        priorities: person id -> Priority (the assessment's).
        orders: rows with person_id (identities), start_date and end_date (datetime64),
            e.g. `GraphStore.offending_records(...).orders` resolved to identities.
        as_of: the scan's day.
    """
    soon = ending_soon_people(orders, as_of)

    def key(finding: Finding) -> tuple[Any, ...]:
        priority = priorities.get(finding.person_id)
        score = priority.score if priority else 0.0
        return order_key(finding, score, finding.person_id in soon)

    return tuple(f.person_id for f in sorted(findings, key=key))


def ending_soon_people(orders: pd.DataFrame, as_of: dt.date) -> set[str]:
    """Who has a constraint in force on `as_of` (started on or before it, ending on or
    after it, as `_constraints` keeps them) that ends within ENDING_SOON_DAYS of it."""
    if orders.empty:
        return set()
    day = pd.Timestamp(as_of)
    start, end = orders["start_date"], orders["end_date"]
    days_left = (end - day).dt.days
    live = (start.isna() | (start <= day)) & end.notna() & (end >= day)
    return set(orders.loc[live & (days_left <= ENDING_SOON_DAYS), "person_id"])
