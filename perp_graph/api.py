"""The library's entry points, one per job; the CLI is a thin layer over these.

Each job runs inside one `perp_graph.session.Session` (the workspace and its lock, the
store, the identities, the audit record) and lives in a module by command family:

    perp_graph.jobs.loading      load, purge (retention), identity resolution after them
    perp_graph.jobs.identities   identities review, export, confirm / reject
    perp_graph.jobs.scanning     scan (with priority and alerts), release watch
    perp_graph.jobs.show         one person at the terminal (a dossier), or a name's matches
    perp_graph.jobs.briefing     briefing packs (with their network pages)
    perp_graph.jobs.network      a network page of one person or one neighbourhood
    perp_graph.jobs.profile      the problem profile
    perp_graph.jobs.exports      exports to a file (a purpose, audited as a disclosure)
    perp_graph.jobs.demo         the demo
    perp_graph.jobs.actions      the action register: sync, list, show, assign, done, decline
    perp_graph.jobs.meeting      the MATAC/MARAC meeting pack

This module gathers their public names so that `from perp_graph import api` is enough.
"""

from __future__ import annotations

from perp_graph.jobs.actions import (
    SyncOutcome,
    assign_action,
    close_action,
    list_actions,
    show_action,
    sync_actions,
)
from perp_graph.jobs.briefing import NETWORKS, PDF_WORKERS, BriefingOutputs, brief
from perp_graph.jobs.demo import DEMO_DUPLICATES, DEMO_MARKER, DemoOutputs, demo
from perp_graph.jobs.exports import export, require_export_purpose
from perp_graph.jobs.identities import (
    IdentityRecord,
    PossiblePair,
    decide_identities,
    export_identities,
    resolved_pairs,
    review_identities,
)
from perp_graph.jobs.loading import (
    PurgeOutputs,
    clear_identities,
    load,
    purge,
    remove_outputs_about,
    resolve_identities,
)
from perp_graph.jobs.meeting import MEETING_TOP, MeetingOutputs, meeting
from perp_graph.jobs.network import (
    MAX_NETWORK_PEOPLE,
    NetworkOutput,
    choose_neighbourhoods,
    neighbourhood_network,
    network,
    records_about_identities,
)
from perp_graph.jobs.profile import ProfileOutputs, profile
from perp_graph.jobs.scanning import check_unmask, people_in, scan, scan_parameters, watch
from perp_graph.jobs.show import Match, Person, show
from perp_graph.session import Session, open_store

__all__ = [
    "DEMO_DUPLICATES",
    "DEMO_MARKER",
    "MAX_NETWORK_PEOPLE",
    "MEETING_TOP",
    "NETWORKS",
    "PDF_WORKERS",
    "BriefingOutputs",
    "DemoOutputs",
    "IdentityRecord",
    "Match",
    "MeetingOutputs",
    "NetworkOutput",
    "Person",
    "PossiblePair",
    "ProfileOutputs",
    "PurgeOutputs",
    "Session",
    "SyncOutcome",
    "assign_action",
    "brief",
    "check_unmask",
    "choose_neighbourhoods",
    "clear_identities",
    "close_action",
    "decide_identities",
    "demo",
    "export",
    "export_identities",
    "list_actions",
    "load",
    "meeting",
    "neighbourhood_network",
    "network",
    "open_store",
    "people_in",
    "profile",
    "purge",
    "records_about_identities",
    "remove_outputs_about",
    "require_export_purpose",
    "resolve_identities",
    "resolved_pairs",
    "review_identities",
    "scan",
    "scan_parameters",
    "show",
    "show_action",
    "sync_actions",
    "watch",
]
