"""HTMX fragments of the Tasks tab: the filtered list, the import and creation, a task's live
timeline and its actions.

Every mutation is authorized for editors (a viewer gets 403), checked, queued as a job and
answered with the fragment it changed (htmx) or a 303 back to the page (a plain form).
"""

from __future__ import annotations

import json

from quart import Blueprint, Response, abort, g, redirect, request

from app.pipeline.facts import UserActionKind
from app.services import task_imports, task_requests, task_view
from app.services.projects import ProjectAccess, Role
from app.services.task_actions import RequestedAction
from app.services.task_queries import TaskDetail, TaskFilter
from app.services.task_requests import ActionProblem
from app.web.guards import login_required, project_for
from app.web.render import TOAST_EVENT, fragment, is_htmx, notice
from app.web.task_guards import task_for

blueprint = Blueprint("task_partials", __name__, url_prefix="/partials/p/<slug>")

# Listened to by the task list: a finished creation or a running import refreshes it.
TASKS_CHANGED = "autoflow:tasks-changed"

ACTIONS = {
    "retry": UserActionKind.RETRY,
    "resync": UserActionKind.RESYNC,
    "force-link-pr": UserActionKind.FORCE_LINK_PR,
    "change-repo": UserActionKind.CHANGE_REPO,
    "note": UserActionKind.ADD_NOTE,
}

DONE_MESSAGES = {
    UserActionKind.RETRY: "Retry queued: failed steps run again and the task is read afresh.",
    UserActionKind.RESYNC: "Re-sync queued: the task is read again from Asana.",
    UserActionKind.FORCE_LINK_PR: "Link queued: the pull request is read and followed.",
    UserActionKind.CHANGE_REPO: "Repository change queued.",
    UserActionKind.ADD_NOTE: "Note queued: it goes on the timeline and to Asana.",
}


def _events(response: Response, toast: str | None = None, changed: bool = False) -> Response:
    """Set HX-Trigger with a toast and/or the list refresh, in one header."""
    triggers: dict[str, object] = {}
    if toast:
        triggers[TOAST_EVENT] = {"message": toast, "level": "ok"}
    if changed:
        triggers[TASKS_CHANGED] = True
    if triggers:
        response.headers["HX-Trigger"] = json.dumps(triggers)
    return response


# -- the dashboard ---------------------------------------------------------------------------


@blueprint.get("/tasks")
@login_required
async def task_list(slug: str) -> Response:
    access = await project_for(slug)
    query = TaskFilter.from_args(request.args)
    response = await fragment("_task_list.html", **await task_view.task_list(access, query))
    # The address bar follows the filter (bookmarkable, back works), except when the list
    # refreshes itself in place.
    if request.headers.get("HX-Trigger") != "task-list":
        pushed = query.query(after=query.after, before=query.before)
        response.headers["HX-Push-Url"] = f"/p/{access.slug}" + (f"?{pushed}" if pushed else "")
    return response


@blueprint.get("/tasks/import")
@login_required
async def import_progress(slug: str) -> Response:
    access = await project_for(slug)
    context = await task_view.import_card(access)
    response = await fragment("_task_import.html", **context)
    return _events(response, changed=True)


@blueprint.post("/tasks/import")
@login_required
async def start_import(slug: str) -> Response:
    access = await project_for(slug, Role.EDITOR)
    started = await task_imports.start(access.id, g.session.user_id)
    message = (
        "Sync started: tasks appear as their pages are read."
        if started
        else "A sync is already running; it was not started twice."
    )
    if not is_htmx():
        await notice(message)
        return redirect(f"/p/{access.slug}", 303)
    response = await fragment("_task_import.html", **await task_view.import_card(access))
    return _events(response, toast=message)


@blueprint.get("/tasks/creating")
@login_required
async def creating(slug: str) -> Response:
    access = await project_for(slug)
    region = await task_view.creating_region(access.id)
    response = await fragment("_task_creating.html", access=access, **region)
    return _events(response, changed=True)


@blueprint.post("/tasks/new")
@login_required
async def create(slug: str) -> Response:
    access = await project_for(slug, Role.EDITOR)
    form = await request.form
    try:
        new = await task_requests.read_new_task(access.id, form, g.session.username)
    except ActionProblem as problem:
        context = await task_view.create_form(access, form, {problem.field or "form": str(problem)})
        if not is_htmx():
            await notice(str(problem), "error")
            return redirect(f"/p/{access.slug}", 303)
        return await fragment("_task_create.html", status=422, **context)
    queued = await task_requests.queue_new_task(access.id, new)
    message = (
        f"Creating “{new.title}” in Asana…" if queued else "That task is already being created."
    )
    if not is_htmx():
        await notice(message)
        return redirect(f"/p/{access.slug}", 303)
    response = await fragment("_task_create.html", **await task_view.create_form(access))
    # The form closes and the waiting list (outside it) starts polling.
    region = await task_view.creating_region(access.id)
    oob = await fragment("_task_creating.html", access=access, oob=True, **region)
    response.set_data(await response.get_data() + await oob.get_data())
    return _events(response, toast=message)


# -- one task --------------------------------------------------------------------------------


async def _task(
    slug: str, task_id: int, need: Role = Role.VIEWER
) -> tuple[ProjectAccess, TaskDetail]:
    access = await project_for(slug, need)
    return access, await task_for(access, task_id)


@blueprint.get("/t/<int:task_id>/live")
@login_required
async def live(slug: str, task_id: int) -> Response:
    access, task = await _task(slug, task_id)
    context = await task_view.live(access, task)
    # The header rides along out of band: status, links and the last error move together.
    return await fragment("_task_live.html", **context)


@blueprint.get("/t/<int:task_id>/timeline")
@login_required
async def older_events(slug: str, task_id: int) -> Response:
    access, task = await _task(slug, task_id)
    before = request.args.get("before", "")
    # Event ids are bigint: 18 digits always fit, and nothing longer can name an event.
    if not (before.isascii() and before.isdigit() and len(before) <= 18):
        abort(404)
    context = await task_view.live(access, task, before_id=int(before))
    return await fragment("_task_events.html", **context)


@blueprint.post("/t/<int:task_id>/actions/<name>")
@login_required
async def act(slug: str, task_id: int, name: str) -> Response:
    kind = ACTIONS.get(name)
    if kind is None:
        abort(404)
    access, task = await _task(slug, task_id, Role.EDITOR)
    form = await request.form
    try:
        # Whether the action makes sense at all comes before what was typed into it.
        reason = task_requests.refusal(task, kind)
        if reason:
            raise ActionProblem(reason)
        action = await _read_action(access, kind, form)
        await task_requests.queue_action(task, action)
    except ActionProblem as problem:
        return await _refused(access, task, problem)
    message = DONE_MESSAGES[kind]
    if not is_htmx():
        await notice(message)
        return redirect(f"/p/{access.slug}/t/{task.id}", 303)
    response = await fragment(
        "_task_actions.html", **await task_view.actions(access, task, message=message)
    )
    # The timeline shows the queued action at once and starts polling until it is decided.
    timeline = await fragment("_task_timeline.html", oob=True, **await task_view.live(access, task))
    response.set_data(await response.get_data() + await timeline.get_data())
    return _events(response, toast=message)


async def _read_action(access: ProjectAccess, kind: UserActionKind, form) -> RequestedAction:
    values: dict[str, object] = {}
    if kind is UserActionKind.FORCE_LINK_PR:
        values["pr_number"] = task_requests.parse_pr_number(form.get("pr_number"))
    elif kind is UserActionKind.CHANGE_REPO:
        values["repo"] = await task_requests.canonical_repo(access.id, form.get("repo"))
    elif kind is UserActionKind.ADD_NOTE:
        values["text"] = task_requests.parse_note(form.get("note"))
    return RequestedAction(
        kind=kind,
        action_id=task_requests.action_id_from(form.get("action_id")),
        by=g.session.username,
        **values,  # type: ignore[arg-type]
    )


async def _refused(access: ProjectAccess, task: TaskDetail, problem: ActionProblem) -> Response:
    """A refused action: said beside the form (422), nothing queued."""
    if not is_htmx():
        await notice(str(problem), "error")
        return redirect(f"/p/{access.slug}/t/{task.id}", 303)
    context = await task_view.actions(access, task, error=str(problem), error_field=problem.field)
    return await fragment("_task_actions.html", status=422, **context)
