"""The GitHub sandbox's repository webhooks endpoints, and redelivery as a person does it.

A new hook is pinged, as GitHub does. Deliveries themselves are built and sent by
`github_events.py`; GitHub never retries a failed one on its own, so neither does the sandbox.
"""

from __future__ import annotations

from aiohttp import web

from app.sandbox import github_store as store
from app.sandbox.github_api import ACCOUNT, GitHubApi, GitHubError, validation_failed
from app.sandbox.server import json_response


class HookEndpoints(GitHubApi):
    """Listing, creating, pinging and deleting a repository's hooks; redelivering a delivery."""

    async def list_hooks(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/repos/webhooks#list-repository-webhooks
        repo = self._repo(request, "admin")
        return self._paginate(
            request, [store.hook_json(h, repo, self._url()) for h in repo.hooks.values()]
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
        if content_type not in ("json", "form"):
            raise validation_failed("Hook", "content_type", "invalid")
        events = list(data.get("events") or ["push"])
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
        return json_response(store.hook_json(hook, repo, self._url()), status=201)

    async def ping_hook(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/repos/webhooks#ping-a-repository-webhook
        repo = self._repo(request, "admin")
        hook = (
            repo.hooks.get(int(request.match_info["hook_id"]))
            if request.match_info["hook_id"].isdigit()
            else None
        )
        if hook is None:
            raise GitHubError(404, "Not Found")
        self.events.ping(repo, hook, request[ACCOUNT])
        return web.Response(status=204)

    async def delete_hook(self, request: web.Request) -> web.Response:
        # Reference: https://docs.github.com/en/rest/repos/webhooks#delete-a-repository-webhook
        repo = self._repo(request, "admin")
        if repo.hooks.pop(int(request.match_info["hook_id"]), None) is None:
            raise GitHubError(404, "Not Found")
        return web.Response(status=204)

    def redeliver(self, delivery_id: str) -> None:
        """Send a past delivery again with the same X-GitHub-Delivery, as a person can in the UI."""
        self.events.redeliver(delivery_id)
