// name: admin/delete_people
// params: $ids (list of person_id)
// returns: deleted: how many person records were erased (with all their relationships)
UNWIND $ids AS id
MATCH (p:Person {person_id: id})
DETACH DELETE p
RETURN count(*) AS deleted
