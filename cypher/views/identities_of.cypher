// name: views/identities_of
// params: $person_ids (list of record or identity ids)
// returns: record_id, identity_id: every record that belongs to another record's identity,
//          for the identities these records belong to (views/identities, for them only)
// By index seeks on the person's record and then on its identity, so a person-level
// command (network PERSON) never reads every person's identity.
UNWIND $person_ids AS id
MATCH (p:Person {person_id: id})
USING INDEX SEEK p:Person(person_id)
WITH DISTINCT p.identity_id AS identity
MATCH (r:Person {identity_id: identity})
USING INDEX SEEK r:Person(identity_id)
WHERE r.identity_id <> r.person_id
RETURN r.person_id AS record_id, r.identity_id AS identity_id
