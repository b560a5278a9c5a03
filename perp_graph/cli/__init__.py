"""The `perp-graph` command: parse, build settings once, call one library function.

A package by command family (store, show, pages, identities, audit, data); shared options are
declared once (`options.store_command`); what is printed lives in `present`. Library
errors become a one-line message on stderr and an exit code (2 for bad input or usage,
3 for store problems, 4 for an audit log that does not verify, 5 for a workspace busy
too long), never a traceback.
"""

from __future__ import annotations

from perp_graph.cli import data, meeting, pages, show, store  # noqa: F401  (they register their commands)
from perp_graph.cli.actions import actions_app
from perp_graph.cli.app import app
from perp_graph.cli.audit import audit_app
from perp_graph.cli.identities import identities_app

#: The order `perp-graph --help` lists the commands in: a user's day, load to audit.
ORDER = ("load", "scan", "watch", "show", "purge", "brief", "meeting", "profile", "network")
ORDER += ("serve",)
ORDER += ("generate", "demo")
app.registered_commands.sort(key=lambda c: ORDER.index(c.name or c.callback.__name__))
app.add_typer(identities_app, name="identities")
app.add_typer(audit_app, name="audit")
app.add_typer(actions_app, name="actions")

__all__ = ["app", "audit_app", "identities_app"]
