"""Renderers: findings to terminal tables, JSON, CSV (later: briefings, networks)."""
