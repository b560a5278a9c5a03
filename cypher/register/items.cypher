// name: register/items
// params: $ids (list of item ids, or null for every item)
// returns: item (the Action's properties), changes (its history: maps of at, user,
// status, owner, note, oldest first), one row per item by id
MATCH (a:Action)
WHERE $ids IS NULL OR a.id IN $ids
OPTIONAL MATCH (a)-[:HAS_CHANGE]->(c:ActionChange)
WITH a, c
ORDER BY c.seq
WITH a, collect(c {.at, .user, .status, .owner, .note}) AS changes
RETURN a {.*} AS item, changes
ORDER BY item.id
