"""Management commands and their shared argument parsing and console output."""
