"""decide(state, fact, rules, now) -> Decision: the whole pipeline as one pure function."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.pipeline.effects import Effect
from app.pipeline.events import TimelineEvent
from app.pipeline.facts import Fact
from app.pipeline.rules_config import ProjectRules
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


def decide(state: TaskState, fact: Fact, rules: ProjectRules, now: datetime) -> Decision:
    raise NotImplementedError
