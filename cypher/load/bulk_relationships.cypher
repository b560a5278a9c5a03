// name: load/bulk_relationships
// params: $rows (list of maps: person_id_a, person_id_b (a < b), relationship_type,
//         start_date, end_date, key (type and start date), extra), each key once and not
//         yet stored (the bulk path, see load/bulk_neighbourhoods)
// returns: written: how many relationships were created
// The same relationships as load/relationships, with CREATE instead of MERGE.
UNWIND $rows AS row
MATCH (a:Person {person_id: row.person_id_a})
MATCH (b:Person {person_id: row.person_id_b})
CREATE (a)-[:RELATED_TO {
  key: row.key,
  relationship_type: row.relationship_type,
  start_date: row.start_date,
  end_date: row.end_date,
  extra: row.extra
}]->(b)
RETURN count(*) AS written
