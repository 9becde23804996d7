"""Asana webhooks of a project: creating them (with the handshake window), their secrets, and
removing them.

Reference: https://developers.asana.com/docs/webhooks-guide
- Creating a webhook makes Asana POST `X-Hook-Secret` to the target while the create call waits;
  that is the only time the secret is sent. A time window alone can be raced (the project id
  and Asana project gid are no secret), so the target we register carries a one-time random
  token, stored only as its hash: the first handshake that brings it, inside the window, for
  this project and resource, is the one Asana sends in answer to our create call. Nobody else
  can know the token, so nobody else can plant a secret.
- Creating the same resource + target again answers 403: list first.
- After 24 h of failed deliveries Asana deletes the webhook; a heartbeat comes every 8 h.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass

from app.auth.secrets import digest
from app.integrations.asana.client import AsanaClient
from app.integrations.errors import IntegrationError
from app.services.secrets import keyring
from app.tables import AsanaWebhook

logger = logging.getLogger(__name__)

# Long enough for Asana to call back while our create call waits, short enough to be useless
# to anyone else.
HANDSHAKE_WINDOW = dt.timedelta(seconds=60)
# Reference: https://developers.asana.com/reference/createwebhook (filters)
TASK_FILTERS = (
    {"resource_type": "task", "action": "added"},
    {"resource_type": "task", "action": "changed"},
    {"resource_type": "task", "action": "removed"},
    {"resource_type": "task", "action": "deleted"},
    {"resource_type": "task", "action": "undeleted"},
)


def secret_context(project_id: int, resource_gid: str) -> str:
    return f"asana-webhook:{project_id}:{resource_gid}"


def target_url(public_url: str, project_id: int, resource_gid: str) -> str:
    # Asana keeps the full target, so the resource in the query says which secret verifies.
    return f"{public_url}/webhooks/asana/{project_id}?resource={resource_gid}"


def registered_target(target: str, handshake_token: str) -> str:
    """The target we register with Asana: ours plus the one-time handshake token."""
    return f"{target}&handshake={handshake_token}"


def is_our_target(registered: str, target: str) -> bool:
    """True for `target` itself or `target` plus any handshake token (an earlier set-up)."""
    if registered == target:
        return True
    base, _, token = registered.partition("&handshake=")
    return base == target and bool(token) and "&" not in token


async def open_handshake_window(project_id: int, resource_gid: str, target: str) -> str:
    """Open the window for the handshake of a webhook we are about to create; return the
    one-time token to put in its target."""
    token = secrets.token_urlsafe(32)
    until = dt.datetime.now(dt.UTC) + HANDSHAKE_WINDOW
    await AsanaWebhook.raw(
        """
        INSERT INTO asana_webhooks
               (project, resource_gid, target, handshake_open_until, handshake_token_hash,
                created_at)
        VALUES ({}, {}, {}, {}, {}, now())
        ON CONFLICT (project, resource_gid) DO UPDATE
           SET target = EXCLUDED.target, handshake_open_until = EXCLUDED.handshake_open_until,
               handshake_token_hash = EXCLUDED.handshake_token_hash
        """,
        project_id,
        resource_gid,
        target,
        until,
        digest(token),
    )
    return token


async def accept_handshake(project_id: int, resource_gid: str, token: str, secret: str) -> bool:
    """Store the secret if `token` is the one-time token of the window open for this project
    and resource; the first such handshake closes the window, so it is accepted once."""
    if not token:
        return False
    sealed = keyring().encrypt(secret, secret_context(project_id, resource_gid))
    rows = await AsanaWebhook.raw(
        """
        UPDATE asana_webhooks
           SET secret_ciphertext = {}, handshake_open_until = NULL, handshake_token_hash = NULL,
               established_at = now(), last_error = NULL
         WHERE project = {} AND resource_gid = {} AND handshake_open_until > now()
           AND handshake_token_hash = {}
        RETURNING id
        """,
        sealed,
        project_id,
        resource_gid,
        digest(token),
    )
    return bool(rows)


async def secret_for(project_id: int, resource_gid: str) -> str | None:
    row = (
        await AsanaWebhook.select(AsanaWebhook.secret_ciphertext)
        .where((AsanaWebhook.project == project_id) & (AsanaWebhook.resource_gid == resource_gid))
        .first()
    )
    if row is None or row["secret_ciphertext"] is None:
        return None
    return keyring().decrypt(row["secret_ciphertext"], secret_context(project_id, resource_gid))


@dataclass(frozen=True)
class SetupResult:
    resource_gid: str
    ok: bool
    message: str


async def set_up(
    client: AsanaClient, project_id: int, resource_gids: list[str], public_url: str
) -> list[SetupResult]:
    """Create (or re-create) one webhook per Asana project; report each outcome."""
    results = []
    for gid in resource_gids:
        try:
            results.append(await _set_up_one(client, project_id, gid, public_url))
        except IntegrationError as error:
            await _note_error(project_id, gid, str(error))
            results.append(SetupResult(gid, False, str(error)))
    return results


async def _set_up_one(
    client: AsanaClient, project_id: int, gid: str, public_url: str
) -> SetupResult:
    target = target_url(public_url, project_id, gid)
    workspace = (await client.get_project(gid)).workspace_gid
    existing = [
        hook
        for hook in (await client.list_webhooks(workspace, resource_gid=gid) if workspace else [])
        if is_our_target(hook.target, target)
    ]
    if existing and await secret_for(project_id, gid) is not None and existing[0].active:
        await _remember(project_id, gid, existing[0].gid)
        return SetupResult(gid, True, "already set up")
    for hook in existing:
        # We cannot verify its deliveries without the secret (lost, or never stored): replace it.
        await client.delete_webhook(hook.gid)
    token = await open_handshake_window(project_id, gid, target)
    created = await client.create_webhook(
        gid, registered_target(target, token), filters=TASK_FILTERS
    )
    await _remember(project_id, gid, created.gid)
    if await secret_for(project_id, gid) is None:
        return SetupResult(
            gid, False, "Asana created the webhook but its handshake never reached us"
        )
    return SetupResult(gid, True, "webhook created; the handshake completed")


async def _remember(project_id: int, gid: str, webhook_gid: str) -> None:
    await AsanaWebhook.update(
        {AsanaWebhook.webhook_gid: webhook_gid, AsanaWebhook.last_error: None}
    ).where((AsanaWebhook.project == project_id) & (AsanaWebhook.resource_gid == gid))


async def _note_error(project_id: int, gid: str, message: str) -> None:
    await AsanaWebhook.update({AsanaWebhook.last_error: message[:500]}).where(
        (AsanaWebhook.project == project_id) & (AsanaWebhook.resource_gid == gid)
    )


async def remove(client: AsanaClient, project_id: int, resource_gid: str) -> None:
    """Delete the webhook at Asana (if it is still there) and forget it and its secret."""
    row = (
        await AsanaWebhook.select(AsanaWebhook.webhook_gid)
        .where((AsanaWebhook.project == project_id) & (AsanaWebhook.resource_gid == resource_gid))
        .first()
    )
    if row and row["webhook_gid"]:
        try:
            await client.delete_webhook(row["webhook_gid"])
        except IntegrationError as error:
            if getattr(error, "status", None) != 404:
                raise
    await AsanaWebhook.delete().where(
        (AsanaWebhook.project == project_id) & (AsanaWebhook.resource_gid == resource_gid)
    )


@dataclass(frozen=True)
class AsanaHookRow:
    resource_gid: str
    webhook_gid: str | None
    target: str
    has_secret: bool
    established_at: dt.datetime | None
    last_heartbeat_at: dt.datetime | None
    last_error: str | None


async def list_for(project_id: int) -> list[AsanaHookRow]:
    rows = (
        await AsanaWebhook.select(
            AsanaWebhook.resource_gid,
            AsanaWebhook.webhook_gid,
            AsanaWebhook.target,
            AsanaWebhook.secret_ciphertext,
            AsanaWebhook.established_at,
            AsanaWebhook.last_heartbeat_at,
            AsanaWebhook.last_error,
        )
        .where(AsanaWebhook.project == project_id)
        .order_by(AsanaWebhook.resource_gid)
    )
    return [
        AsanaHookRow(
            resource_gid=r["resource_gid"],
            webhook_gid=r["webhook_gid"],
            target=r["target"],
            has_secret=r["secret_ciphertext"] is not None,
            established_at=r["established_at"],
            last_heartbeat_at=r["last_heartbeat_at"],
            last_error=r["last_error"],
        )
        for r in rows
    ]
