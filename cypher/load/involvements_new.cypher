// name: load/involvements_new
// params: $rows (list of maps: incident_id, person_id, role, relationship_to_suspect, extra), only
//         rows of incidents that did not exist when this load began, so none of these
//         relationships can exist yet (CREATE is then safe and faster than MERGE)
// returns: written: how many relationships were created
UNWIND $rows AS row
MATCH (p:Person {person_id: row.person_id})
MATCH (i:Incident {incident_id: row.incident_id})
CREATE (p)-[r:INVOLVED_IN {role: row.role}]->(i)
SET r.relationship_to_suspect = row.relationship_to_suspect,
    r.extra = row.extra
RETURN count(*) AS written
