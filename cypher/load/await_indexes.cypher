// name: load/await_indexes
// params: $timeout_seconds (int)
// returns: nothing; waits until every index is online (the indexes created after a
//          neo4j-admin import fill in the background, and the USING INDEX SEEK hints
//          need them), failing after $timeout_seconds
CALL db.awaitIndexes($timeout_seconds)
