// name: analytics/acpo_scan
// params: $as_of (date), $window_years (int), $min_victims (int), $violent_categories (list),
//         $connection_types (list), $intimate_partner_types (list), $suspects (list of
//         identity ids to look at, a superset of those who can qualify; null: every suspect)
// returns: one row per serial perpetrator (data contract, section 2), by identity: person_id
//          (the identity's id), surname,
//          forenames, home_neighbourhood, events (list of maps: day, incident_id, victim_id,
//          offence_category, risk_level; ordered by day, incident, victim), first (the first
//          qualifying window: start, end), now (the window ending on $as_of: start, end,
//          qualifies)
//
// 1. Qualifying events (P, V, i, d): P suspect and V victim in i, P <> V, d <= as_of, a
//    violent category, and P and V are or have been intimate partners (a RELATED_TO of an
//    intimate type, any dates, or V's involvement as an intimate partner in any incident
//    up to as_of where P is a suspect).
//    Everything is about identities (identity resolution): a person is all the records
//    that share an identity_id, and P <> V means different identities.
//    The query goes identity by identity from the suspects, never from an index over all
//    incidents, so that its plan and memory do not depend on the statistics of the day:
//    the identities given, or a label scan of :Person when none are (step 0), then index
//    seeks (Person.identity_id, Person.person_id) and
//    expansions only, whatever the counts: every lookup carries a USING INDEX SEEK hint
//    (a plain USING INDEX may be met by a whole-index scan per row), since a plan made on
//    a small graph's statistics would otherwise scan the whole identity_id index for each
//    row (measured: 25M db hits for 5k incidents). The incident whose date is compared
//    and the other person in the subqueries carry no label (INVOLVED_IN and RELATED_TO
//    join only people and incidents), so there is no index to scan for them: with an
//    Incident(occurred_on) index sampled empty just after a load, the planner scanned it
//    once per suspect (160.8M db hits at 6k incidents). No load forces a replan.
//    docs/performance.md shows its PROFILE at 300k incidents.
//    The partner test, the costliest part, runs only for the identities with K distinct
//    victims of violence (an exact cut: partner victims are among them): at 300k, 8.2M
//    db hits in all where testing every suspect's pairs took 13.7M.
// 0. The identities to look at: every suspect's, or those the caller names ($suspects: at
//    300k incidents, 4,500 identities with K distinct victims of violence, worked out from
//    the offending records read anyway, analytics.offending.could_qualify; 0.49 s where
//    every suspect took 3.37 s, docs/performance.md). The rule below is applied whole to each: naming more only
//    costs time, and the cut below rejects who cannot qualify.
CALL () {
  WITH $suspects AS given
  WHERE given IS NULL
  MATCH (s:Person)
  WHERE EXISTS { (s)-[:INVOLVED_IN {role: 'suspect'}]->() }
  RETURN DISTINCT s.identity_id AS pid
UNION
  UNWIND $suspects AS pid
  RETURN pid
}
CALL (pid) {
  MATCH (s:Person)-[:INVOLVED_IN {role: 'suspect'}]->(i)
  USING INDEX SEEK s:Person(identity_id)
  WHERE s.identity_id = pid
  WITH DISTINCT i
  WHERE i.occurred_on <= $as_of AND i.offence_category IN $violent_categories
  MATCH (i)<-[:INVOLVED_IN {role: 'victim'}]-(v)
  WITH DISTINCT i, v.identity_id AS vid
  WHERE vid <> pid
  RETURN collect({i: i, vid: vid}) AS violence, count(DISTINCT vid) AS hurt
}
// Only people with K distinct victims of violence can have K intimate-partner victims:
// the partner test below runs for those alone (at 300k, 4,500 of 227,148 identities).
WITH pid, violence
WHERE hurt >= $min_victims
CALL (pid, violence) {
  UNWIND violence AS pair
  WITH pair.i AS i, pair.vid AS vid
  WHERE EXISTS {
      MATCH (a:Person)-[r:RELATED_TO]-(b)
      USING INDEX SEEK a:Person(identity_id)
      WHERE a.identity_id = pid AND b.identity_id = vid
        AND r.relationship_type IN $intimate_partner_types
    }
    OR EXISTS {
      MATCH (a:Person)-[:INVOLVED_IN {role: 'suspect'}]->(j)<-[w:INVOLVED_IN {role: 'victim'}]-(b)
      USING INDEX SEEK a:Person(identity_id)
      WHERE a.identity_id = pid AND b.identity_id = vid AND j.occurred_on <= $as_of
        AND w.relationship_to_suspect IN $intimate_partner_types
    }
  WITH i, vid
  ORDER BY i.occurred_on, i.incident_id, vid
  RETURN collect({
    day: i.occurred_on, incident_id: i.incident_id, victim_id: vid,
    offence_category: i.offence_category, risk_level: i.risk_level
  }) AS events
}
WITH pid, events,
     reduce(ids = [], e IN events | CASE WHEN e.victim_id IN ids THEN ids ELSE ids + e.victim_id END) AS victims
// Only people with K distinct victims can qualify.
WHERE size(victims) >= $min_victims
// 2. Connections between this perpetrator's victims (both directions), between any of
//    their records.
CALL (victims) {
  UNWIND victims AS vid
  MATCH (a:Person)-[r:RELATED_TO]-(b)
  USING INDEX SEEK a:Person(identity_id)
  WHERE a.identity_id = vid AND b.identity_id IN victims AND b.identity_id <> vid
    AND r.relationship_type IN $connection_types
  RETURN collect(DISTINCT [vid, b.identity_id]) AS connected
}
// 3. The window [E - W years, E] ending on each event day, then on as_of (last). A window
//    qualifies when its victims hold K pairwise unconnected ones: grow sets of unconnected
//    victims one victim at a time (ids increasing), K - 1 times.
WITH pid, events, connected,
     reduce(days = [], e IN events | CASE WHEN e.day IN days THEN days ELSE days + e.day END) + [$as_of] AS ends
WITH pid, events, connected,
     [end IN ends | {end: end, start: end - duration({years: $window_years})}] AS windows
WITH pid, events, connected,
     [w IN windows | w {
       .*,
       victims: reduce(ids = [], e IN events |
         CASE WHEN e.day >= w.start AND e.day <= w.end AND NOT e.victim_id IN ids
              THEN ids + e.victim_id ELSE ids END)
     }] AS windows
WITH pid, events,
     [w IN windows | w {
       .*,
       qualifies: CASE
         WHEN size(w.victims) < $min_victims THEN false
         WHEN size(connected) = 0 THEN true
         ELSE size(reduce(sets = [x IN w.victims | [x]], step IN range(2, $min_victims) |
                reduce(grown = [], s IN sets |
                  grown + [x IN w.victims WHERE x > last(s)
                                           AND all(y IN s WHERE NOT [x, y] IN connected) | s + x]))) > 0
       END
     }] AS windows
WITH pid, events, [w IN windows[..-1] WHERE w.qualifies][0] AS first, last(windows) AS now
WHERE first IS NOT NULL
// The identity's own record (its id is its smallest record id) names it.
MATCH (p:Person)
USING INDEX SEEK p:Person(person_id)
WHERE p.person_id = pid
OPTIONAL MATCH (p)-[:LIVES_IN]->(home:Neighbourhood)
RETURN p.person_id AS person_id,
       p.surname AS surname,
       p.forenames AS forenames,
       home.name AS home_neighbourhood,
       events,
       first {.start, .end} AS first,
       now {.start, .end, .qualifies} AS now
ORDER BY person_id
