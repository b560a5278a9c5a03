"""The actions a briefing recommends for a serial perpetrator, and why (HMIC 2014: the
safety actions recommended were not checked; ACPO 2009 and the MATAC model for the
referrals)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from perp_graph.wording import count, day, days_from

if TYPE_CHECKING:
    from perp_graph.analytics.dossier import Dossier


@dataclass(frozen=True)
class Action:
    """Something the sergeant should do, and why.

    `kind` names it for the action register (analytics.register.KINDS); `key` tells two
    actions of one kind for one person apart (the order ending, the partner, the other
    party, the incident), so that a later scan finds the same item; `by` is a deadline the
    records set (the release or the order's end date), else None.
    """

    text: str
    reason: str
    urgent: bool = False
    kind: str = ""
    key: str = ""
    by: dt.date | None = None


def recommend_actions(d: Dossier) -> tuple[Action, ...]:
    """What follows from a dossier for the sergeant, most urgent first (issue 16 clause 5:
    every urgent action before any other, so the first one numbered is the most urgent):
    re-contact victims after a release or before one or an order ends (HMIC 2014), settle
    a possible duplicate victim, review counter-allegations, find a release date, review an
    escalating risk; then Clare's Law, MARAC, firearms, children, protective orders."""
    as_of = d.parameters.as_of
    actions: list[Action] = []
    if d.finding.depends_on_possible_merge:
        actions.append(
            Action(
                text="Ask an analyst to settle the possible duplicate victim records",
                reason="two of the victims may be one person: the finding may not stand",
                urgent=True,
                kind="settle_duplicate",
            )
        )
    for other in d.counter_parties:
        actions.append(
            Action(
                text=f"Review the counter-allegations between {d.person_id} and "
                f"{other.person_id} before acting",
                reason="each is recorded as a suspect against the other; this pack labels "
                "neither as victim or perpetrator in that pair",
                urgent=True,
                kind="review_counter_allegation",
                key=other.person_id,
            )
        )
    for c in d.released:
        actions.insert(
            0,
            Action(
                text="Re-contact and re-assess the victims",
                reason=f"released from custody {days_from(as_of, c.end_date)} ({day(c.end_date)})"
                if c.end_date
                else "released from custody",
                urgent=True,
                # A new item: the one before the release is superseded by it (issue 17: its
                # reason, the coming release, is gone), noting if it was still open.
                kind="recontact_victims_after_release",
                key=f"{c.order_type}|{c.end_date}",
            ),
        )
    for c in d.ending_soon:
        what = "expected release" if c.is_custody else "ends"
        when = days_from(as_of, c.end_date) if c.end_date else ""
        actions.append(
            Action(
                text="Re-contact and re-assess the victims",
                reason=f"{c.name}: {what} {day(c.end_date)} ({when})",
                urgent=True,
                kind="recontact_victims_before_release",
                key=f"{c.order_type}|{c.end_date}",
                by=c.end_date,
            )
        )
    for c in d.constraints:
        if c.is_custody and c.end_date is None:
            actions.append(
                Action(
                    text="Find out the expected release date",
                    reason="In custody, release date not recorded",
                    urgent=True,
                    kind="find_release_date",
                    key=f"custody|{c.start_date or ''}",
                )
            )
    if d.partner is not None:
        who = "current partner" if d.partner.current else "most recent partner"
        actions.append(
            Action(
                text=f"Consider a Clare's Law (DVDS) right-to-know disclosure to the {who}",
                reason=(
                    "already a recorded victim; the history with other partners may still "
                    "need disclosing"
                    if d.partner.is_victim
                    else "not yet a recorded victim of this perpetrator"
                ),
                kind="clares_law_disclosure",
                key=d.partner.person.person_id,
            )
        )
    if d.escalation is not None:
        actions.append(
            Action(
                text="Review the risk assessment and consider a MATAC or MARAC referral",
                reason="escalating: " + "; ".join(d.escalation.reasons),
                urgent=True,
                kind="matac_referral",
            )
        )
    if d.latest_risk is not None and d.latest_risk.risk_level == "high":
        actions.append(
            Action(
                text="Check the victims of high-risk incidents are referred to MARAC",
                reason=f"latest DASH risk high ({day(d.latest_risk.occurred_on)})",
                kind="marac_referral",
                key=d.latest_risk.incident_id,
            )
        )
    if d.firearms_certificate:
        actions.append(
            Action(
                text="Ask firearms licensing to review the certificate",
                reason="holds a firearms or shotgun certificate",
                kind="firearms_licensing_review",
            )
        )
    if d.children_present_incidents:
        actions.append(
            Action(
                text="Check children's safeguarding referrals are in place",
                reason=f"children present at {count(d.children_present_incidents, 'incident')}",
                kind="childrens_safeguarding",
            )
        )
    unprotected = [v for v in d.victims if v.qualifying and not v.protected_by]
    if unprotected and d.status == "current":
        actions.append(
            Action(
                text="Review protective orders for the qualifying victims",
                reason=f"{count(len(unprotected), 'qualifying victim')} with no order in "
                "force protecting them",
                kind="protective_order",
                key=",".join(sorted(v.person.person_id for v in unprotected)),
            )
        )
    # Stable: within each group the order above (the release and the records first).
    return tuple(sorted(actions, key=lambda a: not a.urgent))
