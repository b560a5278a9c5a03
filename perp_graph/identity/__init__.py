"""Identity resolution: which person records are the same person."""
