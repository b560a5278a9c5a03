// name: views/all_relationships
// params: none
// returns: every relationship: person_id_a, person_id_b, relationship_type, start_date,
//          end_date
MATCH (a:Person)-[r:RELATED_TO]->(b:Person)
RETURN a.person_id AS person_id_a,
       b.person_id AS person_id_b,
       r.relationship_type AS relationship_type,
       r.start_date AS start_date,
       r.end_date AS end_date
