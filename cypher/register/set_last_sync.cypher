// name: register/set_last_sync
// params: $as_of (date: the sync's as-of day)
// returns: last_sync: the day recorded
MERGE (r:ActionRegister {id: 'register'})
SET r.last_sync = $as_of
RETURN r.last_sync AS last_sync
