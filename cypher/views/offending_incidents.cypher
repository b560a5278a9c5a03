// name: views/offending_incidents
// params: $as_of (date), $after (incident_id: the page starts after it; "" for the first),
//         $page (int: incidents per page)
// returns: one row, a page in incident_id order, as columns (lists of equal length; a blank,
//          null in the graph, is sent as "": data contract, section 1, a blank cell is
//          unknown): last (the page's last incident_id examined; null when there is none
//          left), incident_id, occurred_on (ISO text), offence_category, risk_level,
//          neighbourhood: the incidents dated on or before $as_of; in_at (the position of
//          the involvement's incident in the page's incident_id), in_person_id, in_role,
//          in_relationship_to_suspect: the suspect and victim involvements in them.
//          The reader keeps only the incidents with a suspect (neo4j_reads.with_a_suspect).
// What the priority scores, alerts and release watch read of incidents (analytics.offending):
// walked in pages along the incident_id index. Each column is one collect(), not a list of
// maps taken apart again, and an involvement names its incident by position, not by id,
// and whether an incident has a suspect is read from the involvements sent anyway, not by
// a second expansion: at 300k incidents this view took 1.8 s of the server's CPU, against
// 3.5 s with maps, repeated ids and the check here (docs/performance.md, issue 18).
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
  OPTIONAL MATCH (i)-[:OCCURRED_IN]->(n)
  RETURN collect(i) AS kept,
         collect(i.incident_id) AS incident_id,
         collect(toString(i.occurred_on)) AS occurred_on,
         collect(i.offence_category) AS offence_category,
         collect(coalesce(i.risk_level, '')) AS risk_level,
         collect(coalesce(n.name, '')) AS neighbourhood
}
CALL (kept) {
  UNWIND range(0, size(kept) - 1) AS at
  WITH kept[at] AS i, at
  MATCH (p)-[r:INVOLVED_IN]->(i)
  WHERE r.role IN ['suspect', 'victim']
  RETURN collect(at) AS in_at,
         collect(p.person_id) AS in_person_id,
         collect(r.role) AS in_role,
         collect(coalesce(r.relationship_to_suspect, '')) AS in_relationship_to_suspect
}
RETURN last(page).incident_id AS last, incident_id, occurred_on, offence_category, risk_level,
       neighbourhood, in_at, in_person_id, in_role, in_relationship_to_suspect
