// name: schema/action_register_unique
// params: none
// returns: nothing; a single ActionRegister node holds the action register's lock and
// its last sync
CREATE CONSTRAINT action_register_unique IF NOT EXISTS
FOR (r:ActionRegister) REQUIRE r.id IS UNIQUE
