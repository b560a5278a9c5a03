// name: views/involvements_in
// params: $incident_ids (list of incident_id)
// returns: every involvement in these incidents: incident_id, person_id, role,
//          relationship_to_suspect, extra
UNWIND $incident_ids AS id
MATCH (p:Person)-[r:INVOLVED_IN]->(i:Incident {incident_id: id})
USING INDEX SEEK i:Incident(incident_id)
RETURN i.incident_id AS incident_id,
       p.person_id AS person_id,
       r.role AS role,
       r.relationship_to_suspect AS relationship_to_suspect,
       r.extra AS extra
