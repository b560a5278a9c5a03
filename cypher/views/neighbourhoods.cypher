// name: views/neighbourhoods
// params: none
// returns: name: every neighbourhood someone lives in or an incident happened in
MATCH (n:Neighbourhood)
WHERE EXISTS { (n)<-[:LIVES_IN|OCCURRED_IN]-() }
RETURN n.name AS name
ORDER BY name
