// name: views/offending_incidents
// params: $as_of (date), $after (incident_id: the page starts after it; "" for the first),
//         $page (int: incidents per page)
// returns: one row, a page in incident_id order, as columns (lists of equal length):
//          last (the page's last incident_id examined; null when there is none left),
//          incident_id, occurred_on (ISO text), offence_category, risk_level, neighbourhood,
//          children_present, extra: the incidents dated on or before $as_of with a suspect;
//          in_incident_id, in_person_id, in_role, in_relationship_to_suspect: the suspect
//          and victim involvements in them
// What the priority scores, alerts and release watch read of incidents (analytics.offending):
// walked in pages along the incident_id index, and sent as columns, not one record a row.
MATCH (i:Incident)
WHERE i.incident_id > $after
WITH i
ORDER BY i.incident_id
LIMIT $page
WITH collect(i) AS page
CALL (page) {
  UNWIND page AS i
  WITH i
  WHERE i.occurred_on <= $as_of
    AND EXISTS { ()-[:INVOLVED_IN {role: 'suspect'}]->(i) }
  OPTIONAL MATCH (i)-[:OCCURRED_IN]->(n)
  RETURN collect({i: i, neighbourhood: n.name}) AS kept
}
CALL (kept) {
  UNWIND kept AS k
  WITH k.i AS i
  MATCH (p)-[r:INVOLVED_IN]->(i)
  WHERE r.role IN ['suspect', 'victim']
  RETURN collect({incident_id: i.incident_id, person_id: p.person_id, role: r.role,
                  relationship_to_suspect: r.relationship_to_suspect}) AS involved
}
RETURN last(page).incident_id AS last,
       [k IN kept | k.i.incident_id] AS incident_id,
       [k IN kept | toString(k.i.occurred_on)] AS occurred_on,
       [k IN kept | k.i.offence_category] AS offence_category,
       [k IN kept | k.i.risk_level] AS risk_level,
       [k IN kept | k.neighbourhood] AS neighbourhood,
       [k IN kept | k.i.children_present] AS children_present,
       [k IN kept | k.i.extra] AS extra,
       [x IN involved | x.incident_id] AS in_incident_id,
       [x IN involved | x.person_id] AS in_person_id,
       [x IN involved | x.role] AS in_role,
       [x IN involved | x.relationship_to_suspect] AS in_relationship_to_suspect
