"""The `perp-graph` application object and the options given before a command."""

from __future__ import annotations

from typing import Annotated

import typer

from perp_graph.cli.options import RootOptions
from perp_graph.settings import ENV_NEO4J_INSECURE

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


@app.callback()
def main(
    ctx: typer.Context,
    insecure_dev: Annotated[
        bool,
        typer.Option(
            "--insecure-dev",
            help="Development only: allow a Neo4j connection without TLS or with a "
            f"self-signed certificate (same as {ENV_NEO4J_INSECURE}=1).",
        ),
    ] = False,
) -> None:
    """Options before the command apply to it; kept in the context (never the environment)."""
    ctx.obj = RootOptions(insecure_dev=insecure_dev)
