"""Helpers only tests use (the soak)."""
