// name: admin/clear_relationships_batch
// params: $limit (int)
// returns: deleted: how many relationships this batch deleted (0 when none is left)
// Relationships go first, a batch at a time: a neighbourhood holds a relationship from
// every person living in it and every incident in it (135k each at 1M incidents), and
// DETACH DELETE of a batch of nodes holding a few of those ran the server out of heap.
MATCH ()-[r]->()
WITH r LIMIT $limit
DELETE r
RETURN count(*) AS deleted
