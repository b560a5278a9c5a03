// name: load/relationships
// params: $rows (list of maps: person_id_a, person_id_b (a < b), relationship_type,
//         start_date, end_date, key (type and start date), extra)
// returns: written: how many rows were merged
UNWIND $rows AS row
MATCH (a:Person {person_id: row.person_id_a})
MATCH (b:Person {person_id: row.person_id_b})
MERGE (a)-[r:RELATED_TO {key: row.key}]->(b)
SET r.relationship_type = row.relationship_type,
    r.start_date = row.start_date,
    r.end_date = row.end_date,
    r.extra = row.extra
RETURN count(*) AS written
