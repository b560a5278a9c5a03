// name: load/bulk_occurred_in
// params: $rows (list of maps: name (a neighbourhood), ids (incident_ids that happened
//         there)), the incidents just created by load/bulk_incidents (the bulk path)
// returns: written: how many OCCURRED_IN were created
UNWIND $rows AS row
MATCH (n:Neighbourhood {name: row.name})
UNWIND row.ids AS id
MATCH (i:Incident {incident_id: id})
CREATE (i)-[:OCCURRED_IN]->(n)
RETURN count(*) AS written
