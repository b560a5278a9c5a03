// name: views/relationships_of
// params: $person_ids (list of person_id)
// returns: every relationship with at least one end among these people: person_id_a,
//          person_id_b, relationship_type, start_date, end_date, extra
UNWIND $person_ids AS id
MATCH (p:Person {person_id: id})-[r:RELATED_TO]-(:Person)
USING INDEX SEEK p:Person(person_id)
WITH DISTINCT r
MATCH (a:Person)-[r]->(b:Person)
RETURN a.person_id AS person_id_a,
       b.person_id AS person_id_b,
       r.relationship_type AS relationship_type,
       r.start_date AS start_date,
       r.end_date AS end_date,
       r.extra AS extra
