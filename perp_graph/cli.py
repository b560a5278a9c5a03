"""The `perp-graph` command: parse, resolve settings, call one library function.

Library errors become a one-line message on stderr and an exit code (2 for
bad input or usage, 3 for store problems), never a traceback.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import os
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from perp_graph import api
from perp_graph.audit import AuditLog
from perp_graph.errors import AuditError, PerpGraphError
from perp_graph.pipeline.load import LoadReport
from perp_graph.progress import BarProgress, Progress
from perp_graph.render.identities import identities_csv, identities_json
from perp_graph.render.tables import (
    print_alerts,
    print_changes,
    print_data_quality,
    print_ranking,
    print_table,
    print_watch,
    ranking_csv,
    to_csv,
    to_json,
    watch_csv,
    watch_json,
)
from perp_graph.settings import (
    ENV_CONFIG,
    ENV_NEO4J_INSECURE,
    ENV_WORKSPACE,
    Settings,
    load_settings,
)
from perp_graph.synth import KENT_CRIMES_PER_YEAR, SynthConfig, generate

app = typer.Typer(
    name="perp-graph",
    help=(
        "Find serial perpetrators of domestic abuse (ACPO 2009: violence or threats "
        "against 2+ unconnected intimate partners within a rolling 3 years) in "
        "records-system CSV exports."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

out = Console(highlight=False)
err = Console(stderr=True, soft_wrap=True, highlight=False)

F = TypeVar("F", bound=Callable[..., Any])


def friendly(command: F) -> F:
    """Turn library errors into a message and an exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except PerpGraphError as exc:
            err.print(f"[bold red]Error:[/] {escape(str(exc))}", soft_wrap=True, highlight=False)
            raise typer.Exit(exc.exit_code) from None

    return wrapper  # type: ignore[return-value]


@app.callback()
def main(
    insecure_dev: Annotated[
        bool,
        typer.Option(
            "--insecure-dev",
            help="Development only: allow a Neo4j connection without TLS or with a "
            f"self-signed certificate (same as {ENV_NEO4J_INSECURE}=1).",
        ),
    ] = False,
) -> None:
    if insecure_dev:
        os.environ[ENV_NEO4J_INSECURE] = "1"


# --- shared options -------------------------------------------------------------

WorkspaceOpt = Annotated[
    Path,
    typer.Option(
        "--workspace",
        envvar=ENV_WORKSPACE,
        help="Folder holding the embedded store, reports and quarantine files.",
    ),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        envvar=ENV_CONFIG,
        help="TOML file mapping a force's columns and offence codes (etl/mappings/).",
    ),
]
Neo4jOpt = Annotated[
    str | None,
    typer.Option(
        "--neo4j-uri",
        help=(
            "Use the Neo4j store at this URI (bolt://, neo4j://, +s forms) instead of the "
            "embedded one; default $PERP_GRAPH_NEO4J_URI. User and password come only from "
            "PERP_GRAPH_NEO4J_USER and PERP_GRAPH_NEO4J_PASSWORD."
        ),
    ),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")]
DayfirstOpt = Annotated[
    bool | None,
    typer.Option("--dayfirst/--no-dayfirst", help="Read dates as day first (04/03/2021)."),
]
ResolveOpt = Annotated[
    bool | None,
    typer.Option(
        "--resolve/--no-resolve",
        help="Resolve duplicate person records into identities after loading (default on).",
    ),
]
AsOfOpt = Annotated[
    dt.datetime | None,
    typer.Option("--as-of", formats=["%Y-%m-%d"], help="Scan as of this date (default today)."),
]
DEFAULT_WORKSPACE = Path(".perp-graph")
UserOpt = Annotated[
    str | None,
    typer.Option(
        "--user",
        help="Who runs this, for the audit log (default: PERP_GRAPH_USER or the login name).",
    ),
]
PurposeOpt = Annotated[
    str | None,
    typer.Option(
        "--purpose",
        help="Why, for the audit log; required with --unmask and for --output exports.",
    ),
]


class ScanFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class ReportFormat(StrEnum):
    text = "text"
    json = "json"


def _settings(config: Path | None, workspace: Path, **flags: Any) -> Settings:
    return load_settings(config=config, workspace=workspace).with_flags(**flags)


def _progress(quiet: bool) -> Progress:
    return Progress() if quiet else BarProgress(err)


def _date(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value is not None else None


# --- commands ---------------------------------------------------------------------


@app.command()
@friendly
def load(
    data_dir: Annotated[Path, typer.Argument(help="Folder with people.csv, incidents.csv ...")],
    workspace: WorkspaceOpt = DEFAULT_WORKSPACE,
    config: ConfigOpt = None,
    dayfirst: DayfirstOpt = None,
    output_format: Annotated[
        ReportFormat, typer.Option("--format", help="Report as text or JSON.")
    ] = ReportFormat.text,
    neo4j_uri: Neo4jOpt = None,
    resolve: ResolveOpt = None,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="The folder is a complete export: erase records it no longer holds "
            "(from the store and the outputs that named them).",
        ),
    ] = False,
    user: UserOpt = None,
    purpose: PurposeOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Validate and load a folder of CSV exports into the store.

    Bad rows go to quarantine files with their reasons; the report shows,
    per file, read = loaded + quarantined. Loading the same folder again
    leaves the same store.
    """
    settings = _settings(
        config,
        workspace,
        dayfirst=dayfirst,
        neo4j_uri=neo4j_uri,
        resolve=resolve,
        user=user,
        purpose=purpose,
    )
    report = api.load(data_dir, settings, _progress(quiet), full=full)
    if output_format is ReportFormat.json:
        typer.echo(json.dumps(report.as_json(), indent=2))
    else:
        _print_load_report(report, settings)


@app.command()
@friendly
def scan(
    data: Annotated[
        Path | None, typer.Option("--data", help="Load this folder first, then scan.")
    ] = None,
    as_of: AsOfOpt = None,
    window_years: Annotated[
        int | None, typer.Option("--window-years", min=1, help="Rolling window W (default 3).")
    ] = None,
    min_victims: Annotated[
        int | None, typer.Option("--min-victims", min=2, help="Unconnected victims K (default 2).")
    ] = None,
    output_format: Annotated[
        ScanFormat, typer.Option("--format", help="table, json (data contract 3) or csv.")
    ] = ScanFormat.table,
    rank: Annotated[
        bool,
        typer.Option(
            "--rank",
            help="Rank every perpetrator (serial or not) by the RFGV priority score, with its "
            "parts; serial perpetrators are then ordered by it too.",
        ),
    ] = False,
    limit: Annotated[
        int, typer.Option("--limit", min=1, help="Rows of the --rank table (default 50).")
    ] = 50,
    since: Annotated[
        dt.datetime | None,
        typer.Option(
            "--since",
            formats=["%Y-%m-%d"],
            help="Also list what changed since this date: newly qualified, dropped to "
            "historic, largest score rises.",
        ),
    ] = None,
    against: Annotated[
        Path | None,
        typer.Option(
            "--against",
            help="Like --since, against a scan saved before with --format json (for "
            "example the workspace's reports/last-scan.json, copied).",
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace --output.")] = False,
    workspace: WorkspaceOpt = DEFAULT_WORKSPACE,
    config: ConfigOpt = None,
    dayfirst: DayfirstOpt = None,
    neo4j_uri: Neo4jOpt = None,
    resolve: ResolveOpt = None,
    user: UserOpt = None,
    purpose: PurposeOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Apply the ACPO serial-perpetrator rule to identities and list who qualifies, most
    urgent first, with priority scores, early warnings (Clare's Law), escalation and
    counter-allegations."""
    settings = _settings(
        config,
        workspace,
        dayfirst=dayfirst,
        window_years=window_years,
        min_victims=min_victims,
        neo4j_uri=neo4j_uri,
        resolve=resolve,
        user=user,
        purpose=purpose,
    )
    progress = _progress(quiet)
    if output is not None:
        api.require_export_purpose(settings, "scan")
    if data is not None:
        report = api.load(data, settings, progress)
        if report.quarantined and not quiet:
            err.print(
                f"{report.quarantined} rows quarantined: see {escape(str(workspace))}/quarantine/"
            )
    result = api.scan(
        settings,
        _date(as_of),
        progress,
        rank=rank,
        since=_date(since),
        against=against,
    )

    def show(console: Console) -> None:
        print_table(result, console)
        if rank:
            print_ranking(result, console, limit)
        print_alerts(result, console)
        print_changes(result, console)

    _deliver(
        settings,
        output_format,
        output,
        overwrite=overwrite,
        quiet=quiet,
        json_text=lambda: to_json(result),
        csv_text=lambda: ranking_csv(result) if rank else to_csv(result),
        show=show,
        command="scan",
        person_ids=lambda: api.people_in(result),
        what=f"{len(result.perpetrators)} perpetrators",
    )


@app.command()
@friendly
def watch(
    days: Annotated[
        int, typer.Option("--days", min=0, help="Ending within this many days (default 28).")
    ] = 28,
    as_of: AsOfOpt = None,
    output_format: Annotated[
        ScanFormat, typer.Option("--format", help="table, json or csv.")
    ] = ScanFormat.table,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace --output.")] = False,
    workspace: WorkspaceOpt = DEFAULT_WORKSPACE,
    config: ConfigOpt = None,
    neo4j_uri: Neo4jOpt = None,
    user: UserOpt = None,
    purpose: PurposeOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Release watch: serial and high-priority perpetrators whose custody, bail or order
    ends within --days, soonest first, with the victims to re-contact."""
    settings = _settings(config, workspace, neo4j_uri=neo4j_uri, user=user, purpose=purpose)
    if output is not None:
        api.require_export_purpose(settings, "watch")
    assessment, entries = api.watch(settings, days, _date(as_of), _progress(quiet))
    _deliver(
        settings,
        output_format,
        output,
        overwrite=overwrite,
        quiet=quiet,
        json_text=lambda: watch_json(assessment, entries, days),
        csv_text=lambda: watch_csv(assessment, entries),
        show=lambda console: print_watch(assessment, entries, days, console),
        command="watch",
        person_ids=lambda: (
            {e.person_id for e in entries} | {v for e in entries for v in e.victims_to_recontact}
        ),
        what=f"{len(entries)} people",
    )


@app.command()
@friendly
def purge(
    before: Annotated[
        dt.datetime,
        typer.Option(
            "--before",
            formats=["%Y-%m-%d"],
            help="Erase incidents dated before this day, relationships and orders that ended "
            "before it, and people then left with no record.",
        ),
    ],
    yes: Annotated[bool, typer.Option("--yes", help="Do it (erasure cannot be undone).")] = False,
    workspace: WorkspaceOpt = DEFAULT_WORKSPACE,
    config: ConfigOpt = None,
    neo4j_uri: Neo4jOpt = None,
    user: UserOpt = None,
    purpose: PurposeOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Retention: erase old records from the store and the outputs that named the people
    erased; the audit log records the erasure by counts, never the erased content."""
    if not yes:
        err.print(
            f"This erases every record before {before:%Y-%m-%d} and cannot be undone; "
            "run again with --yes to do it."
        )
        raise typer.Exit(2)
    settings = _settings(config, workspace, neo4j_uri=neo4j_uri, user=user, purpose=purpose)
    result = api.purge(settings, before.date(), _progress(quiet))
    counts = ", ".join(f"{n:,} {name}" for name, n in result.erasure.counts.items())
    out.print(f"Erased {counts}; removed {len(result.files_removed)} output files naming them.")


@app.command()
@friendly
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
    workspace: WorkspaceOpt = DEFAULT_WORKSPACE,
    config: ConfigOpt = None,
    neo4j_uri: Neo4jOpt = None,
    user: UserOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Write a briefing pack per neighbourhood for its sergeant, and an index page.

    A perpetrator is in the pack of their home neighbourhood and of every
    neighbourhood where a qualifying incident happened. Victims are shown by
    initials and reference unless --unmask --purpose TEXT.
    """
    settings = _settings(config, workspace, neo4j_uri=neo4j_uri, user=user)
    result = api.brief(
        settings,
        out_dir,
        neighbourhoods=neighbourhood or (),
        as_of=_date(as_of),
        unmask=unmask,
        purpose=purpose,
        overwrite=overwrite,
        pdf=pdf,
        progress=_progress(quiet),
    )
    people = {d.person_id for pack in result.packs for d in pack.dossiers}
    out.print(
        f"Wrote {len(result.packs)} neighbourhood packs ({len(people)} perpetrators) "
        f"to {escape(str(result.folder))}",
        soft_wrap=True,
    )
    out.print(f"Open: {escape(str(result.index))}", soft_wrap=True)


@app.command(name="profile")
@friendly
def profile_command(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for index.html, neighbourhoods/ and profile.json.")
    ],
    as_of: AsOfOpt = None,
    years: Annotated[
        int, typer.Option("--years", min=1, help="Years of quarters (default 5).")
    ] = 5,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace existing pages.")] = False,
    workspace: WorkspaceOpt = DEFAULT_WORKSPACE,
    config: ConfigOpt = None,
    neo4j_uri: Neo4jOpt = None,
    user: UserOpt = None,
    purpose: PurposeOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Problem profile for chief officers: the force's and each neighbourhood's incidents,
    repeat victims, serial perpetrators, risk mix and outcomes by quarter, with charts."""
    settings = _settings(config, workspace, neo4j_uri=neo4j_uri, user=user, purpose=purpose)
    result = api.profile(
        settings,
        out_dir,
        as_of=_date(as_of),
        years=years,
        overwrite=overwrite,
        progress=_progress(quiet),
    )
    out.print(
        f"Wrote the problem profile ({len(result.profile.quarters)} quarters, "
        f"{len(result.profile.neighbourhoods)} neighbourhoods) to {escape(str(result.folder))}",
        soft_wrap=True,
    )
    out.print(f"Open: {escape(str(result.index))}", soft_wrap=True)


@app.command(name="network")
@friendly
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
    workspace: WorkspaceOpt = DEFAULT_WORKSPACE,
    config: ConfigOpt = None,
    neo4j_uri: Neo4jOpt = None,
    user: UserOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Write a network page: a person's partners, victims, incidents and relationships, or
    those of every serial perpetrator of a neighbourhood. Opens offline in any browser."""
    settings = _settings(config, workspace, neo4j_uri=neo4j_uri, user=user)
    result = api.network(
        settings,
        out_file,
        person_id=person_id,
        neighbourhood=neighbourhood,
        depth=depth,
        since=_date(since),
        as_of=_date(as_of),
        unmask=unmask,
        purpose=purpose,
        overwrite=overwrite,
        max_nodes=max_nodes,
        progress=_progress(quiet),
    )
    graph = result.network.graph
    for note in result.network.notes:
        err.print(f"Note: {escape(note)}")
    out.print(
        f"Wrote {escape(str(result.path))}: {graph.number_of_nodes():,} nodes, "
        f"{graph.number_of_edges():,} links",
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


@app.command(name="generate")
@friendly
def generate_command(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the CSV files into.")],
    incidents: Annotated[
        int | None,
        typer.Option(
            "--incidents",
            min=10,
            help=f"Incidents in all (default {KENT_CRIMES_PER_YEAR:,} a year, Kent's volume).",
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same data.")] = 1,
    years: Annotated[int, typer.Option("--years", min=1, help="Years of records.")] = 5,
    end_date: Annotated[
        dt.datetime | None,
        typer.Option(
            "--end-date", formats=["%Y-%m-%d"], help="Last day of records (default today)."
        ),
    ] = None,
    duplicates: Annotated[
        float,
        typer.Option(
            "--duplicates",
            min=0.0,
            max=0.5,
            help="Share of people recorded again under a second id, with realistic noise.",
        ),
    ] = 0.0,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace existing files.")] = False,
) -> None:
    """Write synthetic force data with planted serial perpetrators and truth.json."""
    config = SynthConfig(
        seed=seed,
        years=years,
        incidents=incidents,
        end_date=_date(end_date) or dt.date.today(),
        duplicates=duplicates,
    )
    counts = generate(out_dir, config, overwrite=overwrite)
    truth = json.loads((out_dir / "truth.json").read_text())
    err.print(
        f"Wrote {escape(str(out_dir))}: "
        + ", ".join(f"{n:,} {name}" for name, n in counts.items())
        + f"; {len(truth['serial'])} planted serial perpetrators in truth.json"
    )


@app.command()
@friendly
def demo(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for the demo's data and outputs.")
    ] = Path("perp-graph-demo"),
    seed: Annotated[int, typer.Option("--seed")] = 2014,
    incidents: Annotated[
        int | None, typer.Option("--incidents", min=10, help="Default: 5 years of Kent's volume.")
    ] = None,
    pdf: Annotated[
        bool,
        typer.Option(
            "--pdf/--no-pdf", help="Print the briefings to PDF (when a browser is found)."
        ),
    ] = True,
    quiet: QuietOpt = False,
) -> None:
    """Generate a force-sized synthetic data set, load it, scan it, write the outputs and
    the neighbourhood briefings."""
    result = api.demo(out_dir, seed=seed, incidents=incidents, pdf=pdf, progress=_progress(quiet))
    _print_load_report(result.load_report, Settings(workspace=out_dir / "workspace"))
    out.print()
    print_table(result.result, out, limit=15)
    out.print()
    out.print(f"Briefings: {escape(str(result.files['briefings']))}", soft_wrap=True)
    for note in result.notes:
        err.print(f"Note: {escape(note)}")
    out.print()
    out.print("Open:")
    for label, path in result.files.items():
        out.print(f"  {label:<12} {escape(str(path))}", soft_wrap=True)
    out.print(f"  {'workspace':<12} {escape(str(out_dir / 'workspace'))}", soft_wrap=True)


identities_app = typer.Typer(
    help="Review the pairs of person records that may be one person; confirm or reject them.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(identities_app, name="identities")


@identities_app.command("review")
@friendly
def identities_review(
    limit: Annotated[int, typer.Option("--limit", min=1, help="Show at most this many.")] = 50,
    unmask: Annotated[
        bool,
        typer.Option("--unmask", help="Show full names (needs --purpose); initials otherwise."),
    ] = False,
    purpose: PurposeOpt = None,
    user: UserOpt = None,
    workspace: WorkspaceOpt = DEFAULT_WORKSPACE,
    config: ConfigOpt = None,
    neo4j_uri: Neo4jOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """List the possible pairs with both records side by side: first those a finding
    depends on or that may make a serial perpetrator, then those touching a finding, then
    the rest, each group most likely first (names as initials unless --unmask --purpose
    TEXT)."""
    settings = _settings(config, workspace, neo4j_uri=neo4j_uri, user=user, purpose=purpose)
    pairs = api.review_identities(settings, limit, unmask=unmask)
    if not pairs:
        out.print("No possible pairs: nothing to review.")
        return
    out.print(f"{_count(len(pairs), 'possible pair')}: perp-graph identities confirm|reject A B")
    for number, pair in enumerate(pairs, 1):
        heading = f"{number}. p {pair.match_probability:.2f}"
        out.print()
        out.print(escape(heading + (f": {pair.stakes}" if pair.stakes else "")))
        _print_pair(pair.record_a, pair.record_b)
        out.print(escape(f"why: {pair.reason}"))


#: The review's columns: (heading, record key, whether it may be folded). Ids, dates, PNC
#: ids and postcodes are what an analyst reads or types next: never cut or folded.
_REVIEW_COLUMNS = (
    ("record", "person_id", False),
    ("forenames", "forenames", True),
    ("surname", "surname", True),
    ("born", "date_of_birth", False),
    ("sex", "gender", False),
    ("PNC", "pnc_id", False),
    ("postcode", "home_postcode", False),
)


def _print_pair(record_a: dict, record_b: dict) -> None:
    """Two records side by side (columns blank on both left out). When the values that
    may not be folded do not fit the terminal's width, one line per record instead (wrapped
    between words, never inside an id or a date)."""
    records = (record_a, record_b)
    columns = [
        c for c in _REVIEW_COLUMNS if c[1] == "person_id" or any(r.get(c[1]) for r in records)
    ]
    # Names may fold, but not below their heading or 12 characters.
    whole = sum(
        min(needed, 12) if folds else needed
        for heading, key, folds in columns
        for needed in [max(len(heading), *(len(r.get(key, "")) for r in records))]
    )
    if whole + 2 * (len(columns) - 1) <= out.width:
        table = Table(box=None, pad_edge=False, padding=(0, 2, 0, 0))
        for heading, _key, folds in columns:
            table.add_column(heading, overflow="fold", no_wrap=not folds)
        for record in records:
            table.add_row(*(escape(record.get(key, "")) for _heading, key, _folds in columns))
        out.print(table)
        return
    for record in records:
        parts = [
            (f"{heading} " if key not in ("person_id", "forenames", "surname") else "")
            + record.get(key, "")
            for heading, key, _folds in columns
            if record.get(key)
        ]
        out.print(escape("  ".join(parts)))


def _count(n: int, noun: str, plural: str | None = None) -> str:
    """ "1 person", "2 people": a count with its noun in the right number."""
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"


def _decide(decision: str, record_a: str, record_b: str, settings: Settings, user: str | None):
    identities = api.decide_identities(settings, record_a, record_b, decision, user)
    counts = identities.counts()
    verb = "Confirmed" if decision == "confirm" else "Rejected"
    merged = _count(counts["identities_merged"], "merged person", "merged people")
    out.print(
        f"{verb} {escape(record_a)} / {escape(record_b)}; now "
        f"{_count(counts['records_merged'], 'record')} in {merged}, "
        f"{_count(counts['possible_pairs'], 'pair')} to review. The decision is kept and "
        "re-applied on every later load."
    )


@identities_app.command("confirm")
@friendly
def identities_confirm(
    record_a: Annotated[str, typer.Argument(help="A person record id.")],
    record_b: Annotated[str, typer.Argument(help="Another person record id.")],
    user: UserOpt = None,
    workspace: WorkspaceOpt = DEFAULT_WORKSPACE,
    config: ConfigOpt = None,
    neo4j_uri: Neo4jOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Confirm that two records are one person (never across one incident)."""
    _decide("confirm", record_a, record_b, _settings(config, workspace, neo4j_uri=neo4j_uri), user)


@identities_app.command("reject")
@friendly
def identities_reject(
    record_a: Annotated[str, typer.Argument(help="A person record id.")],
    record_b: Annotated[str, typer.Argument(help="Another person record id.")],
    user: UserOpt = None,
    workspace: WorkspaceOpt = DEFAULT_WORKSPACE,
    config: ConfigOpt = None,
    neo4j_uri: Neo4jOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Record that two records are different people: never in one identity again, through
    any chain of merges."""
    _decide("reject", record_a, record_b, _settings(config, workspace, neo4j_uri=neo4j_uri), user)


class ExportFormat(StrEnum):
    csv = "csv"
    json = "json"


@identities_app.command("export")
@friendly
def identities_export(
    output_format: Annotated[
        ExportFormat, typer.Option("--format", help="csv or json.")
    ] = ExportFormat.csv,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace --output.")] = False,
    purpose: PurposeOpt = None,
    user: UserOpt = None,
    workspace: WorkspaceOpt = DEFAULT_WORKSPACE,
    config: ConfigOpt = None,
    neo4j_uri: Neo4jOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """List every person record id with its identity id and how it was decided (rule,
    model score, analyst), to audit the grouping. Ids only, no names; --output needs
    --purpose."""
    settings = _settings(config, workspace, neo4j_uri=neo4j_uri, user=user, purpose=purpose)
    if output is not None:
        api.require_export_purpose(settings, "identities export")
    rows = api.export_identities(settings)
    as_format = ScanFormat.csv if output_format is ExportFormat.csv else ScanFormat.json
    _deliver(
        settings,
        as_format,
        output,
        overwrite=overwrite,
        quiet=quiet,
        json_text=lambda: identities_json(rows),
        csv_text=lambda: identities_csv(rows),
        show=lambda console: None,
        command="identities export",
        person_ids=lambda: [r.record_id for r in rows],
        what=f"{len(rows):,} records",
    )


audit_app = typer.Typer(
    help="The audit log (Data Protection Act 2018 s.62): verify its chain, show records.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
@friendly
def audit_verify(workspace: WorkspaceOpt = DEFAULT_WORKSPACE) -> None:
    """Check every record's hash and the chain; name any record edited, deleted, inserted
    or moved. Exit code 4 when the log does not verify."""
    log = AuditLog(workspace)
    n, problems = log.verify()
    if not problems:
        out.print(f"Audit log {escape(str(log.path))}: {n:,} records, chain intact.")
        return
    for problem in problems:
        err.print(f"[bold red]Audit problem:[/] {escape(str(problem))}")
    err.print(f"{len(problems)} problem(s) in {n:,} records of {escape(str(log.path))}")
    raise typer.Exit(AuditError.exit_code)


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
) -> None:
    """List audit records filtered by person, user and date."""
    records = AuditLog(workspace).show(
        person_id=person, user=user, since=_date(since), until=_date(until)
    )
    if output_format is ReportFormat.json:
        for record in records:
            typer.echo(json.dumps(record, ensure_ascii=False))
        return
    table = Table(title=f"{len(records)} audit records", title_justify="left")
    for column in ("#", "when (UTC)", "user", "operation", "command", "purpose", "people", "files"):
        table.add_column(column)
    for r in records:
        table.add_row(
            str(r["seq"]),
            r["at"][:19].replace("T", " "),
            escape(r["user"]),
            r["operation"],
            escape(r["command"]),
            escape(r.get("purpose") or "-"),
            f"{len(r['person_ids']):,}",
            f"{len(r['files']):,}",
        )
    out.print(table)


# --- helpers ----------------------------------------------------------------------


def _deliver(
    settings: Settings,
    output_format: ScanFormat,
    output: Path | None,
    *,
    overwrite: bool,
    quiet: bool,
    json_text: Callable[[], str],
    csv_text: Callable[[], str],
    show: Callable[[Console], None],
    command: str,
    person_ids: Callable[[], Any],
    what: str,
) -> None:
    """Print a result, or export it to --output (audited, with its purpose)."""
    if output_format is ScanFormat.json:
        text = json_text()
    elif output_format is ScanFormat.csv:
        text = csv_text()
    elif output is None:
        show(out)
        return
    else:
        buffer = Console(file=io.StringIO(), width=200, color_system=None)
        show(buffer)
        text = buffer.file.getvalue()
    if output is None:
        typer.echo(text, nl=False)
        return
    api.export(
        settings, output, text, command=command, person_ids=person_ids(), overwrite=overwrite
    )
    if not quiet:
        err.print(f"Wrote {what} to {escape(str(output))}")


def _print_load_report(report: LoadReport, settings: Settings) -> None:
    table = Table(title=f"Loaded {escape(report.data_dir)}", title_justify="left")
    for column in ("file", "read", "loaded", "quarantined", "extra columns"):
        table.add_column(column, justify="left" if column in ("file", "extra columns") else "right")
    for f in report.files:
        table.add_row(
            escape(f.file),
            f"{f.read:,}",
            f"{f.loaded:,}",
            f"{f.quarantined:,}",
            escape(", ".join(f.extra_columns)) or "-",
        )
    out.print(table)
    for f in report.files:
        if f.quarantine_file:
            out.print(f"Quarantined rows of {escape(f.file)}: {escape(f.quarantine_file)}")
    if report.unmapped_offence_categories:
        listed = ", ".join(
            f"{escape(k)} ({v})" for k, v in report.unmapped_offence_categories.items()
        )
        out.print(
            f"Offence values not mapped to a category (loaded, counted as not violent): {listed}. "
            "Map them under [offence_codes] in the config."
        )
    print_data_quality(report.data_quality, out)
    out.print(
        "Store now holds: " + ", ".join(f"{n:,} {name}" for name, n in report.store_counts.items())
    )
    if report.removed is not None:
        out.print(
            "Erased, no longer in the full export: "
            + ", ".join(f"{n:,} {name}" for name, n in report.removed.items())
        )
    if report.identities is not None:
        i = report.identities
        out.print(
            f"Identities: {i['records_merged']:,} records merged into "
            f"{i['identities_merged']:,} "
            f"{'person' if i['identities_merged'] == 1 else 'people'}; "
            f"{i['possible_pairs']:,} possible pairs for an analyst (perp-graph identities review)"
        )
    reports = settings.workspace / "reports"
    out.print(
        f"Report: {escape(str(reports / 'last-load.json'))}; data quality: "
        f"{escape(str(reports / 'data-quality.csv'))}"
    )


if __name__ == "__main__":  # pragma: no cover
    app()
