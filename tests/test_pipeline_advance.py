"""`advance` without a worker: a fact becomes state, timeline, outbox rows and their jobs in one
transaction; the same fact twice plans nothing more; a person's note lands on the timeline."""

from __future__ import annotations

from app.db.engine import fetch
from app.demo import seed_extra_repos, setup_demo
from app.jobs.facts import user_action_fact
from app.jobs.pipeline import advance
from app.pipeline.facts import AsanaTaskSnapshot, EnumChoice
from app.services import tasks
from app.services.projects import get_by_slug


async def _demo_project(settings, sandbox) -> int:
    seed_extra_repos(sandbox)
    urls = {"asana_api_url": sandbox.asana.base_url, "github_api_url": sandbox.github.base_url}
    login = await setup_demo(settings.replace(**urls), sandbox.seed)
    return (await get_by_slug(login.slug))["id"]


def _snapshot(seed, gid: str) -> AsanaTaskSnapshot:
    return AsanaTaskSnapshot(
        gid=gid,
        name="Add CSV export",
        notes="As CSV, please.",
        permalink=f"https://app.asana.com/0/0/{gid}",
        fields={
            seed.autotask_field_gid: (EnumChoice(seed.autotask_yes_gid, "Yes"),),
            seed.repo_field_gid: (EnumChoice(seed.repo_option_gid, seed.repo),),
        },
        project_gids=(seed.project_gid,),
    )


async def test_a_snapshot_with_autotask_on_plans_the_issue_with_its_job_once(db, settings, sandbox):
    project_id = await _demo_project(settings, sandbox)
    task_id = await tasks.ensure_task(project_id, "1201")
    snapshot = _snapshot(sandbox.seed, "1201")

    state = await advance(task_id, [snapshot])
    again = await advance(task_id, [snapshot])

    assert state is not None and again is not None
    assert state.status.value == "TASKSPEC_CREATED" == again.status.value
    effects = await fetch("SELECT id, kind, status FROM task_effects WHERE task = $1", task_id)
    assert [(e["kind"], e["status"]) for e in effects] == [("create_issue", "planned")]
    jobs = await fetch(
        "SELECT args->>'effect_id' AS effect, lock FROM procrastinate_jobs"
        " WHERE task_name = 'pipeline:perform_effect'"
    )
    assert jobs == [{"effect": str(effects[0]["id"]), "lock": f"task:{task_id}"}]
    [spec] = await fetch("SELECT version, title FROM taskspecs WHERE task = $1", task_id)
    assert (spec["version"], spec["title"]) == (1, "Add CSV export")
    row = await tasks.get(task_id)
    assert (row["status"], row["repo_name"], row["auto_enabled"]) == (
        "TASKSPEC_CREATED",
        sandbox.seed.repo,
        True,
    )


async def test_a_persons_note_lands_on_the_timeline(db, settings, sandbox):
    project_id = await _demo_project(settings, sandbox)
    task_id = await tasks.ensure_task(project_id, "1202")
    await advance(task_id, [_snapshot(sandbox.seed, "1202")])
    note = {
        "kind": "user.action",
        "action": {"kind": "add_note", "action_id": "n-1", "by": "owner", "text": "Ship it"},
    }
    await advance(task_id, [user_action_fact(note)])
    await advance(task_id, [user_action_fact(note)])  # a double submit
    events = await fetch(
        "SELECT source, ref_json FROM task_events WHERE task = $1 AND event_type = 'manual.action'",
        task_id,
    )
    assert len(events) == 1 and events[0]["source"] == "user"
