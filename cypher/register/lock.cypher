// name: register/lock
// params: $at (ISO 8601 time of the transaction)
// returns: last_sync: the as-of day of the last sync (null before the first). Writing
// the register's node takes its lock until the transaction ends, so register writes
// run one after the other
MERGE (r:ActionRegister {id: 'register'})
SET r.locked_at = $at
RETURN r.last_sync AS last_sync
