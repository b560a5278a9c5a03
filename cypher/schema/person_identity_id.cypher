// name: schema/person_identity_id
// params: none
// returns: nothing; an index to find every record of one identity (identity resolution)
CREATE INDEX person_identity_id IF NOT EXISTS FOR (p:Person) ON (p.identity_id)
