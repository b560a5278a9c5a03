// name: schema/load_state_unique
// params: none
// returns: nothing; a single LoadState node records whether the last load finished
CREATE CONSTRAINT load_state_unique IF NOT EXISTS
FOR (s:LoadState) REQUIRE s.id IS UNIQUE
