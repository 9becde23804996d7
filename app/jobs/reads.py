"""What `advance_task` reads from the services before it locks the task: an Asana task (events
carry no field values), and the answers to the core's Reread* effects. Outbound HTTP happens
here and only here on the way into the core, never under a row lock."""

from __future__ import annotations

import logging
from typing import Any

from app.integrations.errors import NotFound
from app.jobs import facts
from app.pipeline import effects as fx
from app.pipeline.facts import AsanaTaskSnapshot, Fact
from app.services import tasks
from app.services.project_clients import ProjectClients

logger = logging.getLogger(__name__)


class TaskGone(Exception):
    """The Asana task no longer exists (or the token may no longer see it)."""


async def read_facts(
    envelope: dict[str, Any], task: dict[str, Any], clients: ProjectClients
) -> list[Fact]:
    """The core facts one envelope stands for, reading from the services where needed."""
    kind = envelope["kind"]
    if kind == "asana.task":
        delivery = envelope.get("delivery")
        return [await _asana_snapshot(task["asana_gid"], clients, delivery)]
    if kind in facts.GITHUB_FACTS:
        return [facts.GITHUB_FACTS[kind](envelope)]
    if kind in ("effect.result", "effect.failed"):
        return [facts.result_fact(envelope)]
    if kind == "reread":
        return await _reread(fx.effect_from_json(envelope["effect"]), task, clients)
    if kind == "user.action":
        return [facts.user_action_fact(envelope)]
    raise ValueError(f"unknown fact kind {kind!r}")


async def _asana_snapshot(
    gid: str, clients: ProjectClients, delivery: Any = None
) -> AsanaTaskSnapshot:
    asana = await clients.asana()
    try:
        task = await asana.get_task(gid)
    except NotFound as error:
        raise TaskGone(str(error)) from error
    return AsanaTaskSnapshot.from_task(
        task, delivery_id=str(delivery) if delivery is not None else None
    )


async def _reread(effect: fx.Effect, task: dict[str, Any], clients: ProjectClients) -> list[Fact]:
    if isinstance(effect, fx.RereadAsanaTask):
        return [await _asana_snapshot(effect.asana_gid, clients)]
    github = await clients.github()
    if isinstance(effect, fx.RereadPullRequest):
        pull = await github.get_pull_request(effect.repo, effect.number)
        return [facts.reread_pull_request_fact(effect.repo, pull)]
    if isinstance(effect, fx.RereadWorkflowRuns):
        runs = await github.list_workflow_runs(effect.repo, effect.head_sha)
        for run in runs:  # keep them, as if their events had arrived
            await tasks.record_ci_run(
                task["project"],
                tasks.CiRunRow(
                    repo=effect.repo,
                    head_sha=run.head_sha,
                    workflow_id=run.workflow_id,
                    workflow_name=run.name,
                    run_id=run.id,
                    run_number=None,
                    attempt=run.run_attempt,
                    event=run.event,
                    status=run.status,
                    conclusion=run.conclusion,
                    url=run.html_url,
                ),
            )
        return [facts.reread_workflow_run_fact(effect.repo, run) for run in runs]
    raise ValueError(f"not a re-read: {effect.kind}")
