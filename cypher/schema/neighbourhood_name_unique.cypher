// name: schema/neighbourhood_name_unique
// params: none
// returns: nothing; one Neighbourhood per name
CREATE CONSTRAINT neighbourhood_name_unique IF NOT EXISTS
FOR (n:Neighbourhood) REQUIRE n.name IS UNIQUE
