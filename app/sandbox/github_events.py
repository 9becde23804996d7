"""Events out of the GitHub sandbox: payload envelopes, delivery headers, signatures.

Reference: https://docs.github.com/en/webhooks/webhook-events-and-payloads#delivery-headers
Each delivery carries `X-GitHub-Event`, a fresh `X-GitHub-Delivery` GUID, `X-GitHub-Hook-ID`
and, when the hook has a secret, `X-Hub-Signature-256`. A hook on the `form` content type gets
`payload=<url-encoded JSON>`. GitHub never retries a failed delivery by itself; a redelivery is
made by a person (or an API call) and keeps the delivery's GUID.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from app.integrations.github.webhooks import sign
from app.sandbox import github_store as store
from app.sandbox.delivery import WebhookSender


class GitHubEventSender:
    """Delivers repository events to the repository's hooks and remembers them for redelivery."""

    def __init__(self, sender: WebhookSender, base_url: Callable[[], str]) -> None:
        self.sender = sender
        self._base_url = base_url
        # delivery GUID -> (repository, hook id, headers, body)
        self.sent: dict[str, tuple[store.Repo, int, dict[str, str], bytes]] = {}

    def ping(self, repo: store.Repo, hook: store.HookRecord, sender: store.Account) -> None:
        # Reference: https://docs.github.com/en/webhooks/webhook-events-and-payloads#ping
        payload = {
            "zen": "Keep it logically awesome.",
            "hook_id": hook.id,
            "hook": store.hook_json(hook, repo, self._base_url()),
        }
        self.send(repo, hook, "ping", payload, sender)

    def fire(
        self, repo: store.Repo, event: str, payload: dict[str, Any], sender: store.Account
    ) -> None:
        """Send `event` to every active hook of the repository subscribed to it."""
        for hook in list(repo.hooks.values()):
            if hook.active and (event in hook.events or "*" in hook.events):
                self.send(repo, hook, event, payload, sender)

    def send(
        self,
        repo: store.Repo,
        hook: store.HookRecord,
        event: str,
        payload: dict[str, Any],
        sender: store.Account,
    ) -> None:
        base = self._base_url()
        document = {
            **payload,
            "repository": store.repo_json(repo, base),
            "sender": store.account_json(sender, base),
        }
        text = json.dumps(document, separators=(",", ":"))
        if hook.content_type == "json":
            body, content_type = text.encode(), "application/json"
        else:
            body = urlencode({"payload": text}).encode()
            content_type = "application/x-www-form-urlencoded"
        delivery_id = str(uuid.uuid4())
        headers = {
            "Content-Type": content_type,
            "User-Agent": "GitHub-Hookshot/sandbox",
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": delivery_id,
            "X-GitHub-Hook-ID": str(hook.id),
            "X-GitHub-Hook-Installation-Target-Type": "repository",
            "X-GitHub-Hook-Installation-Target-ID": str(repo.id),
        }
        if hook.secret:
            headers["X-Hub-Signature-256"] = sign(body, hook.secret)
        self.sent[delivery_id] = (repo, hook.id, headers, body)
        self.sender.deliver(
            hook.url, headers, body, attempt=lambda: self._post_once(hook, headers, body)
        )

    async def _post_once(
        self, hook: store.HookRecord, headers: dict[str, str], body: bytes
    ) -> bool:
        record = await self.sender.post(hook.url, headers, body)
        hook.last_response = {
            "code": record.status,
            "status": "active" if record.ok else "failed",
            "message": record.outcome,
        }
        return record.ok

    def redeliver(self, delivery_id: str) -> None:
        """Send a past delivery again with the same X-GitHub-Delivery, as a person can in the UI."""
        repo, hook_id, headers, body = self.sent[delivery_id]
        self.sender.spawn(self._post_once(repo.hooks[hook_id], headers, body))
