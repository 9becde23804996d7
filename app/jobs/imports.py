"""`import_asana_tasks`: every task of a project's Asana projects modified in the last 90 days,
judged by the same rules as a webhook's re-read.

One page per job run: the job handles a page (up to 100 tasks) and queues itself for the next
one with Asana's offset, so a crash or a deploy resumes at the page it was on, and a re-run
page changes nothing (a known task keeps its issue, PR and links; effects are keyed).
"""

from __future__ import annotations

import datetime as dt
import logging

import procrastinate

from app.jobs import defer
from app.jobs.pipeline import advance, clients_for
from app.jobs.retry import DEFAULT_RETRY
from app.pipeline.facts import AsanaTaskSnapshot
from app.services import project_config as config
from app.services import tasks

logger = logging.getLogger(__name__)

blueprint = procrastinate.Blueprint()

IMPORT_WINDOW = dt.timedelta(days=90)


def import_job(project_id: int, **resume: object) -> defer.Job:
    return defer.Job(
        defer.IMPORT_ASANA_TASKS,
        {"project_id": project_id, **resume},
        # One import of a project at a time; its next page waits behind the current one.
        lock=f"import:{project_id}",
    )


async def start_import(project_id: int) -> None:
    """Queue an import of the project from its first page."""
    await defer.defer(import_job(project_id))


@blueprint.task(name="import_asana_tasks", pass_context=True, retry=DEFAULT_RETRY)
async def import_asana_tasks(
    context: procrastinate.JobContext,
    project_id: int,
    position: int = 0,
    offset: str | None = None,
    since: str | None = None,
) -> dict[str, int | str | None]:
    # The window is fixed by the first page, so later pages ask the same question.
    start = dt.datetime.fromisoformat(since) if since else dt.datetime.now(dt.UTC) - IMPORT_WINDOW
    gids = await config.asana_project_gids(project_id)
    if position >= len(gids):
        return {"done": 1}
    asana = await clients_for(context, project_id).asana()
    page, next_offset = await asana.list_project_tasks_page(gids[position], start, offset=offset)
    for task in page:
        task_id = await tasks.ensure_task(project_id, task.gid)
        await advance(task_id, [AsanaTaskSnapshot.from_task(task, imported=True)])
    if next_offset:
        resume = {"position": position, "offset": next_offset, "since": start.isoformat()}
    else:
        resume = {"position": position + 1, "offset": None, "since": start.isoformat()}
    if resume["position"] < len(gids):
        await defer.defer(import_job(project_id, **resume))
    logger.info(
        "imported a page of Asana tasks",
        extra={"project_id": project_id, "count": len(page), "asana_project": gids[position]},
    )
    return {"tasks": len(page), "position": position, "next_offset": next_offset}
