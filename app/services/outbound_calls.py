"""Outbound calls to Asana and GitHub, counted by service and outcome in PostgreSQL so /metrics
can report them from any process (the calls happen in workers and web processes alike).

One upsert per attempt, on its own pooled connection outside any transaction of the caller, so
a counter row is never held locked while the caller works on.
"""

from __future__ import annotations

from app.db.engine import DB

UPSERT = """
INSERT INTO outbound_calls (service, status, calls) VALUES ($1, $2, 1)
ON CONFLICT (service, status) DO UPDATE SET calls = outbound_calls.calls + 1
"""


async def record(service: str, outcome: str) -> None:
    if DB.pool is None:
        return  # a process without the app's database (a script, a client test): nothing to count
    async with DB.pool.acquire() as connection:
        await connection.execute(UPSERT, service[:16], outcome[:32])
