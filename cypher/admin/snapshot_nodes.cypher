// name: admin/snapshot_nodes
// params: none
// returns: label, properties: every node except the load state (the caller sorts)
// (tests compare two graphs with it)
MATCH (n)
WHERE NOT n:LoadState
WITH labels(n)[0] AS label, properties(n) AS properties
RETURN label, properties
