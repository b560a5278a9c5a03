// name: load/refresh_statistics
// params: $timeout_seconds (int)
// returns: nothing; resamples the indexes and clears the query caches, so that the next
// scan is planned on this load's statistics (a plan made on stale statistics, e.g. right
// after a much smaller graph was replaced, can walk the whole graph for every person)
CALL db.prepareForReplanning($timeout_seconds)
