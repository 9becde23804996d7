"""The two status vocabularies of a task.

`PipelineStatus` is where a task stands in the pipeline (Asana -> issue -> PR -> CI -> deployed),
plus the four "hold" statuses that stop it moving. `AsanaStatus` is what the option chosen in the
project's Asana Status field means; the settings page stores it in `asana_status_map.status` as the
member's value, so the values are part of the schema and must never be renamed.
"""

from __future__ import annotations

from enum import StrEnum


class PipelineStatus(StrEnum):
    """Where a task stands. The first seven are progress, in order; the last four are holds."""

    RECEIVED = "RECEIVED"
    TASKSPEC_CREATED = "TASKSPEC_CREATED"
    ISSUE_CREATED = "ISSUE_CREATED"
    PR_CREATED = "PR_CREATED"
    WAITING_CI = "WAITING_CI"
    DEPLOYED = "DEPLOYED"
    FAILED = "FAILED"
    # Holds: the task does not move until the reason goes away (then it resumes where it was).
    NEEDS_REPO = "NEEDS_REPO"
    AUTO_DISABLED = "AUTO_DISABLED"
    CANCELLED = "CANCELLED"
    BLOCKED = "BLOCKED"

    @property
    def is_hold(self) -> bool:
        return self in HOLD_STATUSES


HOLD_STATUSES = frozenset(
    {
        PipelineStatus.NEEDS_REPO,
        PipelineStatus.AUTO_DISABLED,
        PipelineStatus.CANCELLED,
        PipelineStatus.BLOCKED,
    }
)


class AsanaStatus(StrEnum):
    """What an option of the Asana Status field means. Options not mapped mean ACTIVE."""

    ACTIVE = "ACTIVE"
    BLOCKED = "BLOCKED"
    CANCELLED = "CANCELLED"
