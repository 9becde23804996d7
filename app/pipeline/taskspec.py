"""TaskSpec: what the agent is asked to build, rendered as the issue's title and body.

The body is: the TaskSpec (title, the Asana notes, a link to the Asana task), a Project Context
block (links, contacts, knowledge notes), the line `/opencode implement`, and the hidden marker
`<!-- autoflow:task:<id> -->` that lets a retry find an issue we created before a crash.

Asana text is untrusted: it is neutralised so it cannot add an `/opencode` (or `/oc`) command,
a fake marker (or any HTML comment), or a closing reference the agent might copy into its PR
and so link that PR to some other task's issue. Neutralising uses HTML character references,
which GitHub renders as the original characters, so readers see the text unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.pipeline.links import CLOSING_RE
from app.pipeline.rules_config import ProjectContext

OPENCODE_COMMAND = "/opencode implement"
# GitHub's limits: 256 characters for a title, 65,536 for a body; we leave room for the frame.
# Reference: https://docs.github.com/en/rest/issues/issues#create-an-issue
MAX_TITLE = 256
MAX_NOTES = 50_000
MAX_CONTEXT_NOTE = 4_000

_MARKER_RE = re.compile(r"<!--\s*autoflow:task:(\d+)\s*-->")
# The agent's trigger words, anywhere they start a word (`/opencode`, `/oc`).
_COMMAND_RE = re.compile(r"(?<![\w/])/(?=(?:opencode|oc)\b)", re.IGNORECASE)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_AGENT_TRIGGER_RE = re.compile(r"/([oO])(?=[cC])")


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


def spec_changed(old_title: str, old_notes: str, new_title: str, new_notes: str) -> bool:
    """The versioning rule: a new TaskSpec version when the Asana title or notes change.
    Trailing whitespace is not a change (Asana's editor adds and trims it freely)."""
    return (old_title.strip(), old_notes.rstrip()) != (new_title.strip(), new_notes.rstrip())


def task_marker(task_id: int) -> str:
    return f"<!-- autoflow:task:{task_id} -->"


def marker_task_id(body: str | None) -> int | None:
    """The task id in an issue body's marker (the last one: ours closes the body), or None."""
    found = _MARKER_RE.findall(body or "")
    return int(found[-1]) if found else None


# -- neutralising untrusted text -----------------------------------------------------------


def _defuse_closing(text: str) -> str:
    # "Fixes #3" -> "Fixe&#115; #3": GitHub renders it as written, but no parser reads a
    # keyword there any more (ours, GitHub's or an agent copying the text into its PR).
    def replace(match: re.Match[str]) -> str:
        keyword = match.group("keyword")
        defused = keyword[:-1] + f"&#{ord(keyword[-1])};"
        return defused + match.group(0)[len(keyword) :]

    return CLOSING_RE.sub(replace, text)


def neutralise_plain(text: str) -> str:
    """Asana notes are plain text: escape `&` and `<` (no HTML, no comments, no fake marker),
    then defuse commands and closing references."""
    text = _CONTROL_RE.sub("", text).replace("&", "&amp;").replace("<", "&lt;")
    return _defuse_closing(_COMMAND_RE.sub("&#47;", text))


def neutralise_markdown(text: str) -> str:
    """Knowledge notes are markdown written by admins: keep the markdown, but no HTML comment
    (so no marker), no command and no closing reference."""
    text = _CONTROL_RE.sub("", text).replace("<!--", "&lt;!--")
    return _defuse_closing(_COMMAND_RE.sub("&#47;", text))


def neutralise_title(text: str) -> str:
    """Issue titles are not rendered, so character references would show: break commands and
    closing references with look-alike characters instead, on one line."""
    text = " ".join(_CONTROL_RE.sub("", text).split())
    text = _COMMAND_RE.sub("\u2215", text)  # DIVISION SLASH
    # FULLWIDTH NUMBER SIGN for `#N`, RATIO for the colon of an issue URL.
    text = CLOSING_RE.sub(
        lambda m: m.group(0).replace("#", "\uff03").replace(":/", "\u2236/"), text
    )
    text = text.replace("<!--", "<!\u2010-")
    return text or "Untitled task"


def agent_safe(text: str) -> str:
    """A comment of ours that must not start the agent: its usual workflow runs on any comment
    whose body `contains` "/oc" (case-insensitive), so a run URL like github.com/acme/ocean/...
    would. Percent-encode that "o" (URLs still resolve; plain text shows %6F, rarely)."""
    # Reference: https://opencode.ai/docs/github/ (the workflow's `if: contains(..., '/oc')`)
    return _AGENT_TRIGGER_RE.sub(lambda m: "/%" + format(ord(m.group(1)), "02X"), text)


def _one_line(text: str) -> str:
    return neutralise_title(text).replace("[", "(").replace("]", ")")


# -- rendering -----------------------------------------------------------------------------


def issue_title(spec: TaskSpec) -> str:
    title = neutralise_title(spec.title)
    return title if len(title) <= MAX_TITLE else title[: MAX_TITLE - 1] + "…"


def _context_block(context: ProjectContext) -> list[str]:
    lines = ["## Project Context", ""]
    if not (context.links or context.contacts or context.notes):
        return [*lines, "_No project context yet._", ""]
    if context.links:
        lines += ["**Links**", ""]
        for link in context.links:
            kind = f" ({_one_line(link.kind)})" if link.kind else ""
            url = link.url if link.url.startswith(("https://", "http://")) else ""
            lines.append(f"- [{_one_line(link.title)}](<{url}>){kind}")
        lines.append("")
    if context.contacts:
        lines += ["**Contacts**", ""]
        for contact in context.contacts:
            handle = f" — {_one_line(contact.handle)}" if contact.handle else ""
            lines.append(f"- {_one_line(contact.role)}: {_one_line(contact.name)}{handle}")
        lines.append("")
    for note in context.notes:
        text = note.markdown[:MAX_CONTEXT_NOTE]
        lines += [f"**{_one_line(note.title)}**", "", neutralise_markdown(text).rstrip(), ""]
    return lines


def issue_body(spec: TaskSpec, context: ProjectContext) -> str:
    """The issue body. The marker is the last line, after the command line."""
    notes = spec.notes.rstrip()
    if len(notes) > MAX_NOTES:
        notes = notes[:MAX_NOTES] + "\n\n…(truncated; see the Asana task)"
    link = spec.permalink if spec.permalink.startswith("https://") else ""
    lines = [
        "## Task",
        "",
        f"**{_one_line(spec.title)}**",
        "",
        neutralise_plain(notes) if notes else "_No description in Asana._",
        "",
        f"Asana task: {link}" if link else "Asana task: (no link)",
        f"TaskSpec version {spec.version}",
        "",
        *_context_block(context),
        OPENCODE_COMMAND,
        "",
        task_marker(spec.task_id),
    ]
    return "\n".join(lines) + "\n"
