"""The loss zoo: torch modules, their registry (name → class) and their cards (parameters and constraints)."""
