// name: load/incidents
// params: $rows (list of maps: incident_id, occurred_on, offence_category, risk_level,
//         neighbourhood, postcode, children_present, summary, officer_in_case, extra)
// returns: written: how many rows were merged
UNWIND $rows AS row
MERGE (i:Incident {incident_id: row.incident_id})
SET i.occurred_on = row.occurred_on,
    i.offence_category = row.offence_category,
    i.risk_level = row.risk_level,
    i.postcode = row.postcode,
    i.children_present = row.children_present,
    i.summary = row.summary,
    i.officer_in_case = row.officer_in_case,
    i.extra = row.extra
WITH i, row
CALL (i, row) {
  OPTIONAL MATCH (i)-[place:OCCURRED_IN]->(n:Neighbourhood)
  WHERE n.name <> row.neighbourhood OR row.neighbourhood IS NULL
  DELETE place
}
CALL (i, row) {
  WITH i, row WHERE row.neighbourhood IS NOT NULL
  MERGE (n:Neighbourhood {name: row.neighbourhood})
  MERGE (i)-[:OCCURRED_IN]->(n)
}
RETURN count(*) AS written
