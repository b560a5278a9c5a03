// name: schema/incident_id_unique
// params: none
// returns: nothing; one Incident per incident_id
CREATE CONSTRAINT incident_id_unique IF NOT EXISTS
FOR (i:Incident) REQUIRE i.incident_id IS UNIQUE
