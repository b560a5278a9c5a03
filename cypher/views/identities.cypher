// name: views/identities
// params: none
// returns: record_id, identity_id: every record that belongs to another record's identity
MATCH (p:Person)
WHERE p.identity_id <> p.person_id
RETURN p.person_id AS record_id, p.identity_id AS identity_id
