"""From a recorded delivery to the task(s) it is about: each handler only reads and writes our
database and queues `advance_task` for the task in the same transaction.

These run inside `process_delivery`'s claim transaction, which holds the delivery's row lock:
no outbound HTTP here. What a fact lacks (an Asana event has no field values) is read from the
service by `advance_task`, outside any lock.
"""

from __future__ import annotations

from typing import Any

from app.jobs import defer
from app.services import tasks

ASANA_TASK_ACTIONS = ("added", "changed", "removed", "deleted", "undeleted")


def reread_job(task_id: int, fact: dict[str, Any]) -> defer.Job:
    """An Asana fact carries nothing but "this task changed", and `advance_task` re-reads the
    task when it runs: while one such job still waits, a second would read the same state
    again, so it is not queued (one API call per burst of edits, not one per event)."""
    return defer.advance_job(task_id, fact, queueing_lock=f"asana-read:{task_id}")


async def asana_task_event(delivery: dict[str, Any]) -> str:
    summary = delivery["summary"]
    gid = summary.get("resource")
    if not gid or summary.get("resource_type") != "task":
        return "not about a task"
    task_id = await tasks.ensure_task(delivery["project"], gid)
    fact = {"kind": "asana.task", "delivery": delivery["id"], "action": delivery["action"]}
    queued = await defer.defer_unless_queued(reread_job(task_id, fact))
    return f"task {task_id}: " + ("re-read queued" if queued else "a re-read was already queued")


async def _advance_each(task_ids: list[int], fact: dict[str, Any]) -> str:
    if not task_ids:
        return "no task of ours"
    await defer.defer(*(defer.advance_job(task_id, fact) for task_id in task_ids))
    return "advance queued for task " + ", ".join(str(t) for t in task_ids)


def _github_fact(delivery: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": f"github.{delivery['event']}",
        "delivery": delivery["id"],
        "action": delivery["action"],
        "summary": delivery["summary"],
    }


async def github_issue_event(delivery: dict[str, Any]) -> str:
    """`issues` and `issue_comment`: the task whose issue this is (pull requests are seen
    through `pull_request` instead)."""
    summary = delivery["summary"]
    if summary.get("is_pull_request") or not summary.get("issue") or not summary.get("repo"):
        return "not an issue of ours"
    task_ids = await tasks.by_issue(delivery["project"], summary["repo"], [summary["issue"]])
    return await _advance_each(task_ids, _github_fact(delivery))


async def github_pull_request(delivery: dict[str, Any]) -> str:
    """The tasks whose issues the PR closes, strictly by closing keyword (parsed at receipt);
    a reference to another repository's issue never links."""
    summary = delivery["summary"]
    repo = summary.get("repo")
    if not repo:
        return "no repository"
    numbers = [
        ref["number"]
        for ref in summary.get("closes") or ()
        if (ref.get("repo") or repo).lower() == repo.lower()
    ]
    task_ids = await tasks.by_issue(delivery["project"], repo, sorted(set(numbers)))
    # A PR edited so that it no longer names the issue still reaches the task it was linked to
    # (the core decides whether that unlinks it).
    if summary.get("pull_request"):
        linked = await tasks.by_pull_request(delivery["project"], repo, summary["pull_request"])
        task_ids = sorted(set(task_ids) | set(linked))
    return await _advance_each(task_ids, _github_fact(delivery))


async def github_workflow_run(delivery: dict[str, Any]) -> str:
    """Keep the run (latest attempt per workflow and commit); advance the tasks merged as that
    commit. A run on a commit no task has merged yet waits in ci_runs for the merge."""
    summary = delivery["summary"]
    repo, sha = summary.get("repo"), summary.get("head_sha")
    if not repo or not sha or summary.get("run_id") is None:
        return "incomplete run"
    kept = await tasks.record_ci_run(
        delivery["project"],
        tasks.CiRunRow(
            repo=repo,
            head_sha=sha,
            workflow_id=summary.get("workflow_id") or 0,
            workflow_name=summary.get("workflow") or "",
            run_id=summary["run_id"],
            run_number=summary.get("run_number"),
            attempt=summary.get("run_attempt") or 1,
            event=summary.get("trigger") or "",
            status=summary.get("run_status") or "",
            conclusion=summary.get("conclusion"),
            url=summary.get("run_url") or "",
        ),
    )
    if not kept:
        return "an older attempt than the one kept"
    task_ids = await tasks.by_merge_commit(delivery["project"], repo, sha)
    return await _advance_each(task_ids, _github_fact(delivery))


def register(handlers: dict[tuple[str, str], Any]) -> None:
    for action in ASANA_TASK_ACTIONS:
        handlers[("asana", f"task.{action}")] = asana_task_event
    handlers[("github", "issues")] = github_issue_event
    handlers[("github", "issue_comment")] = github_issue_event
    handlers[("github", "pull_request")] = github_pull_request
    handlers[("github", "workflow_run")] = github_workflow_run
