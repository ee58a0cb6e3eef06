"""Outgoing signed webhooks for desk events: a shop's subscriptions (URL, secret, chosen events, on/off), the events
the desk emits through the outbox where its state changes, and their delivery by the worker (HMAC-SHA256 over
timestamp + body, an event id for the receiver's idempotency, retries with backoff, a delivery log)."""
