"""The profiling stage: a loaded Dataset → the measured Profile (docs/profile-schema.md)."""
