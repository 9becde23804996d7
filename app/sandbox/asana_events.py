"""Events out of the Asana sandbox: compact events, webhook filters, signed deliveries, retries.

Reference: https://developers.asana.com/docs/webhooks-guide
A delivery is `{"events": [...]}` signed with `X-Hook-Signature`; events say what happened to
which resource, one event per changed field, and carry a changed value only when it is an Asana
resource (`change.new_value` / `added_value` / `removed_value`: gid and resource_type). Every
event is also kept in a log that `GET /events` reads with sync tokens. A delivery that is not answered 2xx is retried
with backoff; when every retry failed the webhook is deleted (Asana gives up after 24 hours of
failures; `delivery_retry_delays` compresses those hours for tests).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from app.integrations.asana.webhooks import HOOK_SIGNATURE_HEADER, sign
from app.sandbox import asana_store as store
from app.sandbox.delivery import WebhookSender

DELIVERY_RETRY_DELAYS = (0.05, 0.1, 0.2)  # seconds; stands in for Asana's 24 hours of backoff


def task_event(
    task: store.Task,
    action: str,
    user: store.User | None,
    *,
    parent: tuple[str, str, str] | None = None,
    change: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One event about a task, in the form the events API answers (compact objects with
    names); `as_delivered` cuts it down to what a webhook carries. `parent` is
    (resource_type, gid, name) for added/removed; `change` is Asana's change object."""
    # Reference: https://developers.asana.com/reference/events (the event object)
    event: dict[str, Any] = {
        "user": store.compact(user.gid, "user", user.name) if user else None,
        "created_at": store.asana_time(store.now()),
        "action": action,
        "resource": {
            **store.compact(task.gid, "task", task.name),
            "resource_subtype": "default_task",
        },
        "parent": store.compact(parent[1], parent[0], parent[2]) if parent else None,
        "type": "task",
    }
    if change:
        event["change"] = change
    return event


def story_event(story: store.Story, task: store.Task, author: store.User) -> dict[str, Any]:
    """The event of a comment added to a task: the story is the resource, the task its parent."""
    return {
        "user": store.compact(author.gid, "user", author.name),
        "created_at": store.asana_time(story.created_at),
        "action": "added",
        "resource": {
            **store.compact(story.gid, "story", story.text[:60]),
            "resource_subtype": "comment_added",
        },
        "parent": store.compact(task.gid, "task", task.name),
        "type": "story",
    }


def _gid_only(value: Any) -> Any:
    return {"gid": value["gid"], "resource_type": value["resource_type"]} if value else value


def as_delivered(event: dict[str, Any]) -> dict[str, Any]:
    """An event as a webhook carries it: resources as gid and resource_type only (the
    resource keeps its resource_subtype), change values likewise, no deprecated `type`."""
    # Reference: https://developers.asana.com/reference/events ("This will be only the gid and
    # resource_type of the resource when the events come from webhooks")
    delivered = {
        "user": _gid_only(event["user"]),
        "created_at": event["created_at"],
        "action": event["action"],
        "resource": {
            **_gid_only(event["resource"]),
            "resource_subtype": event["resource"]["resource_subtype"],
        },
        "parent": _gid_only(event["parent"]),
    }
    if "change" in event:
        delivered["change"] = {
            key: _gid_only(value) if key.endswith("_value") else value
            for key, value in event["change"].items()
        }
    return delivered


def passes_filters(event: dict[str, Any], filters: list[dict[str, Any]]) -> bool:
    """Whether a webhook with these filters receives the event (no filters: everything)."""
    # Reference: https://developers.asana.com/docs/webhooks-guide (filtering)
    if not filters:
        return True
    resource = event["resource"]
    change = event.get("change") or {}
    for rule in filters:
        if rule.get("resource_type") and rule["resource_type"] != resource["resource_type"]:
            continue
        subtype = rule.get("resource_subtype")
        if subtype and subtype != resource.get("resource_subtype"):
            continue
        if rule.get("action") and rule["action"] != event["action"]:
            continue
        if rule.get("fields") and change.get("field") not in rule["fields"]:
            continue
        return True
    return False


class AsanaEventSender:
    """Finds the webhooks that watch a task and delivers its events to them."""

    def __init__(self, world: store.AsanaWorld, sender: WebhookSender) -> None:
        self.world = world
        self.sender = sender
        self.delivery_retry_delays: tuple[float, ...] = DELIVERY_RETRY_DELAYS
        self.deleted_webhooks: list[store.Webhook] = []
        # Every event, with the gids of the resources it concerns (for GET /events).
        self.log: list[tuple[frozenset[str], dict[str, Any]]] = []
        # Every delivery body sent (for tests and the contract checks).
        self.payloads: list[dict[str, Any]] = []

    def emit(self, task: store.Task, events: list[dict[str, Any]]) -> None:
        """Send events about a task to every webhook on the task, its projects or workspace."""
        if not events:
            return
        watched = frozenset({task.gid, task.workspace_gid, *task.project_gids})
        self.log.extend((watched, event) for event in events)
        for webhook in list(self.world.webhooks.values()):
            if webhook.resource_gid not in watched:
                continue
            passing = [as_delivered(e) for e in events if passes_filters(e, webhook.filters)]
            if passing:
                self.deliver(webhook, {"events": passing})

    def send_heartbeats(self) -> None:
        """Queue the empty delivery Asana sends each webhook about every 8 hours."""
        for webhook in list(self.world.webhooks.values()):
            self.deliver(webhook, {"events": []})

    def deliver(self, webhook: store.Webhook, payload: dict[str, Any]) -> None:
        self.payloads.append(payload)
        body = json.dumps(payload, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            HOOK_SIGNATURE_HEADER: sign(body, webhook.secret),
        }

        async def attempt_with_retries() -> bool:
            for delay in (0.0, *self.delivery_retry_delays):
                if webhook.gid not in self.world.webhooks:
                    return False  # deleted meanwhile: nothing more is sent
                if delay:
                    await asyncio.sleep(delay)
                record = await self.sender.post(webhook.target, headers, body)
                if record.ok:
                    webhook.last_success_at = store.now()
                    return True
                webhook.last_failure_at = store.now()
                webhook.last_failure_content = f"{record.status or record.outcome}"
            if self.world.webhooks.pop(webhook.gid, None) is not None:
                self.deleted_webhooks.append(webhook)
            return False

        self.sender.deliver(webhook.target, headers, body, attempt=attempt_with_retries)
