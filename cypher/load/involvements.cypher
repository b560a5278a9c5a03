// name: load/involvements
// params: $rows (list of maps: incident_id, person_id, role, relationship_to_suspect, extra)
// returns: written: how many rows were merged
UNWIND $rows AS row
MATCH (p:Person {person_id: row.person_id})
MATCH (i:Incident {incident_id: row.incident_id})
MERGE (p)-[r:INVOLVED_IN {role: row.role}]->(i)
SET r.relationship_to_suspect = row.relationship_to_suspect,
    r.extra = row.extra
RETURN count(*) AS written
