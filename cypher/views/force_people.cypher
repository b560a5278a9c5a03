// name: views/force_people
// params: $after (person_id: the page starts after it; "" for the first), $page (int:
//         person records per page)
// returns: one row, a page in person_id order, as columns (lists of equal length): last
//          (the page's last person_id; null when there is none left), person_id, surname,
//          forenames, home_neighbourhood: every person record of the page; or_person_id,
//          or_order_type, or_start_date, or_end_date (ISO text), or_protected_person_id:
//          the orders binding them; re_person_id_a, re_person_id_b, re_relationship_type,
//          re_start_date, re_end_date (ISO text): the relationships from them
// The force view of people, orders and relationships (GraphStore.force_records), walked in
// pages along the person_id index and sent as columns.
MATCH (p:Person)
WHERE p.person_id > $after
WITH p
ORDER BY p.person_id
LIMIT $page
OPTIONAL MATCH (p)-[:LIVES_IN]->(n:Neighbourhood)
WITH collect({p: p, home: n.name}) AS page
CALL (page) {
  UNWIND page AS k
  WITH k.p AS p
  MATCH (p)-[:BOUND_BY]->(o:Order)
  OPTIONAL MATCH (o)-[:PROTECTS]->(protected:Person)
  RETURN collect({person_id: p.person_id, o: o, protected: protected.person_id}) AS bound
}
CALL (page) {
  UNWIND page AS k
  WITH k.p AS a
  MATCH (a)-[r:RELATED_TO]->(b:Person)
  RETURN collect({a: a.person_id, b: b.person_id, r: r}) AS related
}
RETURN last(page).p.person_id AS last,
       [k IN page | k.p.person_id] AS person_id,
       [k IN page | k.p.surname] AS surname,
       [k IN page | k.p.forenames] AS forenames,
       [k IN page | k.home] AS home_neighbourhood,
       [b IN bound | b.person_id] AS or_person_id,
       [b IN bound | b.o.order_type] AS or_order_type,
       [b IN bound | toString(b.o.start_date)] AS or_start_date,
       [b IN bound | toString(b.o.end_date)] AS or_end_date,
       [b IN bound | b.protected] AS or_protected_person_id,
       [x IN related | x.a] AS re_person_id_a,
       [x IN related | x.b] AS re_person_id_b,
       [x IN related | x.r.relationship_type] AS re_relationship_type,
       [x IN related | toString(x.r.start_date)] AS re_start_date,
       [x IN related | toString(x.r.end_date)] AS re_end_date
