"""Receiving webhooks: verify, record a safe summary, enqueue; nothing else in the request."""
