"""The roles, decided in one place: viewers read, editors also act on tasks, admins also
administer. `project_for_task_action` is the check every task action route uses."""

from __future__ import annotations

import pytest
from quart import Blueprint

from app.main import create_app
from app.services.projects import Action, Role, permits
from app.web.guards import login_required, project_for_task_action
from tests.conftest import PASSWORD
from tests.support.web import Visitor

ALLOWED = {
    Role.VIEWER: {Action.READ},
    Role.EDITOR: {Action.READ, Action.ACT_ON_TASKS},
    Role.ADMIN: {Action.READ, Action.ACT_ON_TASKS, Action.ADMINISTER},
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(Action))
def test_each_role_may_do_exactly_its_share(role, action):
    assert permits(role, action) is (action in ALLOWED[role])


@pytest.fixture
async def app_with_a_task_action(settings):
    """The real app plus one route guarded the way task actions are."""
    tasks = Blueprint("task_action_probe", __name__)

    @tasks.post("/p/<slug>/tasks/probe/retry")
    @login_required
    async def retry(slug: str) -> str:
        access = await project_for_task_action(slug)
        return f"retried as {access.role}"

    application = create_app(settings)
    application.register_blueprint(tasks)
    async with application.test_app():
        yield application


@pytest.mark.parametrize(
    ("role", "status"), [(Role.VIEWER, 403), (Role.EDITOR, 200), (Role.ADMIN, 200), (None, 404)]
)
async def test_only_editors_and_admins_act_on_tasks(
    app_with_a_task_action, make_user, make_project, add_member, role, status
):
    owner = await make_user()
    project = await make_project(owner)
    member = await make_user()
    if role is Role.ADMIN:
        member = owner
    elif role is not None:
        await add_member(project, member, role)
    browser = Visitor(app_with_a_task_action.test_client())
    assert (await browser.login(member.username, PASSWORD)).status == 303
    response = await browser.post(f"/p/{project.slug}/tasks/probe/retry", {})
    assert response.status == status
