// name: views/latest_incident
// params: none
// returns: latest: the day of the latest incident held (no row when there is none), read
//          along the incident_occurred_on index (the packs' "latest record" line)
MATCH (i:Incident)
USING INDEX i:Incident(occurred_on)
WHERE i.occurred_on IS NOT NULL
RETURN i.occurred_on AS latest
ORDER BY latest DESC
LIMIT 1
