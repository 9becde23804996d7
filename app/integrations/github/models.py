"""Typed views of the GitHub objects the pipeline reads, parsed from the REST API's JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.integrations.errors import UnexpectedResponse


def _required(record: dict[str, Any], key: str, kind: str) -> Any:
    try:
        return record[key]
    except (KeyError, TypeError):
        raise UnexpectedResponse(f"{kind} record has no {key!r}", service="github") from None


@dataclass(frozen=True)
class Repository:
    id: int
    full_name: str
    default_branch: str
    html_url: str
    private: bool

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> Repository:
        return cls(
            id=_required(record, "id", "repository"),
            full_name=_required(record, "full_name", "repository"),
            default_branch=record.get("default_branch", "main"),
            html_url=record.get("html_url", ""),
            private=bool(record.get("private", False)),
        )


@dataclass(frozen=True)
class Label:
    name: str
    color: str
    description: str | None = None

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> Label:
        return cls(
            name=_required(record, "name", "label"),
            color=record.get("color", ""),
            description=record.get("description"),
        )


@dataclass(frozen=True)
class Issue:
    number: int
    title: str
    body: str
    state: str  # open or closed
    state_reason: str | None  # completed, not_planned, reopened or None
    labels: tuple[str, ...]
    html_url: str
    # The issues API also returns pull requests; they carry a `pull_request` key.
    is_pull_request: bool

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> Issue:
        return cls(
            number=_required(record, "number", "issue"),
            title=record.get("title", ""),
            body=record.get("body") or "",
            state=record.get("state", ""),
            state_reason=record.get("state_reason"),
            labels=tuple(label["name"] for label in record.get("labels") or ()),
            html_url=record.get("html_url", ""),
            is_pull_request="pull_request" in record,
        )


@dataclass(frozen=True)
class Comment:
    id: int
    body: str
    html_url: str
    author: str

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> Comment:
        return cls(
            id=_required(record, "id", "comment"),
            body=record.get("body") or "",
            html_url=record.get("html_url", ""),
            author=(record.get("user") or {}).get("login", ""),
        )


@dataclass(frozen=True)
class PullRequest:
    number: int
    title: str
    body: str
    state: str
    merged: bool
    # Only meaningful once `merged` is true; before that GitHub fills it with a test merge.
    # Reference: https://docs.github.com/en/rest/pulls/pulls#get-a-pull-request
    merge_commit_sha: str | None
    head_ref: str
    head_sha: str
    base_ref: str
    html_url: str

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> PullRequest:
        head = record.get("head") or {}
        base = record.get("base") or {}
        merged = bool(record.get("merged", False))
        return cls(
            number=_required(record, "number", "pull_request"),
            title=record.get("title", ""),
            body=record.get("body") or "",
            state=record.get("state", ""),
            merged=merged,
            merge_commit_sha=record.get("merge_commit_sha") if merged else None,
            head_ref=head.get("ref", ""),
            head_sha=head.get("sha", ""),
            base_ref=base.get("ref", ""),
            html_url=record.get("html_url", ""),
        )


@dataclass(frozen=True)
class WorkflowRun:
    id: int
    name: str
    workflow_id: int
    head_sha: str
    head_branch: str | None
    event: str
    status: str  # queued, in_progress, completed, ...
    conclusion: str | None  # success, failure, cancelled, ... once completed
    run_attempt: int
    html_url: str

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> WorkflowRun:
        return cls(
            id=_required(record, "id", "workflow_run"),
            name=record.get("name") or "",
            workflow_id=record.get("workflow_id", 0),
            head_sha=_required(record, "head_sha", "workflow_run"),
            head_branch=record.get("head_branch"),
            event=record.get("event", ""),
            status=record.get("status", ""),
            conclusion=record.get("conclusion"),
            run_attempt=record.get("run_attempt", 1),
            html_url=record.get("html_url", ""),
        )


@dataclass(frozen=True)
class Hook:
    id: int
    active: bool
    events: tuple[str, ...]
    url: str
    content_type: str

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> Hook:
        config = record.get("config") or {}
        return cls(
            id=_required(record, "id", "hook"),
            active=bool(record.get("active", False)),
            events=tuple(record.get("events") or ()),
            url=config.get("url", ""),
            content_type=config.get("content_type", "form"),
        )


@dataclass(frozen=True)
class Account:
    """A GitHub user or bot, e.g. the owner of a token."""

    login: str
    type: str  # User, Bot, Organization

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> Account:
        return cls(login=_required(record, "login", "account"), type=record.get("type", "User"))
