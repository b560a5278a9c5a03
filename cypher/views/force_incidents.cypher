// name: views/force_incidents
// params: $after (incident_id: the page starts after it; "" for the first), $page (int:
//         incidents per page)
// returns: one row, a page in incident_id order, as columns (lists of equal length):
//          last (the page's last incident_id; null when there is none left), incident_id,
//          occurred_on (ISO text), offence_category, risk_level, neighbourhood,
//          children_present, extra: every incident of the page; in_incident_id,
//          in_person_id, in_role, in_relationship_to_suspect: every involvement in them
// The force view of incidents and involvements (GraphStore.force_records), walked in pages
// along the incident_id index and sent as columns, not one record a row.
MATCH (i:Incident)
WHERE i.incident_id > $after
WITH i
ORDER BY i.incident_id
LIMIT $page
OPTIONAL MATCH (i)-[:OCCURRED_IN]->(n:Neighbourhood)
WITH collect({i: i, neighbourhood: n.name}) AS page
CALL (page) {
  UNWIND page AS k
  WITH k.i AS i
  MATCH (p:Person)-[r:INVOLVED_IN]->(i)
  RETURN collect({incident_id: i.incident_id, person_id: p.person_id, role: r.role,
                  relationship_to_suspect: r.relationship_to_suspect}) AS involved
}
RETURN last(page).i.incident_id AS last,
       [k IN page | k.i.incident_id] AS incident_id,
       [k IN page | toString(k.i.occurred_on)] AS occurred_on,
       [k IN page | k.i.offence_category] AS offence_category,
       [k IN page | k.i.risk_level] AS risk_level,
       [k IN page | k.neighbourhood] AS neighbourhood,
       [k IN page | k.i.children_present] AS children_present,
       [k IN page | k.i.extra] AS extra,
       [x IN involved | x.incident_id] AS in_incident_id,
       [x IN involved | x.person_id] AS in_person_id,
       [x IN involved | x.role] AS in_role,
       [x IN involved | x.relationship_to_suspect] AS in_relationship_to_suspect
