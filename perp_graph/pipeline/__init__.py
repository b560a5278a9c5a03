"""CSV exports -> extract -> validate -> transform -> load into a GraphStore."""
