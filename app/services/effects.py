"""The effects outbox: one row per effect the core planned, performed once.

A row is `planned` until `perform_effect` records what the service returned (`done`) or that
it cannot be done (`failed`). `attempts` counts the tries that *started*: a planned row with
attempts > 0 may already have happened at the service (the worker died between the call and
the record), so the next try looks for it before creating anything.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from app.db.engine import fetch

PLANNED, DONE, FAILED = "planned", "done", "failed"
MAX_ERROR_LENGTH = 500


@dataclass(frozen=True)
class EffectRow:
    id: int
    task_id: int
    idempotency_key: str
    kind: str
    payload: dict[str, Any]
    status: str
    attempts: int
    result: dict[str, Any] | None
    created_at: dt.datetime

    @property
    def may_have_happened(self) -> bool:
        """An earlier try started and never recorded its outcome."""
        return self.attempts > 1


def _row(record: dict[str, Any]) -> EffectRow:
    payload, result = record["payload"], record["result"]
    return EffectRow(
        id=record["id"],
        task_id=record["task"],
        idempotency_key=record["idempotency_key"],
        kind=record["kind"],
        payload=json.loads(payload) if isinstance(payload, str) else payload,
        status=record["status"],
        attempts=record["attempts"],
        result=json.loads(result) if isinstance(result, str) else result,
        created_at=record["created_at"],
    )


async def plan(task_id: int, effects: list[tuple[str, str, dict[str, Any]]]) -> list[int]:
    """Insert (idempotency_key, kind, payload) rows; a key already planned adds nothing.
    Returns the ids of the new rows, in the given order."""
    if not effects:
        return []
    rows = await fetch(
        """
        INSERT INTO task_effects (task, idempotency_key, kind, payload, status, attempts,
                                  created_at)
        SELECT $1, e.value->>'key', e.value->>'kind', e.value->'payload', 'planned', 0, now()
          FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS e(value, n)
         ORDER BY e.n
        ON CONFLICT (idempotency_key) DO NOTHING
        RETURNING id
        """,
        task_id,
        json.dumps([{"key": k, "kind": kind, "payload": p} for k, kind, p in effects], default=str),
    )
    return sorted(row["id"] for row in rows)


async def start(effect_id: int) -> EffectRow | None:
    """Count a new try of a planned effect (committed before any call is made); None when it
    is done or failed already."""
    rows = await fetch(
        """
        UPDATE task_effects SET attempts = attempts + 1
         WHERE id = $1 AND status = 'planned'
        RETURNING *
        """,
        effect_id,
    )
    return _row(rows[0]) if rows else None


async def get(effect_id: int) -> EffectRow | None:
    rows = await fetch("SELECT * FROM task_effects WHERE id = $1", effect_id)
    return _row(rows[0]) if rows else None


async def finish(
    effect_id: int, status: str, result: dict[str, Any] | None, error: str | None = None
) -> bool:
    """Record the outcome of a planned effect; False when another try recorded it first."""
    rows = await fetch(
        """
        UPDATE task_effects
           SET status = $2, result = $3::jsonb, last_error = $4, done_at = now()
         WHERE id = $1 AND status = 'planned'
        RETURNING id
        """,
        effect_id,
        status,
        json.dumps(result) if result is not None else None,
        error[:MAX_ERROR_LENGTH] if error else None,
    )
    return bool(rows)


async def note_error(effect_id: int, error: str) -> None:
    """Keep the last error of a try that will be retried."""
    await fetch(
        "UPDATE task_effects SET last_error = $2 WHERE id = $1",
        effect_id,
        error[:MAX_ERROR_LENGTH],
    )
