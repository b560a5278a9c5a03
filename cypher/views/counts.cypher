// name: views/counts
// params: none
// returns: people, incidents, involvements, relationships, orders: how many are stored
CALL () { MATCH (p:Person) RETURN count(p) AS people }
CALL () { MATCH (i:Incident) RETURN count(i) AS incidents }
CALL () { MATCH ()-[r:INVOLVED_IN]->() RETURN count(r) AS involvements }
CALL () { MATCH ()-[r:RELATED_TO]->() RETURN count(r) AS relationships }
CALL () { MATCH (o:Order) RETURN count(o) AS orders }
RETURN people, incidents, involvements, relationships, orders
