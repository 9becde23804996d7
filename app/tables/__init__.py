"""Piccolo table definitions, one module per area of the product."""

from app.tables.api import ApiToken
from app.tables.auth import LoginThrottle, Session, User
from app.tables.knowledge import ProjectContact, ProjectKnowledgeNote, ProjectLink
from app.tables.project_config import (
    AsanaFieldConfig,
    AsanaRepoMap,
    AsanaStatusMap,
    IntegrationCheck,
    ProjectAsanaProject,
    ProjectGithubRepo,
)
from app.tables.projects import Invite, Project, ProjectMembership
from app.tables.secrets import ProjectSecret
from app.tables.task_imports import TaskImport
from app.tables.tasks import CiRun, Task, TaskEffect, TaskEvent, TaskSpec
from app.tables.webhooks import AsanaWebhook, WebhookDelivery, WebhookRejection

ALL_TABLES = (User, Session, Invite, LoginThrottle, Project, ProjectMembership, ProjectSecret)
ALL_TABLES += (AsanaFieldConfig, ProjectAsanaProject, AsanaStatusMap, ProjectGithubRepo)
ALL_TABLES += (AsanaRepoMap, IntegrationCheck, ProjectLink, ProjectContact, ProjectKnowledgeNote)
ALL_TABLES += (WebhookDelivery, WebhookRejection, AsanaWebhook)
ALL_TABLES += (ApiToken,)
ALL_TABLES += (Task, TaskSpec, TaskEvent, TaskEffect, CiRun)
ALL_TABLES += (TaskImport,)

__all__ = [
    "ALL_TABLES",
    "ApiToken",
    "AsanaFieldConfig",
    "AsanaRepoMap",
    "AsanaStatusMap",
    "IntegrationCheck",
    "ProjectAsanaProject",
    "ProjectContact",
    "ProjectGithubRepo",
    "ProjectKnowledgeNote",
    "ProjectLink",
    "AsanaWebhook",
    "CiRun",
    "Invite",
    "LoginThrottle",
    "Project",
    "ProjectMembership",
    "ProjectSecret",
    "Session",
    "Task",
    "TaskImport",
    "TaskEffect",
    "TaskEvent",
    "TaskSpec",
    "User",
    "WebhookDelivery",
    "WebhookRejection",
]
