// name: views/people
// params: $person_ids (list of person_id)
// returns: these people's records: person_id, surname, forenames, date_of_birth, gender, pnc_id,
//          aliases, home_postcode, home_neighbourhood, firearms_certificate, warning_markers,
//          extra
UNWIND $person_ids AS id
MATCH (p:Person {person_id: id})
USING INDEX SEEK p:Person(person_id)
OPTIONAL MATCH (p)-[:LIVES_IN]->(n:Neighbourhood)
RETURN p.person_id AS person_id,
       p.surname AS surname,
       p.forenames AS forenames,
       p.date_of_birth AS date_of_birth,
       p.gender AS gender,
       p.pnc_id AS pnc_id,
       p.aliases AS aliases,
       p.home_postcode AS home_postcode,
       n.name AS home_neighbourhood,
       p.firearms_certificate AS firearms_certificate,
       p.warning_markers AS warning_markers,
       p.extra AS extra
