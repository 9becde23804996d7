"""Asana: the REST client, typed records, and webhook handshake/signature helpers."""

from app.integrations.asana.client import ASANA_API_URL, AsanaClient
from app.integrations.asana.models import (
    CustomField,
    CustomFieldValue,
    EnumOption,
    Membership,
    Project,
    Story,
    Task,
    Webhook,
    Workspace,
)

__all__ = [
    "ASANA_API_URL",
    "AsanaClient",
    "CustomField",
    "CustomFieldValue",
    "EnumOption",
    "Membership",
    "Project",
    "Story",
    "Task",
    "Webhook",
    "Workspace",
]
