"""The Neo4j URI a store may use: the schemes the driver takes, and the security rule
(verified TLS in production; credentials never in the URI). Used by `Neo4jStore` before
it connects (operations guide, "Security")."""

from __future__ import annotations

from perp_graph.errors import StoreError

URI_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")
#: Encrypted with a certificate the system trusts: the only schemes production may use.
SECURE_SCHEMES = ("neo4j+s", "bolt+s")
ENV_INSECURE = "PERP_GRAPH_NEO4J_INSECURE"


def check_uri(uri: str, allow_insecure: bool) -> None:
    """Refuse credentials in the URI (they would show in errors and process lists) and,
    unless development mode allows it, anything but a verified TLS connection."""
    scheme, _, rest = uri.partition("://")
    if "@" in rest.split("/", 1)[0]:
        raise StoreError(
            "the Neo4j URI carries a user or password; remove them from the URI and set "
            "PERP_GRAPH_NEO4J_USER and PERP_GRAPH_NEO4J_PASSWORD instead"
        )
    if scheme in URI_SCHEMES and scheme not in SECURE_SCHEMES and not allow_insecure:
        kind = "a self-signed certificate" if scheme.endswith("+ssc") else "no encryption"
        raise StoreError(
            f"the Neo4j URI {uri} uses {kind}: production must use neo4j+s:// or bolt+s:// "
            "(TLS with a verified certificate). For a development server only, pass "
            f"--insecure-dev or set {ENV_INSECURE}=1"
        )
