// name: admin/delete_incidents
// params: $ids (list of incident_id)
// returns: deleted: how many incidents were erased (with every involvement in them)
UNWIND $ids AS id
MATCH (i:Incident {incident_id: id})
DETACH DELETE i
RETURN count(*) AS deleted
