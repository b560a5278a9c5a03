"""The scan's findings with what follows from them: priority scores, early warnings,
escalation and counter-allegations, as one plain-data answer (`Assessment`).

The ACPO rule runs in the store (Cypher in Neo4j, pandas in the embedded store); the
rules here run on the records the store returns (`GraphStore.force_records`, on
identities), so both stores give the same answer by construction, and a test checks it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from perp_graph.analytics.acpo import connections, people_names
from perp_graph.analytics.alerts import (
    CounterAllegation,
    EarlyWarning,
    Escalation,
    counter_allegations,
    counter_index,
    early_warnings,
    escalations,
)
from perp_graph.analytics.changes import Changes, Snapshot
from perp_graph.analytics.offending import Offending, offending
from perp_graph.analytics.priority import Priority, PrioritySettings, ranked, score
from perp_graph.dataset import Dataset
from perp_graph.model import Finding, ScanParameters, ScanResult


@dataclass(frozen=True)
class Assessment:
    """A scan result and the alerts and scores that go with it."""

    result: ScanResult
    priority_settings: PrioritySettings
    priorities: Mapping[str, Priority]
    escalations: Mapping[str, Escalation]
    early_warnings: tuple[EarlyWarning, ...]
    counter_allegations: tuple[CounterAllegation, ...]
    #: id -> (surname, forenames, home neighbourhood) of everyone scored
    names: Mapping[str, tuple[str, str, str | None]] = field(default_factory=dict)
    rank: bool = False
    changes: Changes | None = None
    #: the suspects' table the scores and alerts were made from (the release watch reads
    #: it too, rather than building it again)
    offending: Offending | None = field(default=None, repr=False, compare=False)
    #: the serial perpetrators' ids in the packs' order (analytics.dossier.briefing_order),
    #: when the scan job worked it out; `by_urgency` follows it
    order: tuple[str, ...] = ()

    # the ScanResult's face, so renderers take either
    @property
    def parameters(self) -> ScanParameters:
        """The scan's parameters (as `ScanResult.parameters`, so renderers take either)."""
        return self.result.parameters

    @property
    def perpetrators(self) -> tuple[Finding, ...]:
        """The scan's serial perpetrators, sorted by person id."""
        return self.result.perpetrators

    def by_urgency(self) -> list[Finding]:
        """Serial perpetrators, most urgent first: in the packs' order when the scan job
        set `order` (current first, then by priority score: the one ordering of
        analytics.dossier.briefing_order); else with --rank, current first and then by
        priority score (highest first); otherwise the scan's own urgency."""
        if self.order:
            place = {person_id: n for n, person_id in enumerate(self.order)}
            return sorted(
                self.perpetrators,
                key=lambda f: (place.get(f.person_id, len(place)), f.urgency_key),
            )
        if not self.rank:
            return self.result.by_urgency()
        return sorted(self.perpetrators, key=self.order_key)

    def order_key(self, finding: Finding) -> tuple[Any, ...]:
        """The sort key of `by_urgency` with --rank: current first, then by priority score
        (highest first), then the scan's own urgency."""
        priority = self.priorities.get(finding.person_id)
        return (
            0 if finding.status == "current" else 1,
            -(priority.score if priority else 0.0),
            *finding.urgency_key[1:],
        )

    def ranking(self) -> list[Priority]:
        """Every scored perpetrator, highest score first (see `priority.ranked`)."""
        return ranked(self.priorities)

    @cached_property
    def _counter_index(self) -> dict[str, list[CounterAllegation]]:
        return counter_index(list(self.counter_allegations))

    def counter_of(self, person_id: str) -> list[CounterAllegation]:
        """The counter-allegations that name `person_id` (empty when none)."""
        return self._counter_index.get(person_id, [])

    def snapshot(self, label: str) -> Snapshot:
        """What a later `scan --since/--against` compares with: statuses and scores, labelled."""
        return Snapshot(
            label=label,
            statuses={f.person_id: f.status for f in self.perpetrators},
            scores={p: s.score for p, s in self.priorities.items()},
        )

    def as_json(self) -> dict[str, Any]:
        """The scan JSON (contract, section 3) with each finding's alerts and priority, the
        priority settings, the early warnings, escalations, counter-allegations and changes
        added (extra fields: the contract's own keep their meaning)."""
        out = self.result.as_json()
        for entry in out["perpetrators"]:
            entry.update(self._alerts_json(entry["person_id"]))
        out["priority_settings"] = self.priority_settings.as_json()
        out["early_warnings"] = [
            {**w.as_json(), "priority": self._priority_json(w.person_id)}
            for w in self.early_warnings
        ]
        out["escalations"] = [
            {"person_id": p, **e.as_json(), "priority": self._priority_json(p)}
            for p, e in sorted(self.escalations.items())
        ]
        out["counter_allegations"] = [c.as_json() for c in self.counter_allegations]
        if self.rank:
            statuses = {f.person_id: f.status for f in self.perpetrators}
            out["ranking"] = [
                {
                    "rank": n,
                    "person_id": p.person_id,
                    "serial": statuses.get(p.person_id),
                    "surname": self.names.get(p.person_id, ("", "", None))[0],
                    "forenames": self.names.get(p.person_id, ("", "", None))[1],
                    **self._alerts_json(p.person_id),
                }
                for n, p in enumerate(self.ranking(), start=1)
            ]
        if self.changes is not None:
            out["changes"] = self.changes.as_json()
        return out

    def _priority_json(self, person_id: str) -> dict[str, Any] | None:
        priority = self.priorities.get(person_id)
        return priority.as_json() if priority else None

    def _alerts_json(self, person_id: str) -> dict[str, Any]:
        escalation = self.escalations.get(person_id)
        return {
            "priority": self._priority_json(person_id),
            "escalation": escalation.as_json() if escalation else None,
            "counter_allegations": sorted(c.other(person_id) for c in self.counter_of(person_id)),
        }


@dataclass(frozen=True)
class Scored:
    """What follows from the records alone, before the ACPO scan's answer is known: the
    suspects' table, priority scores, escalations, counter-allegations, and the
    connections among victims the early warning reads. `assess` finishes it with the
    scan's result (the early warning leaves out who is serial now; the names)."""

    parameters: ScanParameters
    settings: PrioritySettings
    #: the records they were worked out from (`assess` uses them only for these records)
    records: Dataset = field(repr=False, compare=False)
    table: Offending
    priorities: Mapping[str, Priority]
    escalations: Mapping[str, Escalation]
    counter_allegations: tuple[CounterAllegation, ...]
    #: victim id -> victims connected to them (analytics.acpo.connections), among the
    #: victims of violence against partners
    connections: Mapping[str, set[str]] = field(repr=False)
    #: id -> (surname, forenames, home neighbourhood) of everyone scored
    names: Mapping[str, tuple[str, str, str | None]] = field(repr=False, default_factory=dict)


def scored(
    records: Dataset,
    parameters: ScanParameters,
    settings: PrioritySettings,
    table: Offending | None = None,
) -> Scored:
    """The scores and alerts that do not depend on the scan's result, as of
    `parameters.as_of`; `records` are the store's records on identities
    (`GraphStore.offending_records`, then `Dataset.resolved`). A store that scans on a
    server scores while the server scans (jobs.scanning.assess_identities). `table` is
    `offending(records, ...)` when the caller has it already.

    Returns:
        A `Scored`: the suspects' table (analytics.offending), a `Priority` per scored
        suspect, escalations and counter-allegations (analytics.alerts), the connections
        among victims of violence against partners, and the names of the scored.
    """
    if table is None:
        table = offending(records, parameters.as_of, parameters.violent_categories)
    victims = table.victims.loc[table.victims["violent"] & table.victims["partner"], "victim_id"]
    priorities = score(table, parameters.window_years, settings)
    return Scored(
        parameters=parameters,
        settings=settings,
        records=records,
        table=table,
        priorities=priorities,
        escalations=escalations(table, settings),
        counter_allegations=tuple(counter_allegations(table)),
        connections=connections(records, parameters, victims),
        names=people_names(records.people, priorities),
    )


def assess(
    result: ScanResult,
    records: Dataset,
    settings: PrioritySettings,
    *,
    rank: bool = False,
    ready: Scored | None = None,
) -> Assessment:
    """Scores and alerts as of the scan's date; `records` are the store's records on
    identities (the same ids as the scan's). `ready` is `scored(records, ...)` worked out
    already; it is used only when made from these records with the scan's parameters and
    these settings, else the scores are worked out here."""
    parameters = result.parameters
    if (
        ready is None
        or ready.records is not records
        or ready.parameters != parameters
        or ready.settings != settings
    ):
        ready = scored(records, parameters, settings)
    table = ready.table
    current = {f.person_id for f in result.perpetrators if f.status == "current"}
    # everyone a table or ranking may list: the scored and the serial (the serial are
    # scored too; the names are read again only should one not be)
    names = ready.names
    if any(f.person_id not in names for f in result.perpetrators):
        names = people_names(
            records.people, [*ready.priorities, *(f.person_id for f in result.perpetrators)]
        )
    return Assessment(
        result=result,
        priority_settings=settings,
        priorities=ready.priorities,
        escalations=ready.escalations,
        early_warnings=tuple(
            early_warnings(
                table,
                parameters.window_years,
                parameters.min_victims,
                ready.connections,
                current=current,
            )
        ),
        counter_allegations=ready.counter_allegations,
        names=names,
        rank=rank,
        offending=table,
    )
