// name: register/last_sync
// params: none
// returns: last_sync: the as-of day of the last sync (no row before the first)
MATCH (r:ActionRegister {id: 'register'})
RETURN r.last_sync AS last_sync
