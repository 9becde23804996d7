"""Reading tasks for the dashboard, the task page and `/app`: the filtered list with keyset
pagination, counts per status, one task with its TaskSpec versions and its timeline.

Plain queries, no rules, no HTTP; pages, partials and the API share them. The list never uses
OFFSET: it continues after the last (updated_at, id) it showed, so page 400 costs one index
descent like page 1 (indexes in piccolo_migrations/autoflow_2026_11_25t10_20_01_000000.py).
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from app.db.engine import fetch
from app.pipeline.status import PipelineStatus

PAGE_SIZES = (25, 50)
MAX_QUERY = 200  # characters of a title search; longer input is cut, not refused
TIMELINE_PAGE = 100  # events per timeline page; older ones load on demand
MAX_ID = 2**31 - 1  # task ids are int4: anything larger cannot exist (and would not bind)

# Progress first, then the holds: the order of the filter chips and the counts.
STATUSES = tuple(status.value for status in PipelineStatus)


@dataclass(frozen=True)
class Cursor:
    """Where a page of the list starts or ends: the (updated_at, id) of a row."""

    updated_at: dt.datetime
    id: int

    def encode(self) -> str:
        return f"{self.updated_at.isoformat()}~{self.id}"

    @classmethod
    def decode(cls, text: str | None) -> Cursor | None:
        """The cursor in a URL, or None when it is missing or malformed (the first page)."""
        if not text or "~" not in text:
            return None
        moment, _, ident = text.rpartition("~")
        try:
            when = dt.datetime.fromisoformat(moment.replace(" ", "+"))
            number = int(ident)
        except ValueError:
            return None
        if when.tzinfo is None or not 0 < number <= MAX_ID:
            return None
        return cls(when, number)


@dataclass(frozen=True)
class TaskFilter:
    """The dashboard's query string, parsed leniently: unknown statuses and sizes are dropped."""

    statuses: tuple[str, ...] = ()
    q: str = ""
    per_page: int = PAGE_SIZES[0]
    after: Cursor | None = None
    before: Cursor | None = None

    @classmethod
    def from_args(cls, args: Any) -> TaskFilter:
        wanted = set(args.getlist("status"))
        try:
            per_page = int(args.get("per", PAGE_SIZES[0]))
        except ValueError:
            per_page = PAGE_SIZES[0]
        return cls(
            statuses=tuple(s for s in STATUSES if s in wanted),
            q=" ".join(args.get("q", "").split())[:MAX_QUERY],
            per_page=per_page if per_page in PAGE_SIZES else PAGE_SIZES[0],
            after=Cursor.decode(args.get("after")),
            before=Cursor.decode(args.get("before")),
        )

    @property
    def is_filtered(self) -> bool:
        return bool(self.statuses or self.q)

    def query(self, **changes: Any) -> str:
        """This filter as a query string (without the page cursor unless given in changes)."""
        current = replace(self, **{"after": None, "before": None, **changes})
        pairs: list[tuple[str, str]] = [("status", s) for s in current.statuses]
        if current.q:
            pairs.append(("q", current.q))
        if current.per_page != PAGE_SIZES[0]:
            pairs.append(("per", str(current.per_page)))
        if current.after:
            pairs.append(("after", current.after.encode()))
        if current.before:
            pairs.append(("before", current.before.encode()))
        return urlencode(pairs)


@dataclass(frozen=True)
class TaskRow:
    id: int
    title: str
    status: str
    repo_name: str | None
    issue_number: int | None
    issue_url: str | None
    pr_number: int | None
    pr_url: str | None
    ci_url: str | None
    updated_at: dt.datetime


@dataclass(frozen=True)
class TaskPage:
    rows: list[TaskRow]
    newer: Cursor | None  # `before` for the previous page, when there is one
    older: Cursor | None  # `after` for the next page, when there is one


_LIST_COLUMNS = """
    t.id, t.title, t.status, r.full_name AS repo_name, t.issue_number, t.issue_url,
    t.pr_number, t.pr_url, t.ci_url, t.updated_at
"""


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def list_tasks(project_id: int, query: TaskFilter) -> TaskPage:
    """One page of the project's tasks, newest update first."""
    # The WHERE clause is assembled from fixed fragments only: each plan fits its filter
    # (a generic "$2 IS NULL OR ..." plan would not use the status index).
    clauses, args = ["t.project = $1"], [project_id]
    if query.statuses:
        args.append(list(query.statuses))
        clauses.append(f"t.status = ANY(${len(args)}::varchar[])")
    if query.q:
        args.append(_like(query.q))
        clauses.append(f"t.title ILIKE ${len(args)}")
    backwards = query.before is not None and query.after is None
    cursor = query.before if backwards else query.after
    if cursor is not None:
        args += [cursor.updated_at, cursor.id]
        sign = ">" if backwards else "<"
        clauses.append(f"(t.updated_at, t.id) {sign} (${len(args) - 1}, ${len(args)})")
    order = "ASC" if backwards else "DESC"
    args.append(query.per_page + 1)
    rows = await fetch(
        f"""
        SELECT {_LIST_COLUMNS}
          FROM tasks t LEFT JOIN project_github_repos r ON r.id = t.repo
         WHERE {" AND ".join(clauses)}
         ORDER BY t.updated_at {order}, t.id {order}
         LIMIT ${len(args)}
        """,  # noqa: S608 - fragments above are constants; values are parameters
        *args,
    )
    found = [TaskRow(**row) for row in rows]
    more = len(found) > query.per_page
    found = found[: query.per_page]
    if backwards:
        found.reverse()
        has_newer, has_older = more, True
    else:
        has_newer, has_older = cursor is not None, more
    return TaskPage(
        rows=found,
        newer=Cursor(found[0].updated_at, found[0].id) if found and has_newer else None,
        older=Cursor(found[-1].updated_at, found[-1].id) if found and has_older else None,
    )


async def status_counts(project_id: int) -> dict[str, int]:
    """Tasks per status, every status present (zeros included), in STATUSES order."""
    rows = await fetch(
        "SELECT status, count(*) AS n FROM tasks WHERE project = $1 GROUP BY status", project_id
    )
    found = {row["status"]: row["n"] for row in rows}
    return {status: found.get(status, 0) for status in STATUSES}


async def counts_by_project(project_ids: list[int]) -> dict[int, dict[str, int]]:
    """For `/app`: each project's non-zero counts per status, in STATUSES order."""
    if not project_ids:
        return {}
    rows = await fetch(
        """
        SELECT project, status, count(*) AS n FROM tasks
         WHERE project = ANY($1::int[]) GROUP BY project, status
        """,
        project_ids,
    )
    out: dict[int, dict[str, int]] = {pid: {} for pid in project_ids}
    for row in rows:
        out[row["project"]][row["status"]] = row["n"]
    order = {status: index for index, status in enumerate(STATUSES)}
    return {
        pid: dict(sorted(counts.items(), key=lambda item: order.get(item[0], 99)))
        for pid, counts in out.items()
    }


# -- one task ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskDetail:
    id: int
    project: int
    asana_gid: str
    title: str
    status: str
    repo_name: str | None
    issue_number: int | None
    issue_url: str | None
    pr_number: int | None
    pr_url: str | None
    ci_url: str | None
    merge_commit_sha: str | None
    auto_enabled: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    # From the core's state document (not columns): shown on the task page only.
    permalink: str = ""
    status_reason: str = ""
    repo_reason: str = ""
    last_error: str = ""
    issue_requested: bool = False

    @property
    def has_issue(self) -> bool:
        return self.issue_number is not None or self.issue_requested


async def task_in_project(project_id: int, task_id: int) -> TaskDetail | None:
    """The task when it belongs to this project; None otherwise (the caller answers 404 either
    way, so another project's ids reveal nothing)."""
    if not 0 < task_id <= MAX_ID:
        return None
    rows = await fetch(
        """
        SELECT t.id, t.project, t.asana_gid, t.title, t.status, r.full_name AS repo_name,
               t.issue_number, t.issue_url, t.pr_number, t.pr_url, t.ci_url,
               t.merge_commit_sha, t.auto_enabled, t.created_at, t.updated_at, t.state
          FROM tasks t LEFT JOIN project_github_repos r ON r.id = t.repo
         WHERE t.id = $1 AND t.project = $2
        """,
        task_id,
        project_id,
    )
    if not rows:
        return None
    row = rows[0]
    state = row.pop("state") or {}
    if isinstance(state, str):
        state = json.loads(state)
    return TaskDetail(
        **row,
        permalink=str(state.get("permalink") or ""),
        status_reason=str(state.get("status_reason") or ""),
        repo_reason=str(state.get("repo_reason") or ""),
        last_error=str(state.get("last_error") or ""),
        issue_requested=bool(state.get("issue_requested")),
    )


@dataclass(frozen=True)
class SpecVersion:
    version: int
    title: str
    body: str
    created_at: dt.datetime
    diff: tuple[str, ...]  # unified diff against the previous version (empty for the first)


async def taskspec_versions(task_id: int) -> list[SpecVersion]:
    """Every TaskSpec version, newest first, each with its diff against the one before."""
    rows = await fetch(
        "SELECT version, title, body, created_at FROM taskspecs WHERE task = $1 ORDER BY version",
        task_id,
    )
    out: list[SpecVersion] = []
    previous: Mapping[str, Any] | None = None
    for row in rows:
        diff: tuple[str, ...] = ()
        if previous is not None:
            before = [f"# {previous['title']}", *previous["body"].splitlines()]
            after = [f"# {row['title']}", *row["body"].splitlines()]
            diff = tuple(
                difflib.unified_diff(
                    before,
                    after,
                    f"v{previous['version']}",
                    f"v{row['version']}",
                    lineterm="",
                )
            )
        out.append(SpecVersion(diff=diff, **row))
        previous = row
    out.reverse()
    return out


@dataclass(frozen=True)
class EventRow:
    id: int
    source: str
    event_type: str
    ref: dict[str, Any]
    created_at: dt.datetime


async def timeline(task_id: int, before_id: int | None = None) -> tuple[list[EventRow], bool]:
    """The newest TIMELINE_PAGE events (older than `before_id` when given), newest first, and
    whether older ones remain."""
    args: list[Any] = [task_id, TIMELINE_PAGE + 1]
    older = ""
    if before_id is not None:
        args.append(before_id)
        older = "AND id < $3"
    rows = await fetch(
        f"""
        SELECT id, source, event_type, ref_json AS ref, created_at FROM task_events
         WHERE task = $1 {older} ORDER BY id DESC LIMIT $2
        """,  # noqa: S608 - a constant fragment
        *args,
    )
    for row in rows:
        if isinstance(row["ref"], str):
            row["ref"] = json.loads(row["ref"])
    events = [EventRow(**row) for row in rows[:TIMELINE_PAGE]]
    return events, len(rows) > TIMELINE_PAGE
