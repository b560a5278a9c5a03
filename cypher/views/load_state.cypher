// name: views/load_state
// params: none
// returns: state: "loading" or "complete" (no row when nothing was ever loaded)
MATCH (s:LoadState {id: 'store'})
RETURN s.state AS state
