"""The loss doctor: the guide's debugging checklist (6.3.10) run on a user's loss function."""
