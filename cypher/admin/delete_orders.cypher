// name: admin/delete_orders
// params: $keys (list of order_key)
// returns: deleted: how many orders were erased
UNWIND $keys AS key
MATCH (o:Order {order_key: key})
DETACH DELETE o
RETURN count(*) AS deleted
