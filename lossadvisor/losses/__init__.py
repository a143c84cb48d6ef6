"""The torch loss zoo and its registry."""
