// name: views/person_ids
// params: none
// returns: id: every stored person_id
MATCH (p:Person)
RETURN p.person_id AS id
