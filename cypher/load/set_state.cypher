// name: load/set_state
// params: $state ("loading" or "complete"), $at (datetime string)
// returns: state: the state now recorded
MERGE (s:LoadState {id: 'store'})
SET s.state = $state, s.at = $at
RETURN s.state AS state
