"""Fixtures shared by the payments tests."""
