"""The worker: retry policy, housekeeping jobs, and recovery from a worker killed mid-job."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import signal
import time
from pathlib import Path

import pytest
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.jobs import Job

from app.auth import sessions, throttle
from app.auth.secrets import digest
from app.jobs.maintenance import delete_expired_auth
from app.jobs.retry import MAX_ATTEMPTS, Retryable, RetryableOnly
from app.tables import Invite, LoginThrottle, Session
from tests.support.processes import start_worker, stop, until
from tests.support.worker_process import build_test_queue

REQUEUE_TASK = "maintenance:app.jobs.maintenance.requeue_stalled_jobs"


class PermanentProblem(Exception):
    retryable = False


def _job(attempts: int) -> Job:
    return Job(
        id=1, queue="default", lock=None, queueing_lock=None, task_name="t", attempts=attempts
    )


@pytest.mark.parametrize(
    ("error", "attempts", "retry_in"),
    [
        (Retryable("timeout"), 0, 15),
        (Retryable("timeout"), 1, 60),
        (Retryable("timeout"), 2, None),  # the third attempt was the last
        (Retryable("slow down", retry_after=300), 0, 300),
        (Retryable("slow down", retry_after=10**6), 1, 900),
        (PermanentProblem("bad token"), 0, None),
        (ValueError("bug"), 0, None),
    ],
)
def test_only_retryable_errors_are_retried_three_attempts_in_all(error, attempts, retry_in):
    decision = RetryableOnly().get_retry_decision(exception=error, job=_job(attempts))
    if retry_in is None:
        assert decision is None
    else:
        assert decision is not None
        assert decision.retry_at is not None
        waited = (decision.retry_at - dt.datetime.now(dt.UTC)).total_seconds()
        assert retry_in - 5 <= waited <= retry_in
    assert MAX_ATTEMPTS == 3


async def test_housekeeping_deletes_expired_sessions_spent_invites_and_stale_throttles(
    db, settings, make_user, make_project
):
    user = await make_user(is_admin=True)
    project = await make_project(user)
    now = dt.datetime.now(dt.UTC)
    live = await sessions.start(user.id, settings)
    dead = await sessions.start(user.id, settings)
    await Session.update({Session.expires_at: now - dt.timedelta(minutes=1)}).where(
        Session.token_hash == digest(dead)
    )
    await Invite.insert(
        Invite(
            token_hash="a" * 64,
            project=project.id,
            role="viewer",
            expires_at=now - dt.timedelta(days=8),
        ),
        Invite(
            token_hash="b" * 64,
            project=project.id,
            role="viewer",
            expires_at=now + dt.timedelta(days=1),
        ),
    )
    await throttle.attempt(["client:old"], now - dt.timedelta(hours=1))
    await throttle.attempt(["client:recent"], now)

    # Procrastinate calls periodic tasks with the scheduled timestamp.
    result = await delete_expired_auth.func(timestamp=int(now.timestamp()))

    assert result == {"sessions": 1, "invites": 1, "throttles": 1}
    assert await sessions.resume(live, settings) is not None
    assert [r["key"] for r in await LoginThrottle.select(LoginThrottle.key)] == ["client:recent"]


@pytest.mark.slow
async def test_a_job_of_a_worker_killed_mid_job_completes_on_another_worker(database_url, tmp_path):
    queue = build_test_queue(database_url)
    folder = tmp_path / "job"
    folder.mkdir()
    first = start_worker("first", database_url, tmp_path)
    second = None
    try:
        async with queue.open_async():
            job_id = await queue.configure_task("test:hold").defer_async(folder=str(folder))
            await until(lambda: _exists(folder / "started-by-first"), "the first worker to start")

            first.send_signal(signal.SIGKILL)
            first.wait()
            status = await _status(queue, job_id)
            assert status == "doing"  # left behind by the dead worker

            (folder / "release").write_text("go")
            second = start_worker("second", database_url, tmp_path)

            async def recovered() -> bool:
                # Run the real periodic task now rather than wait for the next minute.
                with contextlib.suppress(AlreadyEnqueued):  # one is already waiting: fine
                    await queue.configure_task(REQUEUE_TASK).defer_async(timestamp=int(time.time()))
                await asyncio.sleep(0.5)
                return await _is(queue, job_id, "succeeded")

            await until(recovered, "the job to succeed on the second worker")
        assert (folder / "finished-by-second").exists()
        assert not (folder / "finished-by-first").exists()
    finally:
        stop(first, second)


async def _exists(path: Path) -> bool:
    return path.exists()


async def _status(queue, job_id: int) -> str:
    rows = await queue.connector.execute_query_all_async(
        "SELECT status FROM procrastinate_jobs WHERE id = %(id)s", id=job_id
    )
    return rows[0]["status"]


async def _is(queue, job_id: int, status: str) -> bool:
    return await _status(queue, job_id) == status
