"""Options every store command shares, declared once, and the decorator that adds them.

`store_command(...)` adds the shared options (--workspace, --config, --neo4j-uri, --user,
--purpose, --quiet, and where asked --dayfirst and --resolve) to a command, builds the
command's `Settings` from them and the root options (`--insecure-dev`, kept in the
context, never in the environment), and passes `settings` and `progress` to the
command's body. Library errors become a one-line message and an exit code, never a
traceback. Model: sqlite-utils' shared option decorators (architecture guide).
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from perp_graph.errors import PerpGraphError
from perp_graph.progress import BarProgress, Progress
from perp_graph.settings import ENV_CONFIG, ENV_WORKSPACE, Settings, load_settings

out = Console(highlight=False)
err = Console(stderr=True, soft_wrap=True, highlight=False)

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_WORKSPACE = Path(".perp-graph")


@dataclass
class RootOptions:
    """What the options before the command say (`perp-graph --insecure-dev scan`)."""

    insecure_dev: bool = False


def friendly(command: F) -> F:
    """Turn library errors into a message on stderr and the error's exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except PerpGraphError as exc:
            err.print(f"[bold red]Error:[/] {escape(str(exc))}", soft_wrap=True, highlight=False)
            raise typer.Exit(exc.exit_code) from None

    return wrapper  # type: ignore[return-value]


# --- the shared options, declared once -----------------------------------------------------------

WorkspaceOpt = Annotated[
    Path,
    typer.Option(
        "--workspace",
        envvar=ENV_WORKSPACE,
        help="Folder holding the embedded store, audit log, reports and quarantine files.",
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

LimitOpt = Annotated[
    int,
    typer.Option(
        "--limit",
        min=1,
        help="Rows in each section of the table (default 20); the CSV and JSON hold all.",
    ),
]
AllOpt = Annotated[
    bool, typer.Option("--all", help="Every row of every section of the table (no --limit).")
]

#: name -> (annotation, default) of each shared option.
_SHARED: dict[str, tuple[Any, Any]] = {
    "workspace": (WorkspaceOpt, DEFAULT_WORKSPACE),
    "config": (ConfigOpt, None),
    "neo4j_uri": (Neo4jOpt, None),
    "user": (UserOpt, None),
    "purpose": (PurposeOpt, None),
    "quiet": (QuietOpt, False),
    "dayfirst": (DayfirstOpt, None),
    "resolve": (ResolveOpt, None),
}
_ALWAYS = ("workspace", "config", "neo4j_uri", "user", "purpose", "quiet")


def progress_for(quiet: bool) -> Progress:
    """Progress bars on stderr, or nothing with --quiet."""
    return Progress() if quiet else BarProgress(err)


def as_date(value: dt.datetime | None) -> dt.date | None:
    """A date option's day (typer reads dates as datetimes)."""
    return value.date() if value is not None else None


def rows_limit(limit: int, every: bool) -> int | None:
    """The rows each table section shows: None (all) with --all, else --limit."""
    return None if every else limit


def build_settings(ctx: typer.Context | None, **options: Any) -> Settings:
    """The command's settings: defaults, then the config file, the environment, then
    the flags given (a flag left unset keeps the earlier layer), then the root options."""
    config, workspace = options.pop("config", None), options.pop("workspace", DEFAULT_WORKSPACE)
    settings = load_settings(config=config, workspace=workspace).with_flags(**options)
    root = ctx.find_root().obj if ctx is not None else None
    if isinstance(root, RootOptions) and root.insecure_dev:
        settings = settings.with_flags(neo4j_insecure=True)
    return settings


def store_command(*, dayfirst: bool = False, resolve: bool = False) -> Callable[[F], F]:
    """Add the shared options to a command whose body takes `settings: Settings` and
    `progress: Progress` (and any options of its own).

    Args:
        dayfirst, resolve: also offer --dayfirst/--no-dayfirst, --resolve/--no-resolve.
    """
    wanted = [*_ALWAYS, *(["dayfirst"] if dayfirst else []), *(["resolve"] if resolve else [])]

    def decorate(body: F) -> F:
        signature = inspect.signature(body, eval_str=True)
        # A shared option the body declares itself (brief's --purpose, with its own help)
        # is the body's: it is not added again, and the body passes it on.
        names = [n for n in wanted if n == "quiet" or n not in signature.parameters]
        own = [
            p
            for p in signature.parameters.values()
            if p.name not in ("settings", "progress", "quiet")
        ]
        shared = [
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=_SHARED[name][0],
                default=_SHARED[name][1],
            )
            for name in names
        ]
        wants_progress = "progress" in signature.parameters

        @functools.wraps(body)
        def command(**kwargs: Any) -> Any:
            ctx = kwargs.pop("ctx")
            options = {name: kwargs.pop(name) for name in names}
            quiet = options.pop("quiet")
            settings = build_settings(ctx, **options)
            extra: dict[str, Any] = {"settings": settings}
            if wants_progress:
                extra["progress"] = progress_for(quiet)
            if "quiet" in signature.parameters:
                extra["quiet"] = quiet
            return body(**kwargs, **extra)

        context = inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context)
        parameters = own + shared + [context]
        command.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in parameters}
        return friendly(command)  # type: ignore[return-value]

    return decorate
