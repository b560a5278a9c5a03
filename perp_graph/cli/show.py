"""`perp-graph show`: one person's dossier at the terminal, or the suspects a name
matches (issue 16, clause 6)."""

from __future__ import annotations

from typing import Annotated

import typer

from perp_graph import api
from perp_graph.cli.app import app
from perp_graph.cli.options import AsOfOpt, as_date, out, store_command
from perp_graph.cli.present import print_person
from perp_graph.progress import Progress
from perp_graph.settings import Settings


@app.command(name="show")
@store_command()
def show_command(
    person: Annotated[
        str,
        typer.Argument(
            metavar="PERSON_ID_OR_NAME",
            help="A person record id (any of a person's records), or a suspect's name: "
            "every word a whole forename or surname, in any order.",
        ),
    ],
    as_of: AsOfOpt = None,
    unmask: Annotated[
        bool,
        typer.Option(
            "--unmask", help="Show victims' full names (needs --purpose); initials otherwise."
        ),
    ] = False,
    *,
    settings: Settings,
    progress: Progress,
) -> None:
    """One person's dossier at the terminal: who, status, priority score and its parts,
    alerts, victims (initials and reference unless --unmask --purpose TEXT), qualifying
    incidents, orders and custody with their end, and the actions. A name lists the
    suspects it matches, with their ids, to run again with one."""
    found = api.show(settings, person, as_of=as_date(as_of), unmask=unmask, progress=progress)
    print_person(found, out)
