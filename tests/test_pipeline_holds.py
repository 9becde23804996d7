"""Holds, end to end: a task without a repo waits in NEEDS_REPO until one is chosen; AutoTask
off pauses the issue and on again resumes it; CANCELLED closes the issue as not planned; BLOCKED
only marks the task until it is ACTIVE again; and an
import picks up tasks that changed while no webhook was listening, without touching the links
of tasks it already knows."""

from __future__ import annotations

import pytest

from app.db.engine import fetch
from app.jobs.imports import start_import
from app.pipeline.rules_config import PAUSED_LABEL
from app.pipeline.status import AsanaStatus
from app.services import project_config as config
from app.services import project_config_writes as config_writes
from app.services.project_config import StatusMapping
from tests.support.pipeline import running_loop
from tests.support.processes import until

pytestmark = pytest.mark.slow


def _edit(loop, gid: str, field_gid: str, option_gid: str) -> None:
    """A colleague changes a field in Asana's UI."""
    loop.sandbox.asana.edit_task(
        gid,
        by_user_gid=loop.sandbox.seed.asana_person_gid,
        custom_fields={field_gid: option_gid},
    )


def _labels(loop, number: int) -> list[str]:
    issue = loop.sandbox.github.world.repos[loop.repo.lower()].issues[number]
    return [label.name for label in issue.labels]


async def test_a_task_without_a_repo_waits_in_needs_repo_until_one_is_chosen(
    db, sandbox, settings, database_url, tmp_path
):
    async with running_loop(sandbox, settings, database_url, tmp_path) as loop:
        seed = sandbox.seed
        # A Repo option naming no repository of the project (the project's default repo is
        # only for tasks that leave the field empty).
        elsewhere = await loop.asana.add_enum_option(seed.repo_field_gid, "elsewhere/unknown")
        loop.start_worker()
        gid = await loop.create_task("Add a dark mode", repo_option=elsewhere.gid)
        row = await loop.until_status(gid, "NEEDS_REPO")
        assert loop.issues_of(row["id"]) == []
        assert "task.repo_missing" in await loop.events(row["id"])

        _edit(loop, gid, seed.repo_field_gid, seed.repo_option_gid)
        row = await loop.until_status(gid, "PR_CREATED")
        assert len(loop.issues_of(row["id"])) == 1
        assert "task.repo_resolved" in await loop.events(row["id"])


async def test_autotask_off_pauses_the_issue_and_on_again_resumes_it(
    db, sandbox, settings, database_url, tmp_path
):
    async with running_loop(sandbox, settings, database_url, tmp_path) as loop:
        loop.start_worker()
        seed = sandbox.seed
        gid = await loop.create_task("Add a light mode")
        row = await loop.until_status(gid, "PR_CREATED")
        number = row["issue_number"]

        _edit(loop, gid, seed.autotask_field_gid, seed.autotask_no_gid)
        await loop.until_status(gid, "AUTO_DISABLED")

        async def labelled() -> bool:
            return PAUSED_LABEL in _labels(loop, number)

        await until(labelled, "the paused label on the issue")

        async def told() -> bool:
            return any("paused" in c.body for c in loop.comments_on(number))

        await until(told, "a comment on the issue saying it is paused")

        _edit(loop, gid, seed.autotask_field_gid, seed.autotask_yes_gid)
        await loop.until_status(gid, "PR_CREATED")

        async def unlabelled() -> bool:
            return PAUSED_LABEL not in _labels(loop, number)

        await until(unlabelled, "the paused label to come off")
        assert len(loop.issues_of(row["id"])) == 1


async def test_cancelled_in_asana_closes_the_issue_as_not_planned(
    db, sandbox, settings, database_url, tmp_path
):
    async with running_loop(sandbox, settings, database_url, tmp_path) as loop:
        seed = sandbox.seed
        options = await loop.asana.get_custom_field(seed.status_field_gid)
        dropped = next(o for o in options.enum_options if o.name == "Queued")
        mappings = await config.status_mappings(loop.project_id)
        await config_writes.save_status_map(
            loop.project_id,
            [
                StatusMapping(m.option_gid, m.option_name, AsanaStatus.CANCELLED)
                if m.option_gid == dropped.gid
                else m
                for m in mappings
            ],
        )
        loop.start_worker()
        gid = await loop.create_task("Add a beige mode")
        row = await loop.until_status(gid, "PR_CREATED")

        _edit(loop, gid, seed.status_field_gid, dropped.gid)
        await loop.until_status(gid, "CANCELLED")
        issue = sandbox.github.world.repos[loop.repo.lower()].issues[row["issue_number"]]

        async def closed() -> bool:
            return issue.state == "closed"

        await until(closed, "the issue to be closed")
        assert issue.state_reason == "not_planned"


async def test_an_import_picks_up_unseen_tasks_and_keeps_the_links_of_known_ones(
    db, sandbox, settings, database_url, tmp_path
):
    async with running_loop(sandbox, settings, database_url, tmp_path) as loop:
        seed = sandbox.seed
        loop.start_worker()
        known = await loop.create_task("Add sorting")
        known_row = await loop.until_status(known, "PR_CREATED")
        # A task created while no webhook was listening (added to the world directly).
        unseen = sandbox.asana.world.add_task(
            seed.project_gid,
            "Add filtering",
            custom_values={
                seed.autotask_field_gid: seed.autotask_yes_gid,
                seed.repo_field_gid: seed.repo_option_gid,
            },
        )
        await start_import(loop.project_id)
        await loop.until_status(unseen.gid, "PR_CREATED")

        await start_import(loop.project_id)  # a second import changes nothing

        async def imports_done() -> bool:
            rows = await fetch(
                "SELECT count(*) AS n FROM procrastinate_jobs"
                " WHERE task_name = 'pipeline:import_asana_tasks' AND status = 'succeeded'"
            )
            return rows[0]["n"] >= 2

        await until(imports_done, "both imports to finish")
        row = await loop.task_row(known)
        assert (row["issue_number"], row["pr_number"]) == (
            known_row["issue_number"],
            known_row["pr_number"],
        )
        assert len(loop.issues_of(row["id"])) == 1
        assert len(sandbox.github.world.repos[loop.repo.lower()].issues) == 2


async def test_blocked_in_asana_only_marks_the_task_and_active_again_resumes_it(
    db, sandbox, settings, database_url, tmp_path
):
    async with running_loop(sandbox, settings, database_url, tmp_path) as loop:
        seed = sandbox.seed
        options = {
            o.name: o
            for o in (await loop.asana.get_custom_field(seed.status_field_gid)).enum_options
        }
        blocked, active = options["Failed"], options["Queued"]
        await config_writes.save_status_map(
            loop.project_id,
            [
                StatusMapping(blocked.gid, blocked.name, AsanaStatus.BLOCKED),
                StatusMapping(active.gid, active.name, AsanaStatus.ACTIVE),
            ],
        )
        loop.start_worker()
        gid = await loop.create_task("Add a sepia mode")
        row = await loop.until_status(gid, "PR_CREATED")
        issue = sandbox.github.world.repos[loop.repo.lower()].issues[row["issue_number"]]
        comments_before = len(loop.comments_on(row["issue_number"]))

        _edit(loop, gid, seed.status_field_gid, blocked.gid)
        await loop.until_status(gid, "BLOCKED")
        # Only marked: the issue stays open, unlabelled and without a word from us.
        assert issue.state == "open"
        assert PAUSED_LABEL not in _labels(loop, row["issue_number"])
        assert len(loop.comments_on(row["issue_number"])) == comments_before

        _edit(loop, gid, seed.status_field_gid, active.gid)
        await loop.until_status(gid, "PR_CREATED")
        assert len(loop.issues_of(row["id"])) == 1
