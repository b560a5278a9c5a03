"""Commands that write pages: brief, profile, network; and serve, which shows them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from perp_graph import api
from perp_graph.cli.app import app
from perp_graph.cli.options import AsOfOpt, as_date, err, friendly, out, store_command
from perp_graph.progress import Progress
from perp_graph.settings import Settings
from perp_graph.wording import count


@app.command()
@store_command()
def brief(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for the packs (HTML, PDF) and index.html.")
    ],
    neighbourhood: Annotated[
        list[str] | None,
        typer.Option(
            "--neighbourhood",
            "-n",
            help="Only this neighbourhood (repeat for more; case does not matter).",
        ),
    ] = None,
    as_of: AsOfOpt = None,
    unmask: Annotated[
        bool,
        typer.Option("--unmask", help="Show victims' full names (needs --purpose)."),
    ] = False,
    purpose: Annotated[
        str | None,
        typer.Option("--purpose", help="Why names are shown; printed on every unmasked pack."),
    ] = None,
    pdf: Annotated[
        bool, typer.Option("--pdf/--no-pdf", help="Also print each pack to PDF (needs Chromium).")
    ] = True,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace existing packs.")] = False,
    *,
    settings: Settings,
    progress: Progress,
) -> None:
    """Write a briefing pack per neighbourhood for its sergeant, and an index page.

    A perpetrator is in the pack of their home neighbourhood and of every
    neighbourhood where a qualifying incident happened. Victims are shown by
    initials and reference unless --unmask --purpose TEXT.
    """
    result = api.brief(
        settings,
        out_dir,
        neighbourhoods=neighbourhood or (),
        as_of=as_date(as_of),
        unmask=unmask,
        purpose=purpose,
        overwrite=overwrite,
        pdf=pdf,
        progress=progress,
    )
    people = {d.person_id for pack in result.packs for d in pack.dossiers}
    out.print(
        f"Wrote {count(len(result.packs), 'neighbourhood pack')} "
        f"({count(len(people), 'perpetrator')}) "
        f"to {escape(str(result.folder))}",
        soft_wrap=True,
    )
    out.print(f"Open: {escape(str(result.index))}", soft_wrap=True)


@app.command(name="profile")
@store_command()
def profile_command(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for index.html, neighbourhoods/ and profile.json.")
    ],
    as_of: AsOfOpt = None,
    years: Annotated[
        int, typer.Option("--years", min=1, help="Years of quarters (default 5).")
    ] = 5,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace existing pages.")] = False,
    *,
    settings: Settings,
    progress: Progress,
) -> None:
    """Problem profile for chief officers: the force's and each neighbourhood's incidents,
    repeat victims, serial perpetrators, risk mix and outcomes by quarter, with charts."""
    result = api.profile(
        settings,
        out_dir,
        as_of=as_date(as_of),
        years=years,
        overwrite=overwrite,
        progress=progress,
    )
    out.print(
        f"Wrote the problem profile ({count(len(result.profile.quarters), 'quarter')}, "
        f"{count(len(result.profile.neighbourhoods), 'neighbourhood')}) to "
        f"{escape(str(result.folder))}",
        soft_wrap=True,
    )
    out.print(f"Open: {escape(str(result.index))}", soft_wrap=True)


@app.command(name="network")
@store_command()
def network_command(
    person_id: Annotated[
        str | None, typer.Argument(help="The person at the centre (omit with --neighbourhood).")
    ] = None,
    out_file: Annotated[Path, typer.Option("--out", help="The HTML file to write.")] = Path(
        "network.html"
    ),
    neighbourhood: Annotated[
        str | None,
        typer.Option("--neighbourhood", "-n", help="All serial perpetrators routed to it."),
    ] = None,
    depth: Annotated[
        int, typer.Option("--depth", min=1, help="Steps out from the person (default 1).")
    ] = 1,
    since: Annotated[
        dt.datetime | None,
        typer.Option("--since", formats=["%Y-%m-%d"], help="Leave out incidents before this."),
    ] = None,
    as_of: AsOfOpt = None,
    max_nodes: Annotated[
        int, typer.Option("--max-nodes", min=10, help="Stop --depth growing past this many.")
    ] = api.MAX_NETWORK_PEOPLE,
    unmask: Annotated[
        bool, typer.Option("--unmask", help="Show everyone's full names (needs --purpose).")
    ] = False,
    purpose: Annotated[
        str | None, typer.Option("--purpose", help="Why names are shown; printed on the page.")
    ] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace --out.")] = False,
    *,
    settings: Settings,
    progress: Progress,
) -> None:
    """Write a network page: a person's partners, victims, incidents and relationships, or
    those of every serial perpetrator of a neighbourhood. Opens offline in any browser."""
    result = api.network(
        settings,
        out_file,
        person_id=person_id,
        neighbourhood=neighbourhood,
        depth=depth,
        since=as_date(since),
        as_of=as_date(as_of),
        unmask=unmask,
        purpose=purpose,
        overwrite=overwrite,
        max_nodes=max_nodes,
        progress=progress,
    )
    graph = result.network.graph
    for note in result.network.notes:
        err.print(f"Note: {escape(note)}")
    out.print(
        f"Wrote {escape(str(result.path))}: {count(graph.number_of_nodes(), 'node')}, "
        f"{count(graph.number_of_edges(), 'link')}",
        soft_wrap=True,
    )


@app.command()
@friendly
def serve(
    folder: Annotated[Path, typer.Argument(help="A folder perp-graph brief wrote.")],
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="Port on 127.0.0.1.")
    ] = 8000,
) -> None:
    """Serve a folder of briefings and network pages on 127.0.0.1 only, until Ctrl+C."""
    from perp_graph.serve import make_server

    server = make_server(folder, port)
    host, bound = server.server_address[:2]
    out.print(f"Serving {escape(str(folder))} at http://{host}:{bound}/ (this machine only).")
    out.print("Press Ctrl+C to stop.")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        out.print("Stopped.")
    finally:
        server.server_close()
