// name: views/is_empty
// params: none
// returns: empty: true when the database holds no node at all (not even a load state), so
//          that a load may take the bulk path (CREATE, no MERGE)
RETURN NOT EXISTS { MATCH (n) } AS empty
