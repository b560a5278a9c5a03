// name: load/bulk_neighbourhoods
// params: $rows (list of maps: name), every neighbourhood the load's people and incidents name
// returns: written: how many rows were merged
// First step of the bulk path (a first load into an empty database): the few shared
// nodes the people and incidents point at are there before they are, so that those can
// be CREATEd with a plain MATCH of their neighbourhood.
UNWIND $rows AS row
MERGE (:Neighbourhood {name: row.name})
RETURN count(*) AS written
