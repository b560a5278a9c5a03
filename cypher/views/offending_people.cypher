// name: views/offending_people
// params: $as_of (date), $after (person_id: the page starts after it; "" for the first),
//         $page (int: person records per page)
// returns: one row, a page in person_id order, as columns (lists of equal length): last
//          (the page's last person_id examined; null when there is none left), person_id,
//          surname, forenames, home_neighbourhood: every record of an identity that is a
//          suspect in an incident dated on or before $as_of; or_person_id, or_order_type,
//          or_start_date, or_end_date (ISO text), or_protected_person_id: the orders binding
//          those records
// What the priority scores, alerts and release watch read of people and orders (names of
// the scored, orders of the watched), in pages along the person_id index.
MATCH (p:Person)
WHERE p.person_id > $after
WITH p
ORDER BY p.person_id
LIMIT $page
WITH collect(p) AS page
CALL (page) {
  UNWIND page AS p
  WITH p
  WHERE EXISTS {
    MATCH (r:Person {identity_id: p.identity_id})-[:INVOLVED_IN {role: 'suspect'}]->(i)
    USING INDEX SEEK r:Person(identity_id)
    WHERE i.occurred_on <= $as_of
  }
  OPTIONAL MATCH (p)-[:LIVES_IN]->(n)
  RETURN collect({p: p, home: n.name}) AS kept
}
CALL (kept) {
  UNWIND kept AS k
  WITH k.p AS p
  MATCH (p)-[:BOUND_BY]->(o)
  OPTIONAL MATCH (o)-[:PROTECTS]->(protected)
  RETURN collect({person_id: p.person_id, o: o, protected: protected.person_id}) AS bound
}
RETURN last(page).person_id AS last,
       [k IN kept | k.p.person_id] AS person_id,
       [k IN kept | k.p.surname] AS surname,
       [k IN kept | k.p.forenames] AS forenames,
       [k IN kept | k.home] AS home_neighbourhood,
       [b IN bound | b.person_id] AS or_person_id,
       [b IN bound | b.o.order_type] AS or_order_type,
       [b IN bound | toString(b.o.start_date)] AS or_start_date,
       [b IN bound | toString(b.o.end_date)] AS or_end_date,
       [b IN bound | b.protected] AS or_protected_person_id
