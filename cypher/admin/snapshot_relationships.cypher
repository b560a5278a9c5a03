// name: admin/snapshot_relationships
// params: none
// returns: type, source, target, properties: every relationship with its end nodes' keys
// (the caller sorts; tests compare two graphs with it)
MATCH (a)-[r]->(b)
WITH type(r) AS type,
     coalesce(a.person_id, a.incident_id, a.order_key, a.name) AS source,
     coalesce(b.person_id, b.incident_id, b.order_key, b.name) AS target,
     properties(r) AS properties
RETURN type, source, target, properties
