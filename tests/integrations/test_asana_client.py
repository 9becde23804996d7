"""The Asana client against the Asana sandbox, over real HTTP."""

from datetime import UTC, datetime, timedelta

import pytest

from app.integrations.asana.client import AsanaClient
from app.integrations.errors import (
    AuthenticationFailed,
    NotFound,
    PermissionDenied,
    RateLimited,
    TransientError,
    ValidationFailed,
)
from app.integrations.http import RetryPolicy
from app.sandbox.runner import Sandbox


async def make_task(asana_client: AsanaClient, sandbox: Sandbox, name: str = "Add dark mode"):
    seed = sandbox.seed
    return await asana_client.create_task(
        seed.project_gid,
        name,
        notes="Users asked for it.",
        custom_fields={seed.autotask_field_gid: seed.autotask_yes_gid},
    )


async def test_it_creates_a_task_with_an_enum_custom_field(asana_client, sandbox):
    task = await make_task(asana_client, sandbox)

    autotask = task.custom_field(sandbox.seed.autotask_field_gid)
    assert task.name == "Add dark mode"
    assert task.notes == "Users asked for it."
    assert autotask is not None and autotask.subtype == "enum"
    assert autotask.enum_value is not None and autotask.enum_value.name == "Yes"
    assert autotask.display_value == "Yes"


async def test_it_reads_a_task_with_the_fields_the_pipeline_needs(asana_client, sandbox):
    created = await make_task(asana_client, sandbox)

    task = await asana_client.get_task(created.gid)

    assert task.gid == created.gid
    assert task.completed is False
    assert task.modified_at is not None and task.modified_at.tzinfo is not None
    assert task.permalink_url.startswith("https://app.asana.com/")
    assert [m.project_gid for m in task.memberships] == [sandbox.seed.project_gid]
    assert task.memberships[0].project_name == "Auto-Flow Demo"
    repo_field = task.custom_field(sandbox.seed.repo_field_gid)
    assert (
        repo_field is not None
        and repo_field.enum_value is None
        and repo_field.display_value is None
    )


async def test_it_completes_and_reopens_a_task_and_sets_custom_fields(asana_client, sandbox):
    seed = sandbox.seed
    created = await make_task(asana_client, sandbox)

    done = await asana_client.update_task(
        created.gid, completed=True, custom_fields={seed.repo_field_gid: seed.repo_option_gid}
    )
    reopened = await asana_client.update_task(created.gid, completed=False)

    assert done.completed is True
    assert done.custom_field(seed.repo_field_gid).display_value == seed.repo
    assert reopened.completed is False


async def test_it_refuses_a_disabled_enum_option_with_asanas_message(asana_client, sandbox):
    seed = sandbox.seed
    created = await make_task(asana_client, sandbox)
    sandbox.asana.world.custom_fields[seed.autotask_field_gid].option(
        seed.autotask_no_gid
    ).enabled = False

    with pytest.raises(ValidationFailed) as caught:
        await asana_client.update_task(
            created.gid, custom_fields={seed.autotask_field_gid: seed.autotask_no_gid}
        )

    assert "disabled" in caught.value.message
    assert caught.value.retryable is False


async def test_it_refuses_a_custom_field_that_is_not_on_the_task(asana_client, sandbox):
    world = sandbox.asana.world
    stray = world.add_custom_field(sandbox.seed.workspace_gid, "Stray", "text")
    created = await make_task(asana_client, sandbox)

    with pytest.raises(ValidationFailed, match="not on given object"):
        await asana_client.update_task(created.gid, custom_fields={stray.gid: "x"})


async def test_it_lists_tasks_modified_since_a_date_across_pages(asana_client, sandbox):
    world = sandbox.asana.world
    project_gid = sandbox.seed.project_gid
    old = world.add_task(project_gid, "Old task")
    old.modified_at = datetime.now(UTC) - timedelta(days=3)
    for index in range(230):  # three pages of 100
        world.add_task(project_gid, f"Task {index}")

    tasks = await asana_client.list_project_tasks_modified_since(
        project_gid, datetime.now(UTC) - timedelta(hours=1)
    )

    assert len(tasks) == 230
    assert old.gid not in {t.gid for t in tasks}
    assert len({t.gid for t in tasks}) == 230
    assert all(t.custom_fields for t in tasks)  # opt_fields asked for them on every page


async def test_it_posts_a_comment_story(asana_client, sandbox):
    created = await make_task(asana_client, sandbox)

    story = await asana_client.add_comment(created.gid, "PR #3 merged; deploying.")

    assert story.text == "PR #3 merged; deploying."
    assert [s.text for s in sandbox.asana.world.tasks[created.gid].stories] == [story.text]


async def test_it_lists_workspaces_projects_and_custom_fields_with_options(asana_client, sandbox):
    seed = sandbox.seed

    workspaces = await asana_client.list_workspaces()
    projects = await asana_client.list_projects(seed.workspace_gid)
    fields = await asana_client.list_project_custom_fields(seed.project_gid)

    assert [w.gid for w in workspaces] == [seed.workspace_gid]
    assert [p.name for p in projects] == ["Auto-Flow Demo"]
    by_name = {f.name: f for f in fields}
    assert [o.name for o in by_name["AutoTask"].enum_options] == ["Yes", "No"]
    assert by_name["AutoTask"].subtype == "enum"


async def test_it_adds_an_enum_option_until_the_500_option_limit(asana_client, sandbox):
    seed = sandbox.seed
    option = await asana_client.add_enum_option(
        seed.repo_field_gid, "sandbox-org/other", color="blue"
    )
    assert option.name == "sandbox-org/other" and option.enabled

    custom_field = sandbox.asana.world.custom_fields[seed.repo_field_gid]
    while len(custom_field.enum_options) < 500:
        await asana_client.add_enum_option(
            seed.repo_field_gid, f"repo-{len(custom_field.enum_options)}"
        )
    custom_field.enum_options[3].enabled = False  # disabled options still count

    with pytest.raises(ValidationFailed, match="at most 500"):
        await asana_client.add_enum_option(seed.repo_field_gid, "one too many")


async def test_a_missing_task_raises_not_found(asana_client):
    with pytest.raises(NotFound) as caught:
        await asana_client.get_task("1")
    assert caught.value.status == 404 and not caught.value.retryable


async def test_a_wrong_token_raises_authentication_failed_without_showing_the_token(
    sandbox, http_session, retry_policy, caplog
):
    client = AsanaClient(
        http_session, "not-a-real-token-123", base_url=sandbox.asana.base_url, policy=retry_policy
    )

    with pytest.raises(AuthenticationFailed) as caught:
        await client.list_workspaces()

    assert "not-a-real-token-123" not in str(caught.value)
    assert "not-a-real-token-123" not in repr(client)
    assert "not-a-real-token-123" not in caplog.text


async def test_it_waits_as_long_as_retry_after_asks_then_succeeds(
    asana_client, sandbox, recorded_sleeps
):
    sandbox.asana.faults.rate_limit_next(2, retry_after=7)

    workspaces = await asana_client.list_workspaces()

    assert len(workspaces) == 1
    assert recorded_sleeps.waits == [7, 7]


async def test_a_retry_after_beyond_the_cap_is_raised_for_the_job_queue(
    sandbox, http_session, recorded_sleeps
):
    policy = RetryPolicy(max_wait_seconds=30, sleep=recorded_sleeps)
    client = sandbox.asana_client(http_session, policy=policy)
    sandbox.asana.faults.rate_limit_next(1, retry_after=90)

    with pytest.raises(RateLimited) as caught:
        await client.list_workspaces()

    assert caught.value.retry_after == 90 and caught.value.retryable
    assert recorded_sleeps.waits == []


async def test_5xx_on_a_read_is_retried_with_backoff(asana_client, sandbox, recorded_sleeps):
    sandbox.asana.faults.fail_next(2, status=503)

    assert len(await asana_client.list_workspaces()) == 1
    assert recorded_sleeps.waits == [1.0, 2.0]


async def test_5xx_retries_give_up_with_a_transient_error(asana_client, sandbox):
    sandbox.asana.faults.fail_next(10, status=500)

    with pytest.raises(TransientError) as caught:
        await asana_client.get_task("1")

    assert caught.value.retryable and caught.value.status == 500
    assert sandbox.asana.faults.response_faults[0].remaining == 7  # three attempts were made


async def test_a_post_that_failed_with_5xx_is_not_repeated(asana_client, sandbox):
    sandbox.asana.faults.fail_next(1, status=500, method="POST")

    with pytest.raises(TransientError):
        await make_task(asana_client, sandbox)

    assert sandbox.asana.world.tasks == {}


async def test_a_slow_response_times_out_and_the_read_is_retried(
    sandbox, http_session, recorded_sleeps
):
    policy = RetryPolicy(timeout_seconds=0.2, sleep=recorded_sleeps)
    client = sandbox.asana_client(http_session, policy=policy)
    sandbox.asana.faults.slow_next(1, delay_seconds=1.0)

    assert len(await client.list_workspaces()) == 1
    assert len(recorded_sleeps.waits) == 1


async def test_an_unreachable_service_is_a_transient_error(http_session, retry_policy):
    client = AsanaClient(
        http_session, "token", base_url="http://127.0.0.1:9/api/1.0", policy=retry_policy
    )

    with pytest.raises(TransientError):
        await client.list_workspaces()


async def test_a_forbidden_call_raises_permission_denied(asana_client, sandbox, webhook_receiver):
    seed = sandbox.seed
    await asana_client.create_webhook(seed.project_gid, webhook_receiver.url())

    with pytest.raises(PermissionDenied):
        await asana_client.create_webhook(seed.project_gid, webhook_receiver.url())


async def test_it_lists_a_tasks_stories_and_pages_through_tasks_resumably(asana_client, sandbox):
    seed = sandbox.seed
    task = await asana_client.create_task(seed.project_gid, "Storied")
    await asana_client.add_comment(task.gid, "Auto-Flow opened GitHub issue #1")
    assert "Auto-Flow opened GitHub issue #1" in [
        s.text for s in await asana_client.list_stories(task.gid)
    ]
    since = datetime.now(UTC) - timedelta(days=90)
    page, offset = await asana_client.list_project_tasks_page(seed.project_gid, since)
    seen = {t.gid for t in page}
    while offset:
        page, offset = await asana_client.list_project_tasks_page(
            seed.project_gid, since, offset=offset
        )
        seen |= {t.gid for t in page}
    assert task.gid in seen
