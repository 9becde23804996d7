"""The pipeline end to end: a task created in the sandbox's Asana travels through our real
webhook endpoints and a real worker process to a GitHub issue, the agent's PR, the merge, CI on
the merge commit, and DEPLOYED with the Asana task completed — or, when CI is red, comments
everywhere and a reopen only of a completion we made."""

from __future__ import annotations

import pytest

from tests.support.pipeline import running_loop
from tests.support.processes import until

pytestmark = pytest.mark.slow


async def test_a_task_with_autotask_on_travels_to_deployed_and_is_completed_in_asana(
    db, sandbox, settings, database_url, tmp_path
):
    async with running_loop(sandbox, settings, database_url, tmp_path) as loop:
        loop.start_worker()
        gid = await loop.create_task("Add CSV export")

        row = await loop.until_status(gid, "PR_CREATED")
        [issue] = loop.issues_of(row["id"])
        assert row["issue_number"] == issue.number
        # The agent starts on a separate comment by an account with write access.
        commands = [c for c in loop.comments_on(issue.number) if "/opencode implement" in c.body]
        assert [c.author.login for c in commands] == [sandbox.seed.github_admin]
        assert not sandbox.github.agent.ignored

        sha = sandbox.github.agent.merge(loop.repo, row["pr_number"])
        row = await loop.until_status(gid, "WAITING_CI")
        assert row["merge_commit_sha"] == sha

        sandbox.github.agent.complete_runs(loop.repo, sha, {"CI": "success"})
        row = await loop.until_status(gid, "DEPLOYED")

        async def completed_by_us() -> bool:
            row = await loop.task_row(gid)
            return loop.asana_task(gid).completed and row["completed_by_us"]

        await until(completed_by_us, "the Asana task to be completed, by us")
        row = await loop.task_row(gid)
        events = await loop.events(row["id"])
        assert {"github.issue_created", "github.pr_linked", "github.pr_merged"} <= set(events)
        assert len(loop.issues_of(row["id"])) == 1


async def test_red_ci_comments_and_reopens_only_a_completion_we_made(
    db, sandbox, settings, database_url, tmp_path
):
    async with running_loop(sandbox, settings, database_url, tmp_path) as loop:
        loop.start_worker()
        gid = await loop.create_task("Add PDF export")
        row = await loop.until_status(gid, "PR_CREATED")
        sha = sandbox.github.agent.merge(loop.repo, row["pr_number"])
        await loop.until_status(gid, "WAITING_CI")
        [run] = sandbox.github.agent.complete_runs(loop.repo, sha, {"CI": "success"})
        await loop.until_status(gid, "DEPLOYED")

        async def completed_by_us() -> bool:
            row = await loop.task_row(gid)
            return loop.asana_task(gid).completed and row["completed_by_us"]

        await until(completed_by_us, "the Asana task to be completed, by us")

        # A re-run of the same workflow fails: the latest attempt decides.
        sandbox.github.agent.rerun(loop.repo, run.id, "failure")
        row = await loop.until_status(gid, "FAILED")

        async def reopened() -> bool:
            return not loop.asana_task(gid).completed

        await until(reopened, "the Asana task we completed to be reopened")
        failures = [c for c in loop.comments_on(row["issue_number"]) if "CI failed" in c.body]
        assert len(failures) == 1
        assert any("CI failed" in story.text for story in loop.asana_task(gid).stories)


async def test_a_green_rerun_after_red_ci_deploys(db, sandbox, settings, database_url, tmp_path):
    async with running_loop(sandbox, settings, database_url, tmp_path) as loop:
        loop.start_worker()
        gid = await loop.create_task("Add TSV export")
        row = await loop.until_status(gid, "PR_CREATED")
        sha = sandbox.github.agent.merge(loop.repo, row["pr_number"])
        await loop.until_status(gid, "WAITING_CI")
        [run] = sandbox.github.agent.complete_runs(loop.repo, sha, {"CI": "failure"})
        row = await loop.until_status(gid, "FAILED")
        assert row["ci_url"] == run_url(run, loop.repo)
        assert not loop.asana_task(gid).completed  # never completed, so nothing to reopen

        sandbox.github.agent.rerun(loop.repo, run.id, "success")
        await loop.until_status(gid, "DEPLOYED")

        async def completed() -> bool:
            return loop.asana_task(gid).completed

        await until(completed, "the Asana task to be completed")


async def test_runs_and_the_merge_delivered_out_of_order_still_deploy(
    db, sandbox, settings, database_url, tmp_path
):
    async with running_loop(sandbox, settings, database_url, tmp_path) as loop:
        loop.start_worker()
        gid = await loop.create_task("Add YAML export")
        row = await loop.until_status(gid, "PR_CREATED")
        # GitHub's deliveries of the merge and of CI arrive newest first: the workflow runs on
        # the merge commit before the pull request's "closed, merged".
        sandbox.github.faults.hold_deliveries = True
        sha = sandbox.github.agent.merge(loop.repo, row["pr_number"])
        sandbox.github.agent.complete_runs(loop.repo, sha, {"CI": "success"})
        sandbox.github.faults.hold_deliveries = False
        assert sandbox.github.sender.release_held() > 0
        row = await loop.until_status(gid, "DEPLOYED")
        assert row["merge_commit_sha"] == sha


def run_url(run, repo: str) -> str:
    return f"https://github.com/{repo}/actions/runs/{run.id}"
