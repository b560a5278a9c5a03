// name: register/raise
// params: $rows (list of maps: item (the Action's properties: id, person_id,
// neighbourhood, kind, key, text, reason, evidence_ids, raised_on, due_by, status,
// owner, note, changed_by, changed_at), change (its first history entry: at, user,
// status, owner, note))
// returns: raised: how many items were created (each linked to its person's identity
// node when the store holds it)
UNWIND $rows AS row
CREATE (a:Action)
SET a = row.item, a.changes = 1
CREATE (a)-[:HAS_CHANGE]->(c:ActionChange)
SET c = row.change, c.item_id = a.id, c.seq = 1
WITH a
OPTIONAL MATCH (p:Person {person_id: a.person_id})
FOREACH (person IN CASE WHEN p IS NULL THEN [] ELSE [p] END |
  MERGE (a)-[:ABOUT]->(person))
RETURN count(a) AS raised
