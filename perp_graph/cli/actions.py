"""The action register's commands (issue 17): sync, list, show, assign, done, decline."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from enum import StrEnum
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from perp_graph import api
from perp_graph.analytics.register import KIND_LABELS, STATUSES, Item
from perp_graph.cli.options import AsOfOpt, as_date, err, out, store_command
from perp_graph.progress import Progress
from perp_graph.render.terminal import DEFAULT_ROWS
from perp_graph.settings import Settings
from perp_graph.wording import count, day, moment

actions_app = typer.Typer(
    help="The action register: every action a scan recommends, with an owner, a due date "
    "and a status, tracked to completion (issue 17).",
    no_args_is_help=True,
    rich_markup_mode=None,
)


class ListFormat(StrEnum):
    """How actions list prints: a table, JSON or CSV."""

    table = "table"
    json = "json"
    csv = "csv"


class ShowFormat(StrEnum):
    """How actions show prints: text or JSON."""

    text = "text"
    json = "json"


IdArg = Annotated[str, typer.Argument(help="The action's id, as actions list shows it (A-...).")]
NoteOpt = Annotated[
    str,
    typer.Option(
        "--note", help="What was done, or why not; kept in the action's history (not the audit)."
    ),
]


@actions_app.command("sync")
@store_command()
def actions_sync(
    as_of: AsOfOpt = None, *, settings: Settings, progress: Progress, quiet: bool = False
) -> None:
    """Scan, and bring the register up to date with the actions the serial perpetrators'
    dossiers recommend: new items raised, open items whose reason is gone superseded
    (with a note saying why), nothing duplicated."""
    outcome = api.sync_actions(settings, as_of=as_date(as_of), progress=progress)
    counts = outcome.plan.counts()
    out.print(
        f"Action register as of {day(outcome.as_of)}: {count(counts['raised'], 'action')} "
        f"raised, {counts['superseded']:,} superseded, {counts['kept']:,} still open as before; "
        f"{count(outcome.open_items, 'open action')} in all."
    )
    if not quiet:
        for item in outcome.plan.raised:
            out.print(f"  raised {item.id}  {escape(item.person_id)}  {KIND_LABELS[item.kind]}")
        for change in outcome.plan.superseded:
            out.print(f"  superseded {change.item_id}: {escape(change.note)}")


@actions_app.command("list")
@store_command()
def actions_list(
    neighbourhood: Annotated[
        str | None, typer.Option("--neighbourhood", help="Only this neighbourhood's actions.")
    ] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Only this owner's actions.")] = None,
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only open actions past their due date.")
    ] = False,
    status: Annotated[
        list[str] | None,
        typer.Option(
            "--status",
            help="Only actions with this status (repeat for more): " + ", ".join(STATUSES) + ".",
        ),
    ] = None,
    person: Annotated[
        str | None, typer.Option("--person", help="Only this person's (identity id) actions.")
    ] = None,
    as_of: AsOfOpt = None,
    output_format: Annotated[
        ListFormat, typer.Option("--format", help="table, json or csv.")
    ] = ListFormat.table,
    limit: Annotated[
        int, typer.Option("--limit", min=1, help="Rows of the table (default 20).")
    ] = DEFAULT_ROWS,
    show_all: Annotated[
        bool, typer.Option("--all", help="List every action in the table.")
    ] = False,
    *,
    settings: Settings,
) -> None:
    """List the register's actions by due date: open and in progress unless --status says
    otherwise; --overdue for those past their due date (as of --as-of, default today)."""
    day_of = as_date(as_of)
    statuses = set(status) if status else ({"open", "in_progress"} if not overdue else None)
    items = api.list_actions(
        settings,
        neighbourhood=neighbourhood,
        owner=owner,
        statuses=statuses,
        person_ids=[person] if person else None,
        overdue=overdue,
        as_of=day_of,
    )
    today = day_of or _today()
    if output_format is ListFormat.json:
        body = {"as_of": today.isoformat(), "actions": [i.as_json() for i in items]}
        typer.echo(json.dumps(body, indent=2, ensure_ascii=False))
    elif output_format is ListFormat.csv:
        typer.echo(actions_csv(items, today), nl=False)
    else:
        print_actions(items, today, out, limit=None if show_all else limit)


@actions_app.command("show")
@store_command()
def actions_show(
    item_id: IdArg,
    output_format: Annotated[
        ShowFormat, typer.Option("--format", help="text or json.")
    ] = ShowFormat.text,
    *,
    settings: Settings,
) -> None:
    """Show one action and its history: who changed it, when, to what, and their note."""
    item = api.show_action(settings, item_id)
    if output_format is ShowFormat.json:
        typer.echo(json.dumps(item.as_json(), indent=2, ensure_ascii=False))
    else:
        print_action(item, _today(), out)


@actions_app.command("assign")
@store_command()
def actions_assign(
    item_id: IdArg,
    owner: Annotated[
        str, typer.Option("--owner", help="Who is to do it (name, collar number or team).")
    ],
    note: Annotated[str, typer.Option("--note", help="A note for the history.")] = "",
    *,
    settings: Settings,
) -> None:
    """Give an open action an owner; it is then in progress."""
    item = api.assign_action(settings, item_id, owner, note)
    out.print(f"{item.id} assigned to {escape(item.owner or '')}, due {day(item.due_by)}.")


@actions_app.command("done")
@store_command()
def actions_done(item_id: IdArg, note: NoteOpt, *, settings: Settings) -> None:
    """Mark an action done, saying what was done; it leaves the to-do list and stays in
    the history."""
    item = api.close_action(settings, item_id, "done", note)
    out.print(f"{item.id} done ({KIND_LABELS[item.kind]}, {item.person_id}).")


@actions_app.command("decline")
@store_command()
def actions_decline(item_id: IdArg, note: NoteOpt, *, settings: Settings) -> None:
    """Decline an action, saying why; it leaves the to-do list and stays in the history."""
    item = api.close_action(settings, item_id, "declined", note)
    out.print(f"{item.id} declined ({KIND_LABELS[item.kind]}, {item.person_id}).")


# --- what is printed ------------------------------------------------------------------------------


def _today() -> dt.date:
    return dt.date.today()


def _status(item: Item, today: dt.date) -> str:
    words = item.status.replace("_", " ")
    return f"{words}, overdue" if item.overdue(today) else words


def print_actions(
    items: list[Item], today: dt.date, console: Console, *, limit: int | None = None
) -> None:
    """The actions as a table that fits 80 columns (ids never cut): the first `limit`
    rows (all when None), then how many more (issue 16 clause 6), then the totals."""
    if not items:
        console.print("No actions match.")
        return
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1))
    table.add_column("Action", no_wrap=True, min_width=12)
    table.add_column("Person", no_wrap=True)
    table.add_column("What", overflow="fold", ratio=3)
    table.add_column("Due", no_wrap=True)
    table.add_column("Status", overflow="fold", ratio=1)
    table.add_column("Owner", overflow="fold", ratio=1)
    for item in items[:limit] if limit is not None else items:
        table.add_row(
            item.id,
            escape(item.person_id),
            escape(KIND_LABELS.get(item.kind, item.kind)),
            day(item.due_by),
            _status(item, today),
            escape(item.owner or ""),
        )
    console.print(table)
    if limit is not None and len(items) > limit:
        console.print(f"and {len(items) - limit:,} more (--all to list them, --limit N)")
    overdue = sum(i.overdue(today) for i in items)
    console.print(f"{count(len(items), 'action')}, {overdue:,} overdue as of {day(today)}.")


def print_action(item: Item, today: dt.date, console: Console) -> None:
    """One action with its history, line by line."""
    console.print(f"[bold]{item.id}[/]  {escape(KIND_LABELS.get(item.kind, item.kind))}")
    place = f" ({escape(item.neighbourhood)})" if item.neighbourhood else ""
    console.print(f"Person:    {escape(item.person_id)}{place}")
    console.print(f"Action:    {escape(item.text)}")
    console.print(f"Why:       {escape(item.reason)}")
    if item.evidence_ids:
        console.print(f"Evidence:  {escape(', '.join(item.evidence_ids))}")
    console.print(f"Raised:    {day(item.raised_on)}; due by {day(item.due_by)}")
    owner = f"; owner {escape(item.owner)}" if item.owner else "; no owner"
    console.print(f"Status:    {_status(item, today)}{owner}")
    console.print("History:")
    for change in item.history:
        who = f" -> {escape(change.owner)}" if change.owner else ""
        console.print(
            f"  {moment(change.at)}  {escape(change.user)}: {change.status.replace('_', ' ')}"
            f"{who}. {escape(change.note)}"
        )
    if not item.history:
        err.print("  (no history recorded)")


def actions_csv(items: list[Item], today: dt.date) -> str:
    """The actions as CSV, one row each (evidence ids joined with ';')."""
    buffer = io.StringIO()
    columns = [
        "id",
        "person_id",
        "neighbourhood",
        "kind",
        "text",
        "reason",
        "evidence_ids",
        "raised_on",
        "due_by",
        "status",
        "overdue",
        "owner",
        "note",
        "changed_by",
        "changed_at",
    ]
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for item in items:
        row = item.as_json()
        writer.writerow(
            {
                **{c: row.get(c) for c in columns},
                "evidence_ids": ";".join(item.evidence_ids),
                "overdue": "true" if item.overdue(today) else "false",
            }
        )
    return buffer.getvalue()
