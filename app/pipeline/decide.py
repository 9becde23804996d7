"""decide(state, fact, rules, now) -> Decision: the whole pipeline as one pure function.

One rule function per fact type (in `rules_asana`, `rules_github`, `rules_people`), then
`converge.settle` plans what the new state calls for and sets the status."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.pipeline.converge import settle
from app.pipeline.draft import Draft
from app.pipeline.effects import Effect
from app.pipeline.events import Source, TimelineEvent
from app.pipeline.facts import (
    AsanaTaskSnapshot,
    EffectDone,
    EffectFailed,
    Fact,
    IssueCommentFact,
    IssueCreated,
    IssueFact,
    PullRequestFact,
    UserAction,
    WorkflowRunFact,
)
from app.pipeline.rules_asana import on_asana_snapshot
from app.pipeline.rules_config import ProjectRules
from app.pipeline.rules_github import (
    on_issue,
    on_issue_comment,
    on_issue_created,
    on_pull_request,
    on_workflow_run,
)
from app.pipeline.rules_people import on_effect_done, on_effect_failed, on_user_action
from app.pipeline.state import TaskState
from app.pipeline.taskspec import TaskSpec


@dataclass(frozen=True)
class Decision:
    """What to persist, in one transaction: the new state, the timeline events, the effects to
    plan (one outbox row each, unique by key), a new TaskSpec version if there is one, and
    `rearm`: keys of outbox rows the shell should set back from failed to planned (Retry)."""

    state: TaskState
    effects: tuple[Effect, ...] = ()
    events: tuple[TimelineEvent, ...] = ()
    taskspec: TaskSpec | None = None
    rearm: tuple[str, ...] = ()


_RULES: dict[type, tuple[Source, Callable[[Draft, Any], None]]] = {
    AsanaTaskSnapshot: (Source.ASANA, on_asana_snapshot),
    IssueFact: (Source.GITHUB, on_issue),
    IssueCommentFact: (Source.GITHUB, on_issue_comment),
    PullRequestFact: (Source.GITHUB, on_pull_request),
    WorkflowRunFact: (Source.GITHUB, on_workflow_run),
    UserAction: (Source.USER, on_user_action),
    IssueCreated: (Source.SYSTEM, on_issue_created),
    EffectDone: (Source.SYSTEM, on_effect_done),
    EffectFailed: (Source.SYSTEM, on_effect_failed),
}


def decide(state: TaskState, fact: Fact, rules: ProjectRules, now: datetime) -> Decision:
    """Judge one fact against the task's state. Pure: the same inputs give the same Decision."""
    if state is None:
        raise TypeError("decide() needs the task's state: start from TaskState.new(id, gid)")
    source, rule = _RULES[type(fact)]
    if isinstance(fact, UserAction) and fact.via == "api":
        source = Source.API
    draft = Draft(state=state, rules=rules, now=now, source=source)
    rule(draft, fact)
    settle(draft)
    return Decision(
        state=draft.state,
        effects=tuple(draft.effects),
        events=tuple(draft.events),
        taskspec=draft.taskspec,
        rearm=draft.rearm,
    )
