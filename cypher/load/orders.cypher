// name: load/orders
// params: $rows (list of maps: order_key, person_id, order_type, start_date, end_date,
//         protected_person_id, details, extra)
// returns: written: how many rows were merged
UNWIND $rows AS row
MATCH (p:Person {person_id: row.person_id})
MERGE (o:Order {order_key: row.order_key})
SET o.order_type = row.order_type,
    o.start_date = row.start_date,
    o.end_date = row.end_date,
    o.details = row.details,
    o.extra = row.extra
MERGE (p)-[:BOUND_BY]->(o)
WITH o, row
CALL (o, row) {
  WITH o, row WHERE row.protected_person_id IS NOT NULL
  MATCH (protected:Person {person_id: row.protected_person_id})
  MERGE (o)-[:PROTECTS]->(protected)
}
RETURN count(*) AS written
