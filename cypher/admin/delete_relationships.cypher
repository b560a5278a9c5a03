// name: admin/delete_relationships
// params: $rows (list of maps: person_id_a, person_id_b, key (type and start date))
// returns: deleted: how many relationships were erased
UNWIND $rows AS row
MATCH (:Person {person_id: row.person_id_a})-[r:RELATED_TO {key: row.key}]->(:Person {person_id: row.person_id_b})
DELETE r
RETURN count(*) AS deleted
