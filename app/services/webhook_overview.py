"""What the webhooks page shows: the URLs, each Asana webhook and each repo with its health.
Database reads only; the actions that call Asana or GitHub live in asana_hooks / github_hooks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app.services import asana_hooks, deliveries, project_config
from app.services.deliveries import HookHealth
from app.services.github_hooks import hook_url
from app.tables import ProjectSecret

# Asana sends a heartbeat every 8 hours; two missed ones mean the webhook is probably gone
# (Asana deletes a webhook after 24 h of failed deliveries).
# Reference: https://developers.asana.com/docs/webhooks-guide (heartbeat events)
HEARTBEAT_OVERDUE = dt.timedelta(hours=17)
EMPTY_HEALTH = HookHealth(None, None, None, None, None, None, 0, 0)


@dataclass(frozen=True)
class AsanaHookView:
    resource_gid: str
    state: str  # active | awaiting | not set up | error | silent
    webhook_gid: str | None
    last_heartbeat_at: dt.datetime | None
    last_error: str | None
    health: HookHealth


@dataclass(frozen=True)
class RepoHookView:
    repo: str
    health: HookHealth


@dataclass(frozen=True)
class WebhooksOverview:
    github_url: str
    asana_url: str
    asana: list[AsanaHookView]
    repos: list[RepoHookView]
    unattributed: list[HookHealth]
    github_secret_set: bool
    asana_token_set: bool
    github_token_set: bool

    @property
    def any_failing(self) -> bool:
        views = [*self.asana, *self.repos]
        return any(v.health.failing for v in views) or any(h.failing for h in self.unattributed)


def _asana_state(row: asana_hooks.AsanaHookRow | None, now: dt.datetime) -> str:
    if row is None:
        return "not set up"
    if row.last_error and not row.has_secret:
        return "error"
    if not row.has_secret:
        return "awaiting"
    last_sign = row.last_heartbeat_at or row.established_at
    if last_sign and now - last_sign > HEARTBEAT_OVERDUE:
        return "silent"
    return "active"


async def overview(project_id: int, public_url: str, now: dt.datetime) -> WebhooksOverview:
    gids = await project_config.asana_project_gids(project_id)
    rows = {row.resource_gid: row for row in await asana_hooks.list_for(project_id)}
    asana_health = await deliveries.health(project_id, "asana", now)
    asana = [
        AsanaHookView(
            resource_gid=gid,
            state=_asana_state(rows.get(gid), now),
            webhook_gid=rows[gid].webhook_gid if gid in rows else None,
            last_heartbeat_at=rows[gid].last_heartbeat_at if gid in rows else None,
            last_error=rows[gid].last_error if gid in rows else None,
            health=asana_health.get(gid, EMPTY_HEALTH),
        )
        for gid in gids
    ]
    github_health = await deliveries.health(project_id, "github", now)
    by_repo: dict[str, HookHealth] = {}
    unattributed = []
    for entry in github_health.values():
        if entry.label:
            by_repo[entry.label] = _merge(by_repo.get(entry.label), entry)
        else:
            unattributed.append(entry)
    repos = [
        RepoHookView(repo, by_repo.get(repo, EMPTY_HEALTH))
        for repo in await project_config.github_repos(project_id)
    ]
    return WebhooksOverview(
        github_url=hook_url(public_url, project_id),
        asana_url=f"{public_url}/webhooks/asana/{project_id}",
        asana=asana,
        repos=repos,
        unattributed=unattributed,
        github_secret_set=await _has_secret(project_id, "github_webhook_secret"),
        asana_token_set=await _has_secret(project_id, "asana_pat"),
        github_token_set=await _has_secret(project_id, "github_token"),
    )


def _latest(a: dt.datetime | None, b: dt.datetime | None) -> dt.datetime | None:
    return max((x for x in (a, b) if x is not None), default=None)


def _merge(current: HookHealth | None, extra: HookHealth) -> HookHealth:
    if current is None:
        return extra
    failure_from_extra = _latest(current.last_failure_at, extra.last_failure_at) == (
        extra.last_failure_at
    )
    return HookHealth(
        hook_ref=current.hook_ref,
        label=current.label,
        last_delivery_at=_latest(current.last_delivery_at, extra.last_delivery_at),
        last_success_at=_latest(current.last_success_at, extra.last_success_at),
        last_failure_at=_latest(current.last_failure_at, extra.last_failure_at),
        last_failure_reason=(
            extra.last_failure_reason if failure_from_extra else current.last_failure_reason
        ),
        deliveries_24h=current.deliveries_24h + extra.deliveries_24h,
        failures_24h=current.failures_24h + extra.failures_24h,
    )


async def _has_secret(project_id: int, name: str) -> bool:
    return await ProjectSecret.exists().where(
        (ProjectSecret.project == project_id) & (ProjectSecret.name == name)
    )
