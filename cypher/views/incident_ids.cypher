// name: views/incident_ids
// params: none
// returns: id: every stored incident_id
MATCH (i:Incident)
RETURN i.incident_id AS id
