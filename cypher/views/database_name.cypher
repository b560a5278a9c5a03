// name: views/database_name
// params: none
// returns: name: the database the session runs in (the server's default when none is
//          configured), which a neo4j-admin import must replace and nothing else
CALL db.info() YIELD name
RETURN name
