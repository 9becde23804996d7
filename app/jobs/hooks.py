"""`set_up_project_hooks`: create every webhook a project needs (one per Asana project, one per
repository), then import its recent tasks. The demo queues it at start; it runs in a worker
because Asana's handshake must reach our web process while the create call waits, so the web
process has to be up first."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import procrastinate

from app.jobs import defer
from app.jobs.imports import start_import
from app.jobs.pipeline import clients_for
from app.jobs.retry import DEFAULT_RETRY, Retryable
from app.services import project_hooks

logger = logging.getLogger(__name__)

blueprint = procrastinate.Blueprint()

# How long to wait for our own web process to answer before giving up this try (seconds).
WEB_WAIT_SECONDS = 60
WEB_POLL_SECONDS = 0.25


def hooks_job(project_id: int) -> defer.Job:
    return defer.Job(
        defer.SET_UP_PROJECT_HOOKS,
        {"project_id": project_id},
        # Two starts in a row queue two: the second finds everything set up already.
        lock=f"hooks:{project_id}",
    )


async def _wait_for_web(session: aiohttp.ClientSession, public_url: str) -> None:
    for _ in range(int(WEB_WAIT_SECONDS / WEB_POLL_SECONDS)):
        try:
            async with session.get(f"{public_url}/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(WEB_POLL_SECONDS)
    raise Retryable(f"the web process at {public_url} did not answer")


@blueprint.task(name="set_up_project_hooks", pass_context=True, retry=DEFAULT_RETRY)
async def set_up_project_hooks(context: procrastinate.JobContext, project_id: int) -> str:
    clients = clients_for(context, project_id)
    await _wait_for_web(clients.session, clients.settings.public_url)
    outcome = await project_hooks.set_up_all(clients)
    if not outcome.ok:
        problems = [r.message for r in outcome.asana if not r.ok]
        problems += [
            f"{c.repo}: {', '.join(c.problems)}" for c in outcome.github if c.state != "ok"
        ]
        raise Retryable("webhooks not set up: " + "; ".join(problems))
    await start_import(project_id)
    return f"{len(outcome.asana)} Asana and {len(outcome.github)} GitHub webhooks ready"
