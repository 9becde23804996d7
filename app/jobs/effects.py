"""Performing one effect through the clients, exactly once.

A create (issue, comment, Asana story) that may already have happened — an earlier try started
and never recorded its outcome — is looked for before it is made again:
- an issue by its hidden `<!-- autoflow:task:ID -->` marker, among the repository's recent
  issues created by our account (the list endpoint, not search: search indexes late);
- a comment by its hidden `<!-- autoflow:effect:KEY -->` marker among the issue's comments;
- an Asana story by its exact text (the core writes it deterministically).
Everything else is idempotent at the service (labels, state changes, completion).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from app.integrations.asana.client import AsanaClient
from app.integrations.github.client import GitHubClient
from app.pipeline import effects as fx
from app.pipeline.facts import asana_time
from app.services.project_clients import ProjectClients

logger = logging.getLogger(__name__)

# How far back to look for an issue we may have created: the effect's first try happened after
# it was planned, so issues older than that (less a margin for clock skew) are not ours.
LOOKBACK_MARGIN = dt.timedelta(minutes=10)


async def perform(
    effect: fx.Effect, clients: ProjectClients, *, look_first: bool, planned_at: dt.datetime
) -> dict[str, Any]:
    """Do it (or find it done); return the service's safe answer for the outbox and the core."""
    if isinstance(effect, fx.CreateIssue):
        github = await clients.github()
        found = await _find_issue(github, effect, planned_at) if look_first else None
        if found is not None:
            logger.info("found an issue created by an earlier try", extra={"key": effect.key})
            return {"repo": effect.repo, **found, "found": True}
        issue = await github.create_issue(effect.repo, effect.title, effect.body)
        return {"repo": effect.repo, "number": issue.number, "url": issue.html_url}
    if isinstance(effect, fx.CommentOnIssue):
        github = await clients.github()
        if look_first:
            found = await _find_comment(github, effect)
            if found is not None:
                return {**found, "found": True}
        comment = await github.comment(effect.repo, effect.number, effect.body)
        return {"comment_id": comment.id, "url": comment.html_url}
    if isinstance(effect, fx.AddLabel):
        github = await clients.github()
        labels = await github.add_labels(effect.repo, effect.number, [effect.label])
        return {"labels": list(labels)}
    if isinstance(effect, fx.RemoveLabel):
        await (await clients.github()).remove_label(effect.repo, effect.number, effect.label)
        return {"label": effect.label}
    if isinstance(effect, fx.CloseIssue):
        github = await clients.github()
        issue = await github.close_issue(effect.repo, effect.number, reason=effect.state_reason)
        return {"state": issue.state, "state_reason": issue.state_reason}
    if isinstance(effect, fx.ReopenIssue):
        issue = await (await clients.github()).reopen_issue(effect.repo, effect.number)
        return {"state": issue.state}
    if isinstance(effect, fx.CompleteAsanaTask | fx.ReopenAsanaTask):
        completed = isinstance(effect, fx.CompleteAsanaTask)
        task = await (await clients.asana()).update_task(effect.asana_gid, completed=completed)
        return {"completed": task.completed, "modified_at": asana_time(task.modified_at)}
    if isinstance(effect, fx.PostAsanaStory):
        asana = await clients.asana()
        if look_first:
            found = await _find_story(asana, effect)
            if found is not None:
                return {**found, "found": True}
        story = await asana.add_comment(effect.asana_gid, effect.text)
        return {"story_gid": story.gid}
    raise ValueError(f"no way to perform a {effect.kind} effect")


async def _find_issue(
    github: GitHubClient, effect: fx.CreateIssue, planned_at: dt.datetime
) -> dict[str, Any] | None:
    me = await github.get_authenticated_user()
    recent = await github.list_issues(
        effect.repo, creator=me.login, state="all", since=planned_at - LOOKBACK_MARGIN
    )
    for issue in recent:
        if not issue.is_pull_request and effect.marker in issue.body:
            return {"number": issue.number, "url": issue.html_url}
    return None


async def _find_comment(github: GitHubClient, effect: fx.CommentOnIssue) -> dict[str, Any] | None:
    marker = fx.effect_marker(effect.key)
    for comment in await github.list_comments(effect.repo, effect.number):
        if marker in comment.body:
            return {"comment_id": comment.id, "url": comment.html_url}
    return None


async def _find_story(asana: AsanaClient, effect: fx.PostAsanaStory) -> dict[str, Any] | None:
    for story in await asana.list_stories(effect.asana_gid):
        if story.text.strip() == effect.text.strip():
            return {"story_gid": story.gid}
    return None
