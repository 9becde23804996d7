"""What a person (a task page button) or an API client asks of a task: Retry, Re-sync, change
the repo, force-link a PR, add a note. Each is queued as a fact for the task's `advance_task`,
behind the task's other facts; the core makes a double submit (the same `action_id`) harmless.
No outbound HTTP here: the route answers at once and the worker does the rest."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from app.jobs import defer
from app.pipeline.facts import UserActionKind


@dataclass(frozen=True)
class RequestedAction:
    kind: UserActionKind
    action_id: str  # the form's or the client's idempotency token
    by: str = ""
    via: str = "user"  # user | api
    repo: str | None = None
    pr_number: int | None = None
    text: str | None = None


async def queue(task_id: int, action: RequestedAction) -> None:
    payload = {**asdict(action), "kind": action.kind.value}
    await defer.defer(defer.advance_job(task_id, {"kind": "user.action", "action": payload}))
