// name: load/people
// params: $rows (list of maps: person_id, surname, forenames, date_of_birth, gender, pnc_id,
//         aliases, home_postcode, home_neighbourhood, firearms_certificate, warning_markers,
//         extra)
// returns: written: how many rows were merged
UNWIND $rows AS row
MERGE (p:Person {person_id: row.person_id})
SET p.surname = row.surname,
    p.forenames = row.forenames,
    p.date_of_birth = row.date_of_birth,
    p.gender = row.gender,
    p.pnc_id = row.pnc_id,
    p.aliases = row.aliases,
    p.home_postcode = row.home_postcode,
    p.firearms_certificate = row.firearms_certificate,
    p.warning_markers = row.warning_markers,
    p.extra = row.extra,
    // A record stands for itself until identity resolution says otherwise.
    p.identity_id = coalesce(p.identity_id, row.person_id)
WITH p, row
CALL (p, row) {
  OPTIONAL MATCH (p)-[home:LIVES_IN]->(n:Neighbourhood)
  WHERE n.name <> row.home_neighbourhood OR row.home_neighbourhood IS NULL
  DELETE home
}
CALL (p, row) {
  WITH p, row WHERE row.home_neighbourhood IS NOT NULL
  MERGE (n:Neighbourhood {name: row.home_neighbourhood})
  MERGE (p)-[:LIVES_IN]->(n)
}
RETURN count(*) AS written
