"""The audit commands (Data Protection Act 2018 s.62): verify the chain, show records."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from perp_graph.cli.options import (
    DEFAULT_WORKSPACE,
    ConfigOpt,
    WorkspaceOpt,
    as_date,
    build_settings,
    err,
    friendly,
    out,
)
from perp_graph.cli.present import ReportFormat
from perp_graph.errors import AuditError
from perp_graph.jobs.records import audit_records, verify_audit
from perp_graph.wording import count, moment


def _when(at: str) -> str:
    """An audit record's ISO time as the terminal writes times ("05 Jul 2026 14:03 UTC")."""
    try:
        return moment(dt.datetime.fromisoformat(at))
    except ValueError:
        return at


audit_app = typer.Typer(
    help="The audit log (Data Protection Act 2018 s.62): verify its chain, show records.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@audit_app.command("verify")
@friendly
def audit_verify(workspace: WorkspaceOpt = DEFAULT_WORKSPACE, config: ConfigOpt = None) -> None:
    """Check every record's hash and the chain; name any record edited, deleted, inserted
    or moved, and any erasure recorded as started but never as finished. Exit code 4 when
    the log does not verify."""
    check = verify_audit(build_settings(None, config=config, workspace=workspace))
    path = escape(str(check.path))
    if check.problems:
        for problem in check.problems:
            err.print(f"[bold red]Audit problem:[/] {escape(str(problem))}")
        err.print(
            f"{count(len(check.problems), 'problem')} in {count(check.records, 'record')} of {path}"
        )
        raise typer.Exit(AuditError.exit_code)
    out.print(f"Audit log {path}: {count(check.records, 'record')}, chain intact.")
    for intent in check.unfinished_erasures:
        err.print(
            f"Note: record {intent['seq']} ({escape(intent['command'])}, {_when(intent['at'])}) "
            "started an erasure that has no completion record: the command was cut short and "
            "records may be partly erased. Run it again to finish the erasure."
        )


@audit_app.command("show")
@friendly
def audit_show(
    person: Annotated[
        str | None, typer.Option("--person", help="Only records naming this person id.")
    ] = None,
    user: Annotated[str | None, typer.Option("--user", help="Only this user's records.")] = None,
    since: Annotated[
        dt.datetime | None,
        typer.Option("--since", formats=["%Y-%m-%d"], help="From this day (UTC)."),
    ] = None,
    until: Annotated[
        dt.datetime | None,
        typer.Option("--until", formats=["%Y-%m-%d"], help="To this day (UTC), inclusive."),
    ] = None,
    output_format: Annotated[
        ReportFormat, typer.Option("--format", help="text or json (one record per line).")
    ] = ReportFormat.text,
    workspace: WorkspaceOpt = DEFAULT_WORKSPACE,
    config: ConfigOpt = None,
) -> None:
    """List audit records filtered by person, user and date."""
    records = audit_records(
        build_settings(None, config=config, workspace=workspace),
        person_id=person,
        user=user,
        since=as_date(since),
        until=as_date(until),
    )
    if output_format is ReportFormat.json:
        for record in records:
            typer.echo(json.dumps(record, ensure_ascii=False))
        return
    table = Table(title=count(len(records), "audit record"), title_justify="left")
    for column in ("#", "when", "user", "operation", "command", "purpose", "people", "files"):
        table.add_column(column)
    for r in records:
        table.add_row(
            str(r["seq"]),
            _when(r["at"]),
            escape(r["user"]),
            r["operation"],
            escape(r["command"]),
            escape(r.get("purpose") or "-"),
            f"{len(r['person_ids']):,}",
            f"{len(r['files']):,}",
        )
    out.print(table)
