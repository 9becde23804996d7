"""What the pipeline keeps in PostgreSQL: one task per Asana gid, an outbox that plans a key
once, CI runs that keep their latest attempt, and jobs deferred inside the caller's
transaction (or not at all)."""

from __future__ import annotations

import pytest

from app.db.engine import DB, fetch
from app.jobs import defer
from app.services import effects as outbox
from app.services import tasks


async def test_a_task_row_is_created_once_per_asana_gid(db, make_user, make_project):
    project = await make_project(await make_user(is_admin=True))
    first = await tasks.ensure_task(project.id, "1201")
    assert await tasks.ensure_task(project.id, "1201") == first
    assert await tasks.ensure_task(project.id, "1202") != first


async def test_the_outbox_plans_an_idempotency_key_once(db, make_user, make_project):
    project = await make_project(await make_user(is_admin=True))
    task_id = await tasks.ensure_task(project.id, "1201")
    effect = ("task:1:create_issue", "create_issue", {"repo": "a/b"})
    [effect_id] = await outbox.plan(task_id, [effect])
    assert await outbox.plan(task_id, [effect]) == []

    started = await outbox.start(effect_id)
    assert started is not None and not started.may_have_happened
    again = await outbox.start(effect_id)  # a second try: the first may have created it
    assert again is not None and again.may_have_happened
    assert await outbox.finish(effect_id, "done", {"number": 7})
    assert not await outbox.finish(effect_id, "done", {"number": 8})
    assert await outbox.start(effect_id) is None


async def test_a_ci_run_keeps_its_latest_attempt(db, make_user, make_project):
    project = await make_project(await make_user(is_admin=True))

    def run(attempt: int, status: str, conclusion: str | None) -> tasks.CiRunRow:
        return tasks.CiRunRow(
            "a/b", "abc", 1, "CI", 10, 1, attempt, "push", status, conclusion, "u"
        )

    assert await tasks.record_ci_run(project.id, run(2, "completed", "success"))
    assert not await tasks.record_ci_run(project.id, run(1, "completed", "failure"))
    assert not await tasks.record_ci_run(project.id, run(2, "in_progress", None))
    [kept] = await tasks.ci_runs_for(project.id, "A/B", "abc")
    assert (kept.attempt, kept.conclusion) == (2, "success")


async def test_jobs_deferred_in_a_transaction_vanish_with_its_rollback(db):
    job = defer.Job(defer.ADVANCE_TASK, {"task_id": 1, "fact": {}}, lock=defer.task_lock(1))
    with pytest.raises(RuntimeError):
        async with DB.transaction():
            await defer.defer(job)
            raise RuntimeError("roll back")
    assert await fetch("SELECT id FROM procrastinate_jobs") == []
    async with DB.transaction():
        [job_id] = await defer.defer(job)
    [row] = await fetch("SELECT task_name, lock FROM procrastinate_jobs WHERE id = $1", job_id)
    assert row == {"task_name": "pipeline:advance_task", "lock": "task:1"}


async def test_a_reread_already_waiting_is_not_queued_twice(db):
    job = defer.Job(defer.ADVANCE_TASK, {"task_id": 1}, queueing_lock="asana-read:1")
    async with DB.transaction():
        assert await defer.defer_unless_queued(job)
    async with DB.transaction():
        assert not await defer.defer_unless_queued(job)
