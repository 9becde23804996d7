"""GitHub: the REST client, typed records, and webhook signature helpers."""

from app.integrations.github.client import GITHUB_API_URL, GitHubClient
from app.integrations.github.models import (
    Comment,
    Hook,
    Issue,
    Label,
    PullRequest,
    Repository,
    WorkflowRun,
)

__all__ = [
    "GITHUB_API_URL",
    "Comment",
    "GitHubClient",
    "Hook",
    "Issue",
    "Label",
    "PullRequest",
    "Repository",
    "WorkflowRun",
]
