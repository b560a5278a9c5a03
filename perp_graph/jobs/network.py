"""Network jobs: the network page of one person or of a neighbourhood's serial
perpetrators, and the records about identities both it and the briefings read. Each runs
in one reading `Session` (shared lock)."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from perp_graph.analytics.acpo import scan as acpo_scan
from perp_graph.analytics.dossier import build_dossiers
from perp_graph.analytics.network import NetworkGraph, build_network
from perp_graph.analytics.priority import Priority
from perp_graph.analytics.routing import route
from perp_graph.dataset import Dataset
from perp_graph.errors import ConfigError
from perp_graph.identity.resolve import records_of
from perp_graph.jobs.scanning import (
    assess_identities,
    check_unmask,
    scan_parameters,
)
from perp_graph.model import ScanParameters, ScanResult
from perp_graph.output import check_free
from perp_graph.progress import Progress
from perp_graph.render.network import render_network
from perp_graph.session import Session, records_about_identities, records_in_view
from perp_graph.settings import Settings
from perp_graph.store.protocol import GraphStore

#: People and incidents a person's network page may hold before --depth stops growing.
MAX_NETWORK_PEOPLE = 5_000


@dataclass
class NetworkOutput:
    """The network page written and the graph on it."""

    path: Path
    network: NetworkGraph


def network(
    settings: Settings,
    out_file: Path,
    *,
    person_id: str | None = None,
    neighbourhood: str | None = None,
    depth: int = 1,
    since: dt.date | None = None,
    as_of: dt.date | None = None,
    unmask: bool = False,
    purpose: str | None = None,
    overwrite: bool = False,
    max_nodes: int = MAX_NETWORK_PEOPLE,
    progress: Progress | None = None,
) -> NetworkOutput:
    """Write the network page of one person (any of their record ids; `depth` steps out,
    stopping before `max_nodes`), or of a neighbourhood's serial perpetrators, to
    `out_file`; audited as a disclosure before it is written.

    Raises:
        ConfigError: both or neither of `person_id` and `neighbourhood`, an unknown id or
            neighbourhood, `depth` below 1, --unmask without a purpose.
        OutputError: `out_file` exists and `overwrite` is False.
        NoWorkspace, StoreError, AuditError, WorkspaceBusy.
    """
    purpose = check_unmask(unmask, purpose or settings.purpose)
    if (person_id is None) == (neighbourhood is None):
        raise ConfigError("give either a PERSON_ID or --neighbourhood NAME (not both)")
    if depth < 1:
        raise ConfigError("--depth must be 1 or more")
    out_file = Path(out_file)
    check_free([out_file], overwrite=overwrite)
    parameters = scan_parameters(settings, as_of)
    with Session(settings, "network", progress=progress) as session:
        store = session.store
        store_name = store.name
        if person_id is not None:
            graph = _person_network(store, person_id, depth, parameters, since, unmask, max_nodes)
            title = f"Network of {person_id}"
        else:
            identity_of = session.identity_of
            assessment = assess_identities(session, parameters)
            result = assessment.result
            records = records_about_identities(
                store, [f.person_id for f in result.perpetrators], identity_of
            )
            routed = route(build_dossiers(result.perpetrators, records, parameters))
            names = sorted(set(store.neighbourhoods()) | set(routed))
            (chosen,) = choose_neighbourhoods(names, [neighbourhood or ""])
            perpetrators = [d.person_id for d in routed.get(chosen, [])]
            graph = neighbourhood_network(
                perpetrators,
                result,
                records,
                parameters,
                since,
                unmask,
                priorities=assessment.priorities,
            )
            title = f"{chosen}: serial perpetrators' networks"
        session.close_store()
        page = render_network(graph, title=title, store=store_name, unmask=unmask, purpose=purpose)
        people = {
            str(node).removeprefix("person:")
            for node in graph.graph.nodes
            if str(node).startswith("person:")
        }
        session.publish(
            "disclosure",
            {
                "person_id": person_id,
                "neighbourhood": neighbourhood,
                "depth": depth,
                "since": since,
                "as_of": parameters.as_of,
                "unmask": unmask,
            },
            {out_file: page},
            overwrite=overwrite,
            person_ids=people,
            purpose=purpose,
        )
    return NetworkOutput(out_file, graph)


def _person_network(
    store: GraphStore,
    person_id: str,
    depth: int,
    parameters: ScanParameters,
    since: dt.date | None,
    unmask: bool,
    max_nodes: int,
) -> NetworkGraph:
    """Depth 1: the person's incidents, everyone in them and their relationships; each
    further step does the same for everyone found. People are identities: any record id
    of a person shows the person (all their records). It reads the identities of the
    people in view only (GraphStore.identities_of), never the force's."""
    records, identity_of = records_in_view(store, [person_id], {})
    identity = identity_of.get(person_id, person_id)
    seeds = {identity}
    if identity not in set(records.people["person_id"]):
        raise ConfigError(f"no person {person_id!r} in the store; check the id")
    notes = []
    for level in range(2, depth + 1):
        found = set(records.people["person_id"])
        wider, widened = records_in_view(store, sorted(found), identity_of)
        if len(wider.people) + len(wider.incidents) > max_nodes:
            notes.append(
                f"Shown to depth {level - 1}, not {depth}: depth {level} has "
                f"{len(wider.people):,} people and {len(wider.incidents):,} incidents, more "
                f"than the limit of {max_nodes:,} (raise it with --max-nodes)."
            )
            break
        seeds, records, identity_of = found, wider, widened
    # The records about the seeds hold everything the rule needs for each seed (their
    # incidents, those incidents' people, and relationships among them), so the scan of
    # this slice gives each seed the same finding as a scan of the whole store.
    findings = {
        f.person_id: f for f in acpo_scan(records, parameters).perpetrators if f.person_id in seeds
    }
    focus = [identity, *sorted(p for p in findings if p != identity)]
    return build_network(
        records,
        findings,
        focus,
        as_of=parameters.as_of,
        window_years=parameters.window_years,
        since=since,
        unmask=unmask,
        notes=notes,
        records_of=records_of(identity_of),
    )


def neighbourhood_network(
    perpetrators: Sequence[str],
    result: ScanResult,
    records: Dataset,
    parameters: ScanParameters,
    since: dt.date | None = None,
    unmask: bool = False,
    *,
    priorities: Mapping[str, Priority] | None = None,
) -> NetworkGraph:
    """Serial perpetrators (a neighbourhood's, in briefing order), each with their network;
    `records` holds at least the records about them. With `priorities` (the assessment's
    scores) the page's clusters and list go by priority score, highest first; without,
    in the order given."""
    findings = {f.person_id: f for f in result.perpetrators}
    about = records.about(perpetrators)
    in_view = set(about.people["person_id"])
    return build_network(
        about,
        {p: f for p, f in findings.items() if p in in_view},
        perpetrators,
        as_of=parameters.as_of,
        window_years=parameters.window_years,
        since=since,
        unmask=unmask,
        priorities=priorities,
    )


def choose_neighbourhoods(names: Sequence[str], wanted: Sequence[str]) -> list[str]:
    """The neighbourhoods asked for (matched ignoring case), or all of them.

    Raises:
        ConfigError: a name the store does not know, with the closest it does.
    """
    if not wanted:
        return list(names)
    by_key = {name.casefold(): name for name in names}
    chosen = []
    for name in wanted:
        key = name.strip().casefold()
        if key not in by_key:
            close = difflib.get_close_matches(key, list(by_key), n=3, cutoff=0.6)
            hint = (
                "did you mean " + ", ".join(repr(by_key[c]) for c in close) + "?"
                if close
                else f"the store knows {len(names)} neighbourhoods; run perp-graph brief "
                "without --neighbourhood to see them all in the index page"
            )
            raise ConfigError(f"no neighbourhood called {name!r} in the store; {hint}")
        if by_key[key] not in chosen:
            chosen.append(by_key[key])
    return chosen
