// name: views/offending_people
// params: $as_of (date), $merged (list of the identity ids that hold more than one record;
//         null: any may),
//         $after (person_id: the page starts after it; "" for the first), $page (int:
//         person records per page)
// returns: one row, a page in person_id order, as columns (lists of equal length; a blank,
//          null in the graph, is sent as ""): last (the page's last person_id examined;
//          null when there is none left), person_id, surname, surname_null, forenames,
//          forenames_null (a name is stored "" when blank in the export, null only when
//          loaded so: the *_null flags keep the two apart), home_neighbourhood: every
//          record of an identity that is a suspect in an incident
//          dated on or before $as_of; or_person_id, or_order_type, or_start_date,
//          or_end_date (ISO text), or_protected_person_id: the orders binding those records
// What the priority scores, alerts and release watch read of people and orders (names of
// the scored, orders of the watched), in pages along the person_id index. A record that
// stands alone is its identity, so its own involvements decide; only the records of a
// merged identity ($merged; all when it is null) look up the identity's other records by
// index seek. At 300k incidents with no identity merged this view took 1.6 s of the
// server's CPU, against 2.9 s with a seek for every record (docs/performance.md, issue 18).
MATCH (p:Person)
WHERE p.person_id > $after
WITH p
ORDER BY p.person_id
LIMIT $page
WITH collect(p) AS page
CALL (page) {
  UNWIND page AS p
  WITH p
  WHERE CASE
    WHEN $merged IS NULL OR p.identity_id IN $merged THEN EXISTS {
      MATCH (r:Person {identity_id: p.identity_id})-[:INVOLVED_IN {role: 'suspect'}]->(i)
      USING INDEX SEEK r:Person(identity_id)
      WHERE i.occurred_on <= $as_of
    }
    ELSE EXISTS {
      MATCH (p)-[:INVOLVED_IN {role: 'suspect'}]->(i)
      WHERE i.occurred_on <= $as_of
    }
  END
  OPTIONAL MATCH (p)-[:LIVES_IN]->(n)
  RETURN collect(p) AS kept,
         collect(p.person_id) AS person_id,
         collect(coalesce(p.surname, '')) AS surname,
         collect(p.surname IS NULL) AS surname_null,
         collect(coalesce(p.forenames, '')) AS forenames,
         collect(p.forenames IS NULL) AS forenames_null,
         collect(coalesce(n.name, '')) AS home_neighbourhood
}
CALL (kept) {
  UNWIND kept AS p
  MATCH (p)-[:BOUND_BY]->(o)
  OPTIONAL MATCH (o)-[:PROTECTS]->(protected)
  RETURN collect(p.person_id) AS or_person_id,
         collect(o.order_type) AS or_order_type,
         collect(coalesce(toString(o.start_date), '')) AS or_start_date,
         collect(coalesce(toString(o.end_date), '')) AS or_end_date,
         collect(coalesce(protected.person_id, '')) AS or_protected_person_id
}
RETURN last(page).person_id AS last, person_id, surname, surname_null, forenames,
       forenames_null, home_neighbourhood, or_person_id, or_order_type, or_start_date,
       or_end_date, or_protected_person_id
