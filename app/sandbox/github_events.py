"""Events out of the GitHub sandbox: payload envelopes, delivery headers, signatures.

Reference: https://docs.github.com/en/webhooks/webhook-events-and-payloads#delivery-headers
Each delivery carries `X-GitHub-Event`, a fresh `X-GitHub-Delivery` GUID, `X-GitHub-Hook-ID`
and, when the hook has a secret, `X-Hub-Signature-256`. A hook on the `form` content type gets
`payload=<url-encoded JSON>`. GitHub never retries a failed delivery by itself; a redelivery is
made by a person (or an API call) and keeps the delivery's GUID. Every delivery is kept on its
hook, as GitHub lists them under `GET .../hooks/{id}/deliveries`.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from app.integrations.github.webhooks import sign
from app.sandbox import github_shapes as shapes
from app.sandbox import github_store as store
from app.sandbox.delivery import WebhookSender

# Every (event, action) the sandbox sends; the contract tests check each against GitHub's
# webhook schemas and fail when one is sent that is not listed here.
EVENT_KINDS = (
    ("ping", None),
    ("issues", "opened"),
    ("issues", "edited"),
    ("issues", "closed"),
    ("issues", "reopened"),
    ("issues", "labeled"),
    ("issues", "unlabeled"),
    ("issue_comment", "created"),
    ("pull_request", "opened"),
    ("pull_request", "closed"),
    ("push", None),
    ("workflow_run", "requested"),
    ("workflow_run", "in_progress"),
    ("workflow_run", "completed"),
)


class GitHubEventSender:
    """Delivers repository events to the repository's hooks and remembers them for redelivery."""

    def __init__(
        self, world: store.GitHubWorld, sender: WebhookSender, base_url: Callable[[], str]
    ) -> None:
        self.world = world
        self.sender = sender
        self._base_url = base_url
        # Every payload sent, as (event, document), for tests and contract checks.
        self.payloads: list[tuple[str, dict[str, Any]]] = []

    def ping(self, repo: store.Repo, hook: store.HookRecord, sender: store.Account) -> None:
        # Reference: https://docs.github.com/en/webhooks/webhook-events-and-payloads#ping
        payload = {
            "zen": "Keep it logically awesome.",
            "hook_id": hook.id,
            "hook": shapes.hook(hook, repo, self._base_url()),
        }
        self.send(repo, hook, "ping", payload, sender)

    def fire(
        self, repo: store.Repo, event: str, payload: dict[str, Any], sender: store.Account
    ) -> None:
        """Send `event` to every active hook of the repository subscribed to it."""
        for hook in list(repo.hooks.values()):
            if hook.active and (event in hook.events or "*" in hook.events):
                self.send(repo, hook, event, payload, sender)

    def document(
        self, repo: store.Repo, event: str, payload: dict[str, Any], sender: store.Account
    ) -> dict[str, Any]:
        """The full payload: the event's own fields, then `repository` and `sender`."""
        base = self._base_url()
        # Reference: https://docs.github.com/en/webhooks/webhook-events-and-payloads#push
        # (only `push` writes the repository's created_at and pushed_at as Unix times)
        repository = shapes.repo(repo, base, unix_times=event == "push")
        return {**payload, "repository": repository, "sender": shapes.user(sender, base)}

    def send(
        self,
        repo: store.Repo,
        hook: store.HookRecord,
        event: str,
        payload: dict[str, Any],
        sender: store.Account,
    ) -> None:
        document = self.document(repo, event, payload, sender)
        self.payloads.append((event, document))
        text = json.dumps(document, separators=(",", ":"))
        if hook.content_type == "json":
            body, content_type = text.encode(), "application/json"
        else:
            body = urlencode({"payload": text}).encode()
            content_type = "application/x-www-form-urlencoded"
        guid = str(uuid.uuid4())
        headers = {
            "Content-Type": content_type,
            "User-Agent": "GitHub-Hookshot/sandbox",
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": guid,
            "X-GitHub-Hook-ID": str(hook.id),
            "X-GitHub-Hook-Installation-Target-Type": "repository",
            "X-GitHub-Hook-Installation-Target-ID": str(repo.id),
        }
        if hook.secret:
            headers["X-Hub-Signature-256"] = sign(body, hook.secret)
        record = store.HookDeliveryRecord(
            id=store.new_id(),
            guid=guid,
            hook_id=hook.id,
            event=event,
            action=document.get("action"),
            request_headers=headers,
            payload=document,
            body=body,
            delivered_at=store.now(),
        )
        hook.deliveries.append(record)
        self.sender.deliver(hook.url, headers, body, attempt=lambda: self._post_once(hook, record))

    async def _post_once(self, hook: store.HookRecord, record: store.HookDeliveryRecord) -> bool:
        started = time.monotonic()
        result = await self.sender.post(hook.url, record.request_headers, record.body)
        record.delivered_at = store.now()
        record.duration = round(time.monotonic() - started, 3)
        record.status_code = result.status or 0
        record.status = "OK" if result.ok else (result.outcome if not result.status else "failed")
        record.response_headers = result.response_headers
        hook.last_response = {
            "code": result.status,
            "status": "active" if result.ok else "failed",
            "message": "OK" if result.ok else result.outcome,
        }
        return result.ok

    def redeliver(self, repo: store.Repo, hook: store.HookRecord, delivery_id: int) -> int:
        """Send a past delivery again, with the same X-GitHub-Delivery; returns the new id."""
        original = next(d for d in hook.deliveries if d.id == delivery_id)
        again = store.HookDeliveryRecord(
            id=store.new_id(),
            guid=original.guid,
            hook_id=hook.id,
            event=original.event,
            action=original.action,
            request_headers=original.request_headers,
            payload=original.payload,
            body=original.body,
            delivered_at=store.now(),
            redelivery=True,
        )
        hook.deliveries.append(again)
        self.sender.spawn(self._post_once(hook, again))
        return again.id

    def find(self, guid: str) -> tuple[store.Repo, store.HookRecord, store.HookDeliveryRecord]:
        """The first delivery with this GUID, and its repository and hook (KeyError if none)."""
        for repo in self.world.repos.values():
            for hook in repo.hooks.values():
                for record in hook.deliveries:
                    if record.guid == guid:
                        return repo, hook, record
        raise KeyError(guid)
