"""Graph stores behind one narrow Protocol."""
