"""The job the dashboard's "New task" queues (a user's action on a task goes through the shell's
`advance_task`, see `app/services/task_actions.py`).

`create_asana_task` creates the Asana task with the AutoTask and Repo fields set, then feeds the
created task to the core at once, as the import does, so it enters the pipeline without waiting
for Asana's webhook (which, when it comes, judges the same snapshot again and changes nothing).
"""

from __future__ import annotations

import logging
from typing import Any

import procrastinate

from app.integrations.asana.client import CustomFieldInput
from app.jobs.pipeline import advance, clients_for
from app.jobs.retry import DEFAULT_RETRY
from app.pipeline.facts import AsanaTaskSnapshot, Fact, UserAction, UserActionKind
from app.pipeline.rules_config import resolve_repo
from app.services import project_config, tasks

logger = logging.getLogger(__name__)

blueprint = procrastinate.Blueprint()


async def _field_values(asana: Any, project_id: int, repo: str, auto: bool):
    """The custom field values to create the task with, and whether the Repo field could say
    the repository (when no option means it, the repo is chosen as a user action instead)."""
    config = await project_config.asana_config(project_id)
    values: dict[str, CustomFieldInput] = {}
    if auto and config.autotask_field_gid and config.autotask_on_option_gid:
        field = await asana.get_custom_field(config.autotask_field_gid)
        on = config.autotask_on_option_gid
        values[config.autotask_field_gid] = [on] if field.subtype == "multi_enum" else on
    repo_said = False
    if config.repo_field_gid:
        field = await asana.get_custom_field(config.repo_field_gid)
        repos = await project_config.github_repos(project_id)
        overrides = await project_config.repo_overrides(project_id)
        option = next(
            (
                o
                for o in field.enum_options
                if o.enabled and resolve_repo(o.gid, o.name, repos, overrides) == repo
            ),
            None,
        )
        if option is not None:
            values[config.repo_field_gid] = option.gid
            repo_said = True
    return values, repo_said


@blueprint.task(name="create_asana_task", pass_context=True, retry=DEFAULT_RETRY)
async def create_asana_task(
    context: procrastinate.JobContext, project_id: int, request: dict[str, Any]
) -> str:
    asana = await clients_for(context, project_id).asana()
    values, repo_said = await _field_values(
        asana, project_id, request["repo"], bool(request["auto"])
    )
    # Everything before this call may be retried freely; a retry after a create that timed
    # out on the way back could make a second Asana task (Asana offers no idempotency key).
    created = await asana.create_task(
        request["asana_project"], request["title"], notes=request["notes"], custom_fields=values
    )
    task_id = await tasks.ensure_task(project_id, created.gid)
    facts: list[Fact] = []
    if not repo_said:
        # The Repo field has no option for this repository: the choice is recorded as the
        # user's, before the first snapshot, so the snapshot does not park it on NEEDS_REPO.
        facts.append(
            UserAction(
                UserActionKind.CHANGE_REPO,
                f"create-{request['request_id']}",
                by=request.get("by") or "",
                repo=request["repo"],
            )
        )
    facts.append(AsanaTaskSnapshot.from_task(created))
    await tasks.add_events(
        task_id,
        project_id,
        [("user", "manual.action", {"action": "create_task", "by": request.get("by") or ""})],
    )
    await advance(task_id, facts)
    logger.info("created an Asana task", extra={"project_id": project_id, "task_id": task_id})
    return f"created task {task_id} ({created.gid})"
