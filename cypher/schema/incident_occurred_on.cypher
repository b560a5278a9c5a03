// name: schema/incident_occurred_on
// params: none
// returns: nothing; range index for window and as-of filters
CREATE INDEX incident_occurred_on IF NOT EXISTS
FOR (i:Incident) ON (i.occurred_on)
