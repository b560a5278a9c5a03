// name: load/bulk_orders
// params: $rows (list of maps: order_key, person_id, order_type, start_date, end_date,
//         protected_person_id, details, extra), each order_key once and not yet stored (the
//         bulk path, see load/bulk_neighbourhoods)
// returns: written: how many orders protecting someone were created (the others are
//          created too)
// The same nodes and relationships as load/orders, with CREATE instead of MERGE.
UNWIND $rows AS row
MATCH (p:Person {person_id: row.person_id})
CREATE (p)-[:BOUND_BY]->(o:Order {
  order_key: row.order_key,
  order_type: row.order_type,
  start_date: row.start_date,
  end_date: row.end_date,
  details: row.details,
  extra: row.extra
})
WITH o, row
WHERE row.protected_person_id IS NOT NULL
MATCH (protected:Person {person_id: row.protected_person_id})
CREATE (o)-[:PROTECTS]->(protected)
RETURN count(*) AS written
