// name: views/offending_relationships
// params: $types (list of relationship types), $after (person_id: the page starts after it;
//         "" for the first), $page (int: person records per page)
// returns: one row, a page of people in person_id order, as columns (lists of equal
//          length; a blank date, null in the graph, is sent as ""): last (the page's last
//          person_id examined; null when there is none left), person_id_a, person_id_b,
//          relationship_type, start_date, end_date (ISO text): the relationships of these
//          types from the page's people
// What the priority scores and alerts read of relationships (intimate partners, and the
// connections between victims), in pages along the person_id index; each column is one
// collect() (1.0 s of the server's CPU at 300k incidents, 1.5 s as a list of maps).
MATCH (a:Person)
WHERE a.person_id > $after
WITH a
ORDER BY a.person_id
LIMIT $page
WITH collect(a) AS page
CALL (page) {
  UNWIND page AS a
  MATCH (a)-[r:RELATED_TO]->(b)
  WHERE r.relationship_type IN $types
  RETURN collect(a.person_id) AS person_id_a,
         collect(b.person_id) AS person_id_b,
         collect(r.relationship_type) AS relationship_type,
         collect(coalesce(toString(r.start_date), '')) AS start_date,
         collect(coalesce(toString(r.end_date), '')) AS end_date
}
RETURN last(page).person_id AS last, person_id_a, person_id_b, relationship_type, start_date,
       end_date
