"""One person at the terminal (`perp-graph show`, issue 16 clause 6): a serial
perpetrator's dossier as the packs build it, anyone else's score and alerts, or, for a
name, the suspects it matches with their ids. Runs in one reading `Session` (shared
lock), audited as a consultation naming the people shown.

Names are searched only among people recorded as a suspect, and shown as the scan shows
suspects; a victim is never found or named by a name search, and someone shown by id who
was never recorded as a suspect is named by initials unless unmasked, as in the packs.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace

import pandas as pd

from perp_graph.analytics.alerts import CounterAllegation, EarlyWarning, Escalation
from perp_graph.analytics.assess import Assessment
from perp_graph.analytics.dossier import Dossier, build_dossiers, display_name, initials
from perp_graph.analytics.priority import Priority
from perp_graph.dataset import Dataset
from perp_graph.errors import ConfigError
from perp_graph.identity.resolve import records_of
from perp_graph.jobs.briefing import records_about_identities
from perp_graph.jobs.scanning import assess_identities, check_unmask, scan_parameters
from perp_graph.model import ScanParameters
from perp_graph.progress import Progress
from perp_graph.session import Session
from perp_graph.settings import Settings

#: At most this many people a name search lists.
MAX_MATCHES = 50


@dataclass(frozen=True)
class Match:
    """A suspect whose name matches a search: as the scan shows them (a suspect's name,
    never a victim's)."""

    person_id: str
    name: str
    date_of_birth: dt.date | None
    home_neighbourhood: str | None
    serial: str | None  # "current", "historic" or None
    priority: Priority | None


@dataclass(frozen=True)
class Person:
    """What `show` found: one person (with their dossier when they are a serial
    perpetrator), or the suspects a name matches (`matches`, `person_id` None).

    Attributes:
        person_id: the identity's id; None for a name search.
        record_ids: every record of the identity (its own id first).
        name, date_of_birth, pnc_id, home_neighbourhood: from the identity's own record;
            for someone never recorded as a suspect, unless unmasked, `name` is their
            initials, without date of birth, PNC id or home (`masked`).
        dossier: as a briefing pack builds it (analytics.dossier), for a serial perpetrator.
        priority, escalation, early_warning, counter_allegations: from the scan's assessment.
        matches: a name search's matches, highest priority first (at most MAX_MATCHES).
        more_matches: how many matched beyond those.
    """

    parameters: ScanParameters
    unmask: bool
    person_id: str | None = None
    record_ids: tuple[str, ...] = ()
    name: str = ""
    date_of_birth: dt.date | None = None
    pnc_id: str | None = None
    home_neighbourhood: str | None = None
    dossier: Dossier | None = None
    priority: Priority | None = None
    escalation: Escalation | None = None
    early_warning: EarlyWarning | None = None
    counter_allegations: tuple[CounterAllegation, ...] = ()
    matches: tuple[Match, ...] = field(default=())
    more_matches: int = 0
    masked: bool = False


def _words(text: str) -> list[str]:
    """A name's words, case-folded, punctuation dropped ("GLADWORTH, Kyle" -> gladworth,
    kyle)."""
    return re.findall(r"[^\W_]+", text.casefold())


def show(
    settings: Settings,
    person: str,
    *,
    as_of: dt.date | None = None,
    unmask: bool = False,
    progress: Progress | None = None,
) -> Person:
    """One person as of `as_of` (default today), by any of their record ids, or the
    suspects a name matches (every word of `person` a whole word of their names, in any
    order; suspects in incidents up to `as_of`). Reads the records about the person, or
    the rows the scores read, never the force's records. Audited as a consultation with
    the ids of everyone shown; a name search's words are not recorded.

    Args:
        person: a person record id, or a name ("Kyle Gladworth", "GLADWORTH, Kyle").
        unmask: victims' and other people's full names (needs settings.purpose).

    Returns:
        a `Person`: with `person_id` set for an id, with `matches` for a name.

    Raises:
        ConfigError: a blank search; an id the store does not know; a name that matches no
            suspect (the message never repeats the name); --unmask without --purpose.
        NoWorkspace, StoreError, AuditError, WorkspaceBusy.
    """
    check_unmask(unmask, settings.purpose)
    query = person.strip()
    if not query:
        raise ConfigError("give a person id or a name: perp-graph show P0001234")
    parameters = scan_parameters(settings, as_of)
    with Session(settings, "show", progress=progress) as session:
        identity_of = session.identity_of
        identity = identity_of.get(query, query)
        # The records as a pack reads them, about this one person (never the force's).
        about = records_about_identities(session.store, [identity], identity_of)
        if identity in set(about.people["person_id"]):
            assessment = assess_identities(session, parameters)
            session.close_store()
            own = about.people.set_index("person_id", drop=False).loc[identity]
            found = replace(
                _person(identity, own, assessment, about, parameters),
                unmask=unmask,
                record_ids=tuple(records_of(identity_of).get(identity, [identity])),
            )
            roles = about.involvements.loc[about.involvements["person_id"] == identity, "role"]
            if not unmask and not (roles == "suspect").any():
                # Never a suspect: named as packs name victims, by initials and reference.
                found = replace(
                    found,
                    name=initials(own["forenames"], own["surname"]),
                    date_of_birth=None,
                    pnc_id=None,
                    home_neighbourhood=None,
                    masked=True,
                )
            session.audit(
                "consultation",
                {"as_of": parameters.as_of, "person_id": query, "unmask": unmask},
                person_ids=_shown_ids(found),
            )
            return found
        words = _words(query)
        # The suspects' names: what the scores read (GraphStore.offending_records), the
        # records of everyone a suspect in an incident up to the as-of date.
        assessment = assess_identities(session, parameters)
        records = session.offending_records(parameters)  # on identities
        people = records.people
        suspects = set(
            records.involvements.loc[records.involvements["role"] == "suspect"].person_id
        )
        matched = []
        for row in people[people["person_id"].isin(suspects)].itertuples(index=False):
            names = set(_words(f"{row.forenames or ''} {row.surname or ''}"))
            if words and all(w in names for w in words):
                matched.append(row)
        if not matched:  # nothing shown, nothing to audit
            if re.fullmatch(r"\S*\d\S*", query):
                raise ConfigError(
                    f"no person with the id {query!r} in the store; check the id "
                    "(perp-graph scan lists them) or search by name"
                )
            raise ConfigError(
                "no suspect with that name in the store (every word must be a whole forename "
                "or surname); check the spelling, or give a person id from perp-graph scan"
            )
        statuses = {f.person_id: f.status for f in assessment.perpetrators}
        matches = [
            Match(
                person_id=row.person_id,
                name=display_name(row.surname, row.forenames),
                date_of_birth=None,
                home_neighbourhood=_text(row.home_neighbourhood),
                serial=statuses.get(row.person_id),
                priority=assessment.priorities.get(row.person_id),
            )
            for row in matched
        ]
        # As the scan orders them: serial perpetrators first, then by priority score.
        matches.sort(
            key=lambda m: (m.serial is None, -(m.priority.score if m.priority else 0), m.person_id)
        )
        shown = matches[:MAX_MATCHES]
        born = _dates_of_birth(session, [m.person_id for m in shown])
        session.close_store()
        shown = [replace(m, date_of_birth=born.get(m.person_id)) for m in shown]
        session.audit(
            "consultation",
            {"as_of": parameters.as_of, "by_name": True, "unmask": unmask},
            person_ids=[m.person_id for m in shown],
            counts={"matches": len(matches)},
        )
    return Person(parameters, unmask, matches=tuple(shown), more_matches=len(matches) - len(shown))


def _dates_of_birth(session: Session, person_ids: list[str]) -> dict[str, dt.date]:
    """Identity id -> date of birth as its own record gives it (the store reads the
    records about these people: keep the list short)."""
    people = session.store.records_about(person_ids).people
    return {
        row.person_id: born
        for row in people.itertuples(index=False)
        if (born := _date(row.date_of_birth)) is not None
    }


def _text(value: object) -> str | None:
    """A text cell as text (None when blank or missing)."""
    if value is None or value != value or not str(value).strip():
        return None
    return str(value)


def _date(value: object) -> dt.date | None:
    """A date cell (a pandas Timestamp, a date or missing) as a date."""
    if value is None or value != value:  # NaT and NaN are not equal to themselves
        return None
    return value.date() if isinstance(value, dt.datetime) else value  # type: ignore[return-value]


def _person(
    identity: str,
    row: pd.Series,
    assessment: Assessment,
    records: Dataset,
    parameters: ScanParameters,
) -> Person:
    """The person `identity` (their identity's own record `row`) from the assessment, with a
    dossier when they are a serial perpetrator."""
    finding = next((f for f in assessment.perpetrators if f.person_id == identity), None)
    dossier = None
    if finding is not None:
        (dossier,) = build_dossiers([finding], records, parameters, assessment)
    warning = next((w for w in assessment.early_warnings if w.person_id == identity), None)
    return Person(
        parameters,
        False,
        person_id=identity,
        name=display_name(row["surname"], row["forenames"]),
        date_of_birth=_date(row["date_of_birth"]),
        pnc_id=_text(row.get("pnc_id")),
        home_neighbourhood=_text(row.get("home_neighbourhood")),
        dossier=dossier,
        priority=assessment.priorities.get(identity),
        escalation=assessment.escalations.get(identity),
        early_warning=warning,
        counter_allegations=tuple(assessment.counter_of(identity)),
    )


def _shown_ids(found: Person) -> set[str]:
    """Every person id the terminal shows for `found`."""
    ids = {found.person_id or "", *found.record_ids}
    if found.dossier is not None:
        d = found.dossier
        ids |= {v.person.person_id for v in d.victims}
        ids |= {r.person_id for t in d.timeline for r in (*t.victims, *t.suspects)}
        ids |= {c.protected.person_id for c in d.constraints if c.protected}
        ids |= {r.person_id for r in d.counter_parties}
    if found.early_warning is not None:
        ids |= {*found.early_warning.victim_ids, *found.early_warning.new_partner_ids}
    ids |= {p for c in found.counter_allegations for p in c.person_ids}
    ids.discard("")
    return ids
