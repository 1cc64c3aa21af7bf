"""The one place that assembles Simpul: it builds the registry, registers the hooks, builds the
GraphQL schema and the panel from it, syncs the declared grants and starts housekeeping.

Every other top-level package points down (core ← models ← permissions ← services ←
schema, admin ← seeds ← server); only this package may import them all.
"""
