"""Incremental sync: cursor arithmetic (pure) and, later, the planner and runner."""
