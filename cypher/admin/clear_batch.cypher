// name: admin/clear_batch
// params: $limit (int)
// returns: deleted: how many nodes this batch deleted (0 when the graph is empty)
MATCH (n)
WITH n LIMIT $limit
DETACH DELETE n
RETURN count(*) AS deleted
