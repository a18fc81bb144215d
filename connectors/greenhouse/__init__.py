"""Greenhouse Harvest v3 connector: client, webhooks and a local emulator."""
