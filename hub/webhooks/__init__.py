"""Outbound webhooks: signing, retry schedule, SSRF-guarded transport and the event catalogue.

Emit events with ``hub.webhooks.outbox.emit_event`` inside the transaction that makes the change;
``hub.webhooks.dispatcher`` hands due deliveries to the queue and ``hub.webhooks.jobs`` sends them.
"""

from __future__ import annotations
