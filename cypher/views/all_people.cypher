// name: views/all_people
// params: none
// returns: every person record: person_id, surname, forenames, date_of_birth, gender, pnc_id,
//          aliases, home_postcode, home_neighbourhood
MATCH (p:Person)
OPTIONAL MATCH (p)-[:LIVES_IN]->(n:Neighbourhood)
RETURN p.person_id AS person_id,
       p.surname AS surname,
       p.forenames AS forenames,
       p.date_of_birth AS date_of_birth,
       p.gender AS gender,
       p.pnc_id AS pnc_id,
       p.aliases AS aliases,
       p.home_postcode AS home_postcode,
       n.name AS home_neighbourhood
