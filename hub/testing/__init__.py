"""Test helpers for the hub and for connector packages (loopback servers, fixtures)."""
