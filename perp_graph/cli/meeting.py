"""The meeting command: the MATAC/MARAC meeting pack (issue 17 clause 4)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from perp_graph import api
from perp_graph.cli.app import app
from perp_graph.cli.options import AsOfOpt, as_date, out, store_command
from perp_graph.progress import Progress
from perp_graph.settings import Settings
from perp_graph.wording import count, day


@app.command(name="meeting")
@store_command()
def meeting_command(
    out_dir: Annotated[
        Path,
        typer.Option("--out", help="Folder for agenda.html (and .pdf) and subjects/."),
    ],
    neighbourhood: Annotated[
        list[str] | None,
        typer.Option(
            "--neighbourhood",
            "-n",
            help="Only perpetrators routed to this neighbourhood (repeat for more; default "
            "the force).",
        ),
    ] = None,
    since: Annotated[
        dt.datetime | None,
        typer.Option(
            "--since",
            formats=["%Y-%m-%d"],
            help="Say what changed since this date (default: since the last meeting pack of "
            "the same neighbourhoods).",
        ),
    ] = None,
    as_of: AsOfOpt = None,
    top: Annotated[
        int, typer.Option("--top", min=1, help="How many perpetrators the agenda lists.")
    ] = api.MEETING_TOP,
    unmask: Annotated[
        bool,
        typer.Option("--unmask", help="Show victims' full names (needs --purpose)."),
    ] = False,
    purpose: Annotated[
        str | None,
        typer.Option("--purpose", help="Why names are shown; printed on every unmasked page."),
    ] = None,
    pdf: Annotated[
        bool, typer.Option("--pdf/--no-pdf", help="Also print each page to PDF (needs Chromium).")
    ] = True,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace existing pages.")] = False,
    *,
    settings: Settings,
    progress: Progress,
) -> None:
    """Write the MATAC/MARAC meeting pack: the agenda (the top perpetrators by priority with
    their open actions, and what changed since the last meeting) and a subject profile per
    person on it.

    Victims are shown by initials and reference unless --unmask --purpose TEXT.
    """
    result = api.meeting(
        settings,
        out_dir,
        neighbourhoods=neighbourhood or (),
        since=as_date(since),
        as_of=as_date(as_of),
        top=top,
        unmask=unmask,
        purpose=purpose,
        overwrite=overwrite,
        pdf=pdf,
        progress=progress,
    )
    compared = f", changes since {day(result.since)}" if result.since else ""
    out.print(
        f"Wrote the meeting pack ({count(len(result.people), 'perpetrator')}{compared}) "
        f"to {escape(str(result.folder))}",
        soft_wrap=True,
    )
    out.print(f"Open: {escape(str(result.agenda))}", soft_wrap=True)
