"""Jobs by command family; each runs inside one Session (perp_graph.session)."""
