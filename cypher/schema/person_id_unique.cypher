// name: schema/person_id_unique
// params: none
// returns: nothing; one Person per person_id
CREATE CONSTRAINT person_id_unique IF NOT EXISTS
FOR (p:Person) REQUIRE p.person_id IS UNIQUE
