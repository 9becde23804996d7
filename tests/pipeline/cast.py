"""The small cast the pipeline tests share: one project's rules, snapshot and fact builders, and
`play`, which feeds facts through `decide` the way the shell does."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from app.pipeline import Decision, TaskState, decide
from app.pipeline.effects import Effect
from app.pipeline.facts import (
    AsanaTaskSnapshot,
    EffectDone,
    EnumChoice,
    IssueCreated,
    PullRequestFact,
    WorkflowRunFact,
)
from app.pipeline.rules_config import (
    ContextContact,
    ContextLink,
    ContextNote,
    ProjectContext,
    ProjectRules,
)
from app.pipeline.status import AsanaStatus

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
TASK_ID = 7
GID = "1200"
REPO = "acme/web"
OTHER_REPO = "acme/api"
SHA = "a" * 40
PR_HEAD = "b" * 40

AUTOTASK, AUTO_ON, AUTO_OFF = "f-auto", "o-on", "o-off"
REPO_FIELD, OPT_WEB, OPT_API, OPT_UNMAPPED, OPT_ALIAS = "f-repo", "r1", "r2", "r3", "r4"
STATUS_FIELD, ST_ACTIVE, ST_BLOCKED, ST_CANCELLED = "f-status", "s1", "s2", "s3"

RULES = ProjectRules(
    project_id=1,
    asana_project_gids=("p1",),
    autotask_field_gid=AUTOTASK,
    autotask_on_option_gid=AUTO_ON,
    repo_field_gid=REPO_FIELD,
    repo_overrides={OPT_ALIAS: OTHER_REPO},
    status_field_gid=STATUS_FIELD,
    status_map={ST_BLOCKED: AsanaStatus.BLOCKED, ST_CANCELLED: AsanaStatus.CANCELLED},
    repos=(REPO, OTHER_REPO, "acme/docs"),
    default_repo=None,
    context=ProjectContext(
        links=(ContextLink("Runbook", "https://wiki.example/runbook"),),
        contacts=(ContextContact("PM", "Ann", "@ann"),),
        notes=(ContextNote("Conventions", "Use `ruff`."),),
    ),
)

REPO_NAMES = {OPT_WEB: "acme/web", OPT_API: "acme/api", OPT_UNMAPPED: "Website", OPT_ALIAS: "API"}


def snapshot(
    *,
    auto: bool = True,
    repo: str | None = OPT_WEB,
    status: str | None = None,
    name: str = "Add a login page",
    notes: str = "Users need to sign in.",
    completed: bool = False,
    projects: tuple[str, ...] = ("p1",),
    delivery_id: str | None = None,
    modified_at: str = "",
) -> AsanaTaskSnapshot:
    fields = {
        AUTOTASK: (EnumChoice(AUTO_ON if auto else AUTO_OFF, "Yes" if auto else "No"),),
        REPO_FIELD: (EnumChoice(repo, REPO_NAMES.get(repo, repo)),) if repo else (),
        STATUS_FIELD: (EnumChoice(status, status),) if status else (),
    }
    return AsanaTaskSnapshot(
        gid=GID,
        name=name,
        notes=notes,
        completed=completed,
        permalink=f"https://app.asana.com/0/p1/{GID}",
        fields=fields,
        project_gids=projects,
        delivery_id=delivery_id,
        modified_at=modified_at,
    )


def issue_created(number: int = 12, repo: str = REPO) -> IssueCreated:
    return IssueCreated(
        f"task:{TASK_ID}:create_issue", repo, number, f"https://github.com/{repo}/issues/{number}"
    )


def pr(
    number: int = 40,
    *,
    action: str = "opened",
    body: str = "Closes #12",
    title: str = "Add a login page",
    repo: str = REPO,
    merged: bool = False,
    sha: str | None = SHA,
    merged_minute: int = 0,
    state: str | None = None,
) -> PullRequestFact:
    return PullRequestFact.parse(
        title=title,
        body=body,
        action=action,
        repo=repo,
        number=number,
        url=f"https://github.com/{repo}/pull/{number}",
        state=state or ("closed" if action == "closed" else "open"),
        merged=merged,
        merge_commit_sha=sha if merged else None,
        merged_at=NOW + timedelta(minutes=merged_minute) if merged else None,
        head_sha=PR_HEAD,
        head_repo=repo,
        author="opencode-agent[bot]",
    )


def run(
    workflow_id: int = 1,
    *,
    conclusion: str | None = "success",
    attempt: int = 1,
    run_id: int | None = None,
    sha: str = SHA,
    repo: str = REPO,
) -> WorkflowRunFact:
    rid = run_id if run_id is not None else 1000 + workflow_id
    return WorkflowRunFact(
        repo=repo,
        run_id=rid,
        workflow_id=workflow_id,
        head_sha=sha,
        status="completed" if conclusion else "in_progress",
        conclusion=conclusion,
        run_attempt=attempt,
        name=f"wf{workflow_id}",
        event="push",
        url=f"https://github.com/{repo}/actions/runs/{rid}/attempts/{attempt}",
    )


def done(effect: Effect, **ref) -> EffectDone:
    return EffectDone(effect.key, effect.kind, ref)


@dataclass
class Play:
    """The state after a sequence of facts, and everything decided on the way."""

    state: TaskState
    decisions: list[Decision] = field(default_factory=list)

    @property
    def last(self) -> Decision:
        return self.decisions[-1]

    @property
    def effects(self) -> list[Effect]:
        return [e for d in self.decisions for e in d.effects]

    @property
    def events(self):
        return [ev for d in self.decisions for ev in d.events]

    def kinds(self) -> list[str]:
        return [e.kind for e in self.effects]

    def keys(self) -> list[str]:
        return [e.key for e in self.effects]

    def event_types(self) -> list[str]:
        return [ev.event_type.value for ev in self.events]

    def then(self, *facts, rules: ProjectRules = RULES) -> Play:
        for fact in facts:
            decision = decide(self.state, fact, rules, NOW)
            self.decisions.append(decision)
            self.state = decision.state
        return self


def play(*facts, state: TaskState | None = None, rules: ProjectRules = RULES) -> Play:
    return Play(state or TaskState.new(TASK_ID, GID)).then(*facts, rules=rules)


def happy_until_merge() -> Play:
    """Snapshot -> issue -> PR linked -> merged."""
    return play(snapshot(), issue_created(), pr(), pr(action="closed", merged=True))
