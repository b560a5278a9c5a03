"""perp-graph: find and manage serial perpetrators of domestic abuse.

The ACPO (2009) definition, made operational over records-system exports.
"""

__version__ = "0.1.0"
