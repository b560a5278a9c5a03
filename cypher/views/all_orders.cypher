// name: views/all_orders
// params: none
// returns: every order without its details: person_id, order_type, start_date, end_date,
//          protected_person_id
MATCH (p:Person)-[:BOUND_BY]->(o:Order)
OPTIONAL MATCH (o)-[:PROTECTS]->(protected:Person)
RETURN p.person_id AS person_id,
       o.order_type AS order_type,
       o.start_date AS start_date,
       o.end_date AS end_date,
       protected.person_id AS protected_person_id
