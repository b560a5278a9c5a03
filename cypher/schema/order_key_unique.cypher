// name: schema/order_key_unique
// params: none
// returns: nothing; one Order per key (person, type, start date, protected person)
CREATE CONSTRAINT order_key_unique IF NOT EXISTS
FOR (o:Order) REQUIRE o.order_key IS UNIQUE
