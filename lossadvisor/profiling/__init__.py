"""Profile measurements, one module per concern."""
