// name: views/all_involvements
// params: none
// returns: every involvement: incident_id, person_id, role, relationship_to_suspect
MATCH (p:Person)-[r:INVOLVED_IN]->(i:Incident)
RETURN i.incident_id AS incident_id,
       p.person_id AS person_id,
       r.role AS role,
       r.relationship_to_suspect AS relationship_to_suspect
