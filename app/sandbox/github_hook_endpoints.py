"""The GitHub sandbox's repository webhooks endpoints: hooks, their deliveries, redelivery.

A new hook is pinged, as GitHub does. Deliveries themselves are built and sent by
`github_events.py`, which keeps each on its hook; GitHub never retries a failed one on its own,
so neither does the sandbox: a person (or `POST .../deliveries/{id}/attempts`) redelivers it,
with the same `X-GitHub-Delivery`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from app.sandbox import github_shapes as shapes
from app.sandbox import github_store as store
from app.sandbox.github_api import ACCOUNT, GitHubApi, GitHubError, validation_failed
from app.sandbox.server import json_response

CONTENT_TYPES = ("json", "form")


class HookEndpoints(GitHubApi):
    """A repository's hooks: list, create, read, update, ping, delete; deliveries."""

    def _hook(self, request: web.Request, repo: store.Repo) -> store.HookRecord:
        hook = repo.hooks.get(self._number(request, "hook_id"))
        if hook is None:
            raise GitHubError(404, "Not Found")
        return hook

    async def list_hooks(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/repos/webhooks#list-repository-webhooks
        repo = self._repo(request, "admin")
        return self._paginate(
            request, [shapes.hook(h, repo, self._url()) for h in repo.hooks.values()]
        )

    async def create_hook(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/repos/webhooks#create-a-repository-webhook
        # Defaults as the API documents them: content_type "form", events ["push"].
        repo = self._repo(request, "admin")
        data = await self._body(request)
        config = data.get("config") if isinstance(data, dict) else None
        if not isinstance(config, dict) or not config.get("url"):
            raise validation_failed("Hook", "url", "missing_field")
        content_type = config.get("content_type", "form")
        if content_type not in CONTENT_TYPES:
            raise validation_failed("Hook", "content_type", "invalid", content_type)
        events = self._events(data.get("events") or ["push"])
        if any(h.url == config["url"] and set(h.events) & set(events) for h in repo.hooks.values()):
            raise GitHubError(
                422,
                "Validation Failed",
                errors=[
                    {
                        "resource": "Hook",
                        "code": "custom",
                        "message": "Hook already exists on this repository",
                    }
                ],
            )
        hook = store.HookRecord(
            store.new_id(),
            events,
            str(config["url"]),
            content_type,
            config.get("secret") or None,
            bool(data.get("active", True)),
            store.now(),
        )
        repo.hooks[hook.id] = hook
        self.events.ping(repo, hook, request[ACCOUNT])  # GitHub pings every new hook
        return json_response(shapes.hook(hook, repo, self._url()), status=201)

    @staticmethod
    def _events(events: Any) -> list[str]:
        if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
            raise validation_failed("Hook", "events", "invalid")
        return list(dict.fromkeys(events))

    async def get_hook(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/repos/webhooks#get-a-repository-webhook
        repo = self._repo(request, "admin")
        return json_response(shapes.hook(self._hook(request, repo), repo, self._url()))

    async def update_hook(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/repos/webhooks#update-a-repository-webhook
        # `events` replaces the list; `add_events` / `remove_events` edit it; a `config` given
        # replaces the whole configuration (a secret left out is removed).
        repo = self._repo(request, "admin")
        hook = self._hook(request, repo)
        data = await self._body(request)
        if not isinstance(data, dict):
            raise GitHubError(400, "Problems parsing JSON")
        if "config" in data:
            config = data["config"]
            if not isinstance(config, dict) or not config.get("url"):
                raise validation_failed("Hook", "url", "missing_field")
            content_type = config.get("content_type", "form")
            if content_type not in CONTENT_TYPES:
                raise validation_failed("Hook", "content_type", "invalid", content_type)
            hook.url, hook.content_type = str(config["url"]), content_type
            hook.secret = config.get("secret") or None
        events = self._events(data["events"]) if "events" in data else list(hook.events)
        events += [e for e in self._events(data.get("add_events", [])) if e not in events]
        removed = set(self._events(data.get("remove_events", [])))
        hook.events = [e for e in events if e not in removed]
        if "active" in data:
            if not isinstance(data["active"], bool):
                raise validation_failed("Hook", "active", "invalid")
            hook.active = data["active"]
        hook.updated_at = store.now()
        return json_response(shapes.hook(hook, repo, self._url()))

    async def ping_hook(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/repos/webhooks#ping-a-repository-webhook
        repo = self._repo(request, "admin")
        self.events.ping(repo, self._hook(request, repo), request[ACCOUNT])
        return web.Response(status=204)

    async def delete_hook(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/repos/webhooks#delete-a-repository-webhook
        repo = self._repo(request, "admin")
        del repo.hooks[self._hook(request, repo).id]
        return web.Response(status=204)

    async def list_deliveries(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/repos/webhooks#list-deliveries-for-a-repository-webhook
        # Newest first; per_page up to 100 and a `cursor` (here: the last id seen) in `Link`.
        repo = self._repo(request, "admin")
        hook = self._hook(request, repo)
        per_page = min(max(self._int_query(request, "per_page", 30), 1), 100)
        cursor = self._int_query(request, "cursor", 0)
        records = sorted(hook.deliveries, key=lambda d: d.id, reverse=True)
        if cursor:
            records = [d for d in records if d.id < cursor]
        chunk = records[:per_page]
        headers = None
        if len(records) > per_page:
            query = {**request.query, "cursor": str(chunk[-1].id)}
            headers = {"Link": f'<{self._url()}{request.path}?{urlencode(query)}>; rel="next"'}
        return json_response([shapes.delivery_item(d, repo) for d in chunk], headers=headers)

    def _delivery(self, request: web.Request, hook: store.HookRecord) -> store.HookDeliveryRecord:
        delivery_id = self._number(request, "delivery_id")
        record = next((d for d in hook.deliveries if d.id == delivery_id), None)
        if record is None:
            raise GitHubError(404, "Not Found")
        return record

    async def get_delivery(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/repos/webhooks#get-a-delivery-for-a-repository-webhook
        repo = self._repo(request, "admin")
        hook = self._hook(request, repo)
        return json_response(shapes.delivery(self._delivery(request, hook), repo, self._url()))

    async def redeliver_delivery(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/repos/webhooks#redeliver-a-delivery-for-a-repository-webhook
        # 202 Accepted: the attempt is made in the background, with the same X-GitHub-Delivery.
        repo = self._repo(request, "admin")
        hook = self._hook(request, repo)
        self.events.redeliver(repo, hook, self._delivery(request, hook).id)
        return json_response({}, status=202)

    def redeliver(self, delivery_id: str) -> None:
        """Send a past delivery again with the same X-GitHub-Delivery, as a person can in the UI."""
        repo, hook, record = self.events.find(delivery_id)
        self.events.redeliver(repo, hook, record.id)
