// name: views/incidents_of
// params: $person_ids (list of person_id)
// returns: one row per incident any of these people is involved in: incident_id, occurred_on,
//          offence_category, risk_level, neighbourhood, postcode, children_present, summary,
//          officer_in_case, extra
UNWIND $person_ids AS id
MATCH (p:Person {person_id: id})-[:INVOLVED_IN]->(i:Incident)
USING INDEX SEEK p:Person(person_id)
WITH DISTINCT i
OPTIONAL MATCH (i)-[:OCCURRED_IN]->(n:Neighbourhood)
RETURN i.incident_id AS incident_id,
       i.occurred_on AS occurred_on,
       i.offence_category AS offence_category,
       i.risk_level AS risk_level,
       n.name AS neighbourhood,
       i.postcode AS postcode,
       i.children_present AS children_present,
       i.summary AS summary,
       i.officer_in_case AS officer_in_case,
       i.extra AS extra
