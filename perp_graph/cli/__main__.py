"""`python -m perp_graph.cli`."""

from perp_graph.cli import app

app()
