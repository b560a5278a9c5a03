// name: views/offending_relationships
// params: $types (list of relationship types), $after (person_id: the page starts after it;
//         "" for the first), $page (int: person records per page)
// returns: one row, a page of people in person_id order, as columns (lists of equal
//          length): last (the page's last person_id examined; null when there is none
//          left), person_id_a, person_id_b, relationship_type, start_date, end_date (ISO
//          text): the relationships of these types from the page's people
// What the priority scores and alerts read of relationships (intimate partners, and the
// connections between victims), in pages along the person_id index.
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
  RETURN collect({a: a.person_id, b: b.person_id, r: r}) AS related
}
RETURN last(page).person_id AS last,
       [x IN related | x.a] AS person_id_a,
       [x IN related | x.b] AS person_id_b,
       [x IN related | x.r.relationship_type] AS relationship_type,
       [x IN related | toString(x.r.start_date)] AS start_date,
       [x IN related | toString(x.r.end_date)] AS end_date
