// name: admin/delete_involvements
// params: $rows (list of maps: incident_id, person_id, role)
// returns: deleted: how many involvements were erased
UNWIND $rows AS row
MATCH (:Person {person_id: row.person_id})-[r:INVOLVED_IN {role: row.role}]->(:Incident {incident_id: row.incident_id})
DELETE r
RETURN count(*) AS deleted
