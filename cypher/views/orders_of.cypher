// name: views/orders_of
// params: $person_ids (list of person_id)
// returns: every order binding these people: person_id, order_type, start_date, end_date,
//          protected_person_id, details, extra
UNWIND $person_ids AS id
MATCH (p:Person {person_id: id})-[:BOUND_BY]->(o:Order)
USING INDEX SEEK p:Person(person_id)
OPTIONAL MATCH (o)-[:PROTECTS]->(protected:Person)
RETURN p.person_id AS person_id,
       o.order_type AS order_type,
       o.start_date AS start_date,
       o.end_date AS end_date,
       protected.person_id AS protected_person_id,
       o.details AS details,
       o.extra AS extra
