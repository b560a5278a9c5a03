// name: load/bulk_people
// params: $rows (list of maps: person_id, surname, forenames, date_of_birth, gender, pnc_id,
//         aliases, home_postcode, home_neighbourhood, firearms_certificate, warning_markers,
//         extra), each person_id once and not yet stored (the bulk path: an empty
//         database, see load/bulk_neighbourhoods)
// returns: written: how many people were created
// The same nodes as load/people, with CREATE instead of MERGE; their LIVES_IN follow
// (load/bulk_lives_in), a neighbourhood at a time, so that two batches written at once
// never wait on one neighbourhood's lock.
UNWIND $rows AS row
CREATE (p:Person {
  person_id: row.person_id,
  surname: row.surname,
  forenames: row.forenames,
  date_of_birth: row.date_of_birth,
  gender: row.gender,
  pnc_id: row.pnc_id,
  aliases: row.aliases,
  home_postcode: row.home_postcode,
  firearms_certificate: row.firearms_certificate,
  warning_markers: row.warning_markers,
  extra: row.extra,
  identity_id: row.person_id
})
RETURN count(*) AS written
