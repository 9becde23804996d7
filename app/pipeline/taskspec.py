"""TaskSpec: what the agent is asked to build, rendered as the issue's title and body.

Placeholder signature committed early for the shell; see `render_issue` below.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TaskSpec:
    """One version of a task's spec (the `taskspecs` row). A new version whenever the Asana
    title or notes change; `version` starts at 1."""

    task_id: int
    version: int
    title: str
    notes: str
    permalink: str

    def to_json(self) -> dict:
        return {
            "task_id": self.task_id,
            "version": self.version,
            "title": self.title,
            "notes": self.notes,
            "permalink": self.permalink,
        }
