// name: load/bulk_incidents
// params: $rows (list of maps: incident_id, occurred_on, offence_category, risk_level,
//         neighbourhood, postcode, children_present, summary, officer_in_case, extra), each
//         incident_id once and not yet stored (the bulk path, see load/bulk_neighbourhoods)
// returns: written: how many incidents were created
// The same nodes as load/incidents, with CREATE instead of MERGE; their OCCURRED_IN follow
// (load/bulk_occurred_in), a neighbourhood at a time, so that two batches written at once
// never wait on one neighbourhood's lock.
UNWIND $rows AS row
CREATE (i:Incident {
  incident_id: row.incident_id,
  occurred_on: row.occurred_on,
  offence_category: row.offence_category,
  risk_level: row.risk_level,
  postcode: row.postcode,
  children_present: row.children_present,
  summary: row.summary,
  officer_in_case: row.officer_in_case,
  extra: row.extra
})
RETURN count(*) AS written
