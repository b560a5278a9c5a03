// name: views/all_incidents
// params: none
// returns: every incident without its summary: incident_id, occurred_on, offence_category,
//          risk_level, neighbourhood, postcode, children_present, extra
MATCH (i:Incident)
OPTIONAL MATCH (i)-[:OCCURRED_IN]->(n:Neighbourhood)
RETURN i.incident_id AS incident_id,
       i.occurred_on AS occurred_on,
       i.offence_category AS offence_category,
       i.risk_level AS risk_level,
       n.name AS neighbourhood,
       i.postcode AS postcode,
       i.children_present AS children_present,
       i.extra AS extra
