"""Network pages: a pyvis network, drawn by a vendored vis-network, in our own template.

pyvis turns the networkx graph into vis-network's nodes, edges and options.
We do not use pyvis's HTML template: it loads vis-network and Bootstrap from
CDNs and turns any tooltip containing "href" into HTML. Our template inlines
the vendored vis-network, passes the data as JSON in a non-executable script
element (with <, > and & escaped), keeps tooltips as plain text, and allows
only its own two inline scripts by hash (Content-Security-Policy), so a page
fetches nothing and runs nothing else.

The encodings (shape, colour, line style per kind of node and edge) live in
NODE_STYLES and EDGE_STYLES; the legend is drawn from the same tables.

Each focus person's cluster is labelled on the drawing and listed beside it (below it on
a phone) in the page's order, by priority on a neighbourhood page; a tap on a list item,
a search match or a node fills a details panel, so nothing needs a hover.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from markupsafe import Markup
from pyvis.network import Network

from perp_graph import __version__
from perp_graph.analytics.network import (
    Cluster,
    NetworkGraph,
    clusters,
    layout,
    ranked_clusters,
)
from perp_graph.render.briefing import environment, stylesheet
from perp_graph.wording import count, day

VIS_NETWORK = "vis-network-10.1.2"


@dataclass(frozen=True)
class NodeStyle:
    """How the page draws one kind of node (label in the legend, vis-network shape, colour, size in
    px)."""

    label: str
    shape: str
    color: str
    size: int


@dataclass(frozen=True)
class EdgeStyle:
    """How the page draws one kind of edge (legend label, colour, width in px, dash pattern,
    arrows)."""

    label: str
    color: str
    width: float
    dashes: tuple[int, ...] | None  # None: solid
    arrows: str = ""

    @property
    def line(self) -> str:
        """The line in words for the legend: solid, dotted, dashed or dash-dot."""
        if not self.dashes:
            return "solid"
        if len(self.dashes) > 2:
            return "dash-dot"
        return "dotted" if self.dashes[0] <= 3 else "dashed"


NODE_STYLES: dict[str, NodeStyle] = {
    "perpetrator": NodeStyle("Serial perpetrator", "diamond", "#b00020", 26),
    "victim": NodeStyle("Victim", "dot", "#e66100", 16),
    "suspect": NodeStyle("Other suspect", "triangle", "#5e3c99", 16),
    "person": NodeStyle("Other person (witness, other)", "square", "#6b6b6b", 12),
    "qualifying_incident": NodeStyle("Qualifying incident", "star", "#7a0010", 14),
    "incident": NodeStyle("Other incident", "square", "#b0b0b0", 8),
}

EDGE_STYLES: dict[str, EdgeStyle] = {
    "intimate_partner": EdgeStyle("Intimate partner", "#b00020", 3, None),
    "ex_intimate_partner": EdgeStyle("Ex-intimate partner", "#d9738a", 2, None),
    "family": EdgeStyle("Family", "#1f5fa8", 2, (10, 6)),
    "household": EdgeStyle("Household", "#2e7d32", 2, (2, 5)),
    "associate": EdgeStyle("Associate", "#6b6b6b", 1, (8, 4, 2, 4)),
    "suspect_in": EdgeStyle("Suspect in the incident", "#5e3c99", 1.5, None, "to"),
    "victim_in": EdgeStyle("Victim in the incident", "#e66100", 1.5, None, "to"),
    "other_in": EdgeStyle("Witness or other in the incident", "#9a9a9a", 1, None),
}


def to_pyvis(network: NetworkGraph, owner: dict[str, str] | None = None) -> Network:
    """The graph as a pyvis Network, styled by kind, placed by our layout; each node
    carries its cluster (the focus person id it is drawn with; `owner` from `clusters`)."""
    owner = clusters(network) if owner is None else owner
    positions = layout(network, owner=owner)
    net = Network(directed=True, cdn_resources="local")
    graph = network.graph
    styled = type(graph)()
    for node, data in graph.nodes(data=True):
        style = NODE_STYLES[data["kind"]]
        x, y = positions[node]
        attributes = {
            "label": data["label"],
            "title": data["title"],
            "kind": data["kind"],
            "shape": style.shape,
            "color": style.color,
            "size": style.size * (1.3 if data.get("focus") else 1),
            "x": round(x, 1),
            "y": round(y, 1),
            "cluster": owner.get(node, ""),
        }
        if data.get("date"):
            attributes["date"] = data["date"]
        if data.get("person_id"):
            attributes["person_id"] = data["person_id"]
        styled.add_node(node, **attributes)
    for source, target, data in graph.edges(data=True):
        style = EDGE_STYLES[data["kind"]]
        attributes = {
            "title": data["title"],
            "kind": data["kind"],
            "color": style.color,
            "width": style.width,
            "dashes": list(style.dashes) if style.dashes else False,
            "arrows": style.arrows,
        }
        if data.get("date"):
            attributes["date"] = data["date"]
        styled.add_edge(source, target, **attributes)
    net.from_nx(styled, default_node_size=10, show_edge_weights=False)
    return net


def options(node_count: int) -> dict[str, Any]:
    """vis-network options: a short, bounded stabilisation from our layout, then still."""
    iterations = max(20, min(300, 60_000 // max(node_count, 1)))
    return {
        "physics": {
            "enabled": True,
            "solver": "barnesHut",
            "barnesHut": {
                "gravitationalConstant": -3000,
                "springLength": 80,
                "avoidOverlap": 0.2,
            },
            "stabilization": {"enabled": True, "iterations": iterations, "fit": True},
        },
        "layout": {"improvedLayout": False, "randomSeed": 7},
        "interaction": {
            "hover": True,
            "tooltipDelay": 150,
            "navigationButtons": False,
            "keyboard": {"enabled": True, "bindToWindow": False, "autoFocus": False},
            "hideEdgesOnDrag": node_count > 1000,
        },
        "nodes": {"font": {"size": 12, "face": "DejaVu Sans, Arial, sans-serif"}},
        "edges": {"smooth": False, "font": {"size": 10}},
    }


def cluster_summary(cluster: Cluster) -> str:
    """One line about a cluster's person for the list and the details panel: priority
    score and band, status, victims, latest incident (dates as everywhere else)."""
    parts = []
    priority = cluster.priority
    if priority is not None:
        parts.append(f"priority {priority.score:g} ({priority.band})")
    elif cluster.kind == "perpetrator":
        parts.append("no priority score")
    if cluster.status:
        parts.append(cluster.status)
    if cluster.victims:
        parts.append(count(cluster.victims, "intimate-partner victim"))
    if priority is not None:
        parts.append(f"latest incident {day(priority.latest_incident_on)}")
    return ", ".join(parts)


def cluster_rows(network: NetworkGraph, owner: dict[str, str]) -> list[dict[str, Any]]:
    """The clusters as the page lists and labels them: id, rank, the label the drawing
    shows (and without its id, for the drawing's cluster labels), the summary line."""
    rows = []
    for cluster in ranked_clusters(network, owner):
        rows.append(
            {
                "id": cluster.person_id,
                "node": f"person:{cluster.person_id}",
                "rank": cluster.rank,
                "label": cluster.label,
                "name": cluster.label.removesuffix(f" ({cluster.person_id})"),
                "kind": cluster.kind,
                "summary": cluster_summary(cluster),
                "size": cluster.size,
            }
        )
    return rows


@cache
def vis_network_js() -> str:
    """The vendored vis-network library's source (inlined: pages load nothing from a CDN)."""
    path = resources.files("perp_graph.render").joinpath(
        f"static/vendor/{VIS_NETWORK}/vis-network.min.js"
    )
    return path.read_text("utf-8")


@cache
def page_css() -> Markup:
    """The network page's own stylesheet (static/network.css), inlined after the house's."""
    return Markup(
        resources.files("perp_graph.render").joinpath("static/network.css").read_text("utf-8")
    )


@cache
def page_js() -> str:
    """The network page's own script (static/network.js), inlined into each page."""
    return resources.files("perp_graph.render").joinpath("static/network.js").read_text("utf-8")


def _json_for_html(value: Any) -> str:
    """JSON that cannot end its script element or start markup."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(raw, escaped)
    return text


def _script_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode() + "'"


def render_network(
    network: NetworkGraph,
    *,
    title: str,
    store: str,
    unmask: bool = False,
    purpose: str | None = None,
    generated_at: dt.datetime | None = None,
    back_href: str | None = None,
) -> str:
    """A self-contained HTML page drawing the network, its clusters labelled and listed
    in the page's order (by priority on a neighbourhood page), with search and a details
    panel."""
    owner = clusters(network)
    net = to_pyvis(network, owner)
    nodes, edges, _heading, _height, _width, _options = net.get_network_data()
    dates = sorted({n["date"] for n in nodes if n.get("date")})
    listed = cluster_rows(network, owner)
    data = {
        "nodes": nodes,
        "edges": edges,
        "options": options(len(nodes)),
        "asOf": network.as_of.isoformat(),
        "windowYears": network.window_years,
        "focus": [f"person:{p}" for p in network.focus],
        "firstDate": dates[0] if dates else network.as_of.isoformat(),
        "clusters": listed,
    }
    scripts = [vis_network_js(), page_js()]
    used = network.kinds()
    return (
        environment()
        .get_template("network.html")
        .render(
            css=stylesheet(),
            page_css=page_css(),
            clusters=listed,
            ranked=bool(network.priorities),
            version=__version__,
            generated_at=generated_at or dt.datetime.now(dt.UTC),
            store=store,
            title=title,
            network=network,
            data_json=Markup(_json_for_html(data)),
            scripts=[Markup(s) for s in scripts],
            script_hashes=" ".join(_script_hash(s) for s in scripts),
            node_styles={k: s for k, s in NODE_STYLES.items() if k in used},
            edge_styles={k: s for k, s in EDGE_STYLES.items() if k in used},
            counts=f"{count(len(nodes), 'node')}, {count(len(edges), 'link')}",
            unmask=unmask,
            purpose=purpose,
            back_href=back_href,
            people=sorted(
                (n for n in nodes if n["kind"] in ("perpetrator", "victim", "suspect", "person")),
                key=lambda n: (list(NODE_STYLES).index(n["kind"]), n["label"]),
            ),
        )
    )
