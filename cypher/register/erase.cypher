// name: register/erase
// params: $person_ids (list of the erased people's ids)
// returns: action_items, action_history: how many items about these people were deleted,
// and how many history entries with them (register/raise and register/update link every
// entry to its item)
MATCH (a:Action)
WHERE a.person_id IN $person_ids
OPTIONAL MATCH (a)-[:HAS_CHANGE]->(c:ActionChange)
WITH a, collect(c) AS history
WITH a, history, size(history) AS entries
FOREACH (c IN history | DETACH DELETE c)
DETACH DELETE a
RETURN count(*) AS action_items, coalesce(sum(entries), 0) AS action_history
