// name: register/update
// params: $rows (list of maps: id, status, owner, note, changed_by, changed_at,
// lapsed_on, change (the new history entry: at, user, status, owner, note))
// returns: updated: how many items were changed; each gains its entry at the end of
// its history (append-only: earlier entries are never touched)
UNWIND $rows AS row
MATCH (a:Action {id: row.id})
SET a.status = row.status,
    a.owner = row.owner,
    a.note = row.note,
    a.changed_by = row.changed_by,
    a.changed_at = row.changed_at,
    a.lapsed_on = row.lapsed_on,
    a.changes = coalesce(a.changes, 0) + 1
CREATE (a)-[:HAS_CHANGE]->(c:ActionChange)
SET c = row.change, c.item_id = a.id, c.seq = a.changes
RETURN count(a) AS updated
