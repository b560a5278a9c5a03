// name: schema/action_id_unique
// params: none
// returns: nothing; one Action (an item of the action register) per id
CREATE CONSTRAINT action_id_unique IF NOT EXISTS
FOR (a:Action) REQUIRE a.id IS UNIQUE
