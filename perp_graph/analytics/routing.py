"""Which neighbourhood's pack shows whom: a perpetrator's dossier and an early warning
go to the home neighbourhood and to every neighbourhood where the violence happened."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from perp_graph.analytics.alerts import EarlyWarning
from perp_graph.analytics.assess import Assessment
from perp_graph.analytics.dossier import UNKNOWN_NEIGHBOURHOOD, Dossier
from perp_graph.analytics.dossier_parts import PersonRef
from perp_graph.analytics.dossier_records import RecordIndex
from perp_graph.analytics.priority import Priority
from perp_graph.dataset import Dataset


def route(dossiers: Iterable[Dossier]) -> dict[str, list[Dossier]]:
    """Packs by neighbourhood: home neighbourhood and those of qualifying incidents."""
    packs: dict[str, list[Dossier]] = defaultdict(list)
    for dossier in dossiers:
        for neighbourhood in dossier.neighbourhoods:
            packs[neighbourhood].append(dossier)
    return dict(packs)


@dataclass(frozen=True)
class WarningView:
    """An early warning as a pack shows it: people as references, routed by neighbourhood."""

    warning: EarlyWarning
    person_id: str
    surname: str
    forenames: str
    priority: Priority | None
    victims: tuple[PersonRef, ...]
    new_partners: tuple[PersonRef, ...]
    neighbourhoods: tuple[str, ...]


def warning_views(assessment: Assessment, records: Dataset) -> list[WarningView]:
    """Each early warning with its people as references; `records` holds the records
    about the warned perpetrators. Routed like dossiers: home neighbourhood and the
    neighbourhoods of the violence in the window. Highest score first."""
    index = RecordIndex(records, assessment.parameters.as_of)
    views = []
    for w in assessment.early_warnings:
        person = index.people.get(w.person_id, {})
        places = {person.get("home_neighbourhood")} | {
            index.incidents[i]["neighbourhood"]
            for i in w.violence_incident_ids
            if i in index.incidents
        }
        places.discard(None)
        views.append(
            WarningView(
                warning=w,
                person_id=w.person_id,
                surname=person.get("surname") or "",
                forenames=person.get("forenames") or "",
                priority=assessment.priorities.get(w.person_id),
                victims=tuple(index.ref(v) for v in w.victim_ids),
                new_partners=tuple(index.ref(n) for n in w.new_partner_ids),
                neighbourhoods=tuple(sorted(places)) or (UNKNOWN_NEIGHBOURHOOD,),
            )
        )
    return sorted(views, key=lambda v: (-(v.priority.score if v.priority else 0), v.person_id))


def route_warnings(views: Iterable[WarningView]) -> dict[str, list[WarningView]]:
    """The early warnings by neighbourhood (a warning goes to each of its neighbourhoods),
    in the order given."""
    packs: dict[str, list[WarningView]] = defaultdict(list)
    for view in views:
        for neighbourhood in view.neighbourhoods:
            packs[neighbourhood].append(view)
    return dict(packs)
