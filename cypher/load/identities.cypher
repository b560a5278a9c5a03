// name: load/identities
// params: $rows (list of maps: record_id, identity_id)
// returns: written: how many person records were given an identity
UNWIND $rows AS row
MATCH (p:Person {person_id: row.record_id})
SET p.identity_id = row.identity_id
RETURN count(*) AS written
