"""Webhook deliveries (a safe summary each, never the raw payload), rejected requests, and
the Asana webhooks this tool created."""

from piccolo.columns import (
    JSONB,
    BigSerial,
    ForeignKey,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.tables.projects import Project


class WebhookDelivery(Table, tablename="webhook_deliveries"):
    """One acknowledged delivery (GitHub) or event (Asana). The row is the source of truth:
    it is committed, together with its processing job, before we answer 2xx; a sweep re-enqueues
    any pending delivery whose job is gone. (project, source, delivery_key) is unique."""

    id = BigSerial(primary_key=True)
    project = ForeignKey(references=Project, on_delete=OnDelete.cascade, null=False)
    source = Varchar(length=8)
    delivery_key = Varchar(length=128)
    hook_ref = Varchar(length=64, null=True, default=None)
    event = Varchar(length=64)
    action = Varchar(length=64, null=True, default=None)
    summary = JSONB(default={})
    received_at = Timestamptz(default=TimestamptzNow())
    status = Varchar(length=16, default="pending")
    outcome = Text(null=True, default=None)
    processed_at = Timestamptz(null=True, default=None)


class WebhookRejection(Table, tablename="webhook_rejections"):
    """A request to a project's webhook URL that we refused (bad signature, malformed body,
    handshake outside a set-up window): counted in the health view, pruned with deliveries."""

    id = BigSerial(primary_key=True)
    project = ForeignKey(references=Project, on_delete=OnDelete.cascade, null=False)
    source = Varchar(length=8)
    hook_ref = Varchar(length=64, null=True, default=None)
    reason = Varchar(length=200)
    rejected_at = Timestamptz(default=TimestamptzNow())


class AsanaWebhook(Table, tablename="asana_webhooks"):
    """An Asana webhook on one Asana project. Its secret arrives once, in the handshake, and is
    stored encrypted; the handshake is accepted only while `handshake_open_until` is ahead and
    only with the one-time token (stored as its SHA-256) we put in the target we registered."""

    project = ForeignKey(references=Project, on_delete=OnDelete.cascade, null=False)
    resource_gid = Varchar(length=32)
    webhook_gid = Varchar(length=32, null=True, default=None)
    target = Text()
    secret_ciphertext = Text(null=True, default=None)
    handshake_open_until = Timestamptz(null=True, default=None)
    handshake_token_hash = Text(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    established_at = Timestamptz(null=True, default=None)
    last_heartbeat_at = Timestamptz(null=True, default=None)
    last_error = Text(null=True, default=None)
