"""The scratchpad one decision is built on: the state as it evolves while the rules run, and
the effects, events and TaskSpec they add. Lives only inside one `decide` call."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from app.pipeline.effects import Effect
from app.pipeline.events import EventType, Source, TimelineEvent
from app.pipeline.rules_config import ProjectRules
from app.pipeline.state import TaskState
from app.pipeline.taskspec import TaskSpec


@dataclass
class Draft:
    state: TaskState
    rules: ProjectRules
    now: datetime
    source: Source
    before: TaskState = field(init=False)
    effects: list[Effect] = field(default_factory=list)
    events: list[TimelineEvent] = field(default_factory=list)
    taskspec: TaskSpec | None = None
    rearm: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.before = self.state

    def update(self, **changes: Any) -> None:
        self.state = replace(self.state, **changes)

    def key(self, *parts: object) -> str:
        return ":".join(["task", str(self.state.task_id), *(str(p) for p in parts)])

    def event(self, event_type: EventType, source: Source | None = None, **ref: Any) -> None:
        """Add a timeline event; `ref` keeps only the values that are set."""
        ref = {k: v for k, v in ref.items() if v is not None and v != ""}
        self.events.append(TimelineEvent(source or self.source, event_type, ref, self.now))

    def plan(self, effect: Effect, *, why: str = "", remember: bool = True) -> bool:
        """Plan an effect unless its key was planned before (for this task, ever). With
        remember=False the key is only kept out of this decision twice."""
        if self.state.has_planned(effect.key) or any(e.key == effect.key for e in self.effects):
            return False
        self.effects.append(effect)
        if remember:
            self.state = self.state.with_planned(effect.key)
        self.event(
            EventType.EFFECT_PLANNED,
            Source.SYSTEM,
            key=effect.key,
            kind=effect.kind,
            purpose=getattr(effect, "purpose", None),
            reason=why,
        )
        return True
