"""The evidence benchmark: a seeded pool of real tables, injected conditions, cross-fitted loss runs (docs/evidence.md)."""
