// name: views/graph_counts
// params: none
// returns: people, incidents, neighbourhoods, orders, load_states (nodes per label),
//          involvements, relationships, lives_in, occurred_in, bound_by, protects
//          (relationships per type): every kind of thing a first load writes, counted from
//          the database's count store (checked after a neo4j-admin import)
CALL () { MATCH (n:Person) RETURN count(n) AS people }
CALL () { MATCH (n:Incident) RETURN count(n) AS incidents }
CALL () { MATCH (n:Neighbourhood) RETURN count(n) AS neighbourhoods }
CALL () { MATCH (n:Order) RETURN count(n) AS orders }
CALL () { MATCH (n:LoadState) RETURN count(n) AS load_states }
CALL () { MATCH ()-[r:INVOLVED_IN]->() RETURN count(r) AS involvements }
CALL () { MATCH ()-[r:RELATED_TO]->() RETURN count(r) AS relationships }
CALL () { MATCH ()-[r:LIVES_IN]->() RETURN count(r) AS lives_in }
CALL () { MATCH ()-[r:OCCURRED_IN]->() RETURN count(r) AS occurred_in }
CALL () { MATCH ()-[r:BOUND_BY]->() RETURN count(r) AS bound_by }
CALL () { MATCH ()-[r:PROTECTS]->() RETURN count(r) AS protects }
RETURN people, incidents, neighbourhoods, orders, load_states, involvements, relationships,
       lives_in, occurred_in, bound_by, protects
