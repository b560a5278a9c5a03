// name: load/bulk_lives_in
// params: $rows (list of maps: name (a neighbourhood), ids (person_ids living there)), the
//         people just created by load/bulk_people (the bulk path)
// returns: written: how many LIVES_IN were created
UNWIND $rows AS row
MATCH (n:Neighbourhood {name: row.name})
UNWIND row.ids AS id
MATCH (p:Person {person_id: id})
CREATE (p)-[:LIVES_IN]->(n)
RETURN count(*) AS written
