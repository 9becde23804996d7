"""The strict closing-reference parser: which issues a pull request's title or body closes.

# Reference: https://docs.github.com/en/issues/tracking-your-work-with-issues/using-issues/linking-a-pull-request-to-an-issue#linking-a-pull-request-to-an-issue-using-a-keyword
GitHub links a PR to an issue when its description uses one of nine keywords (close, closes,
closed, fix, fixes, fixed, resolve, resolves, resolved), in any case and optionally followed by a
colon, before `#N` (same repository), `owner/repo#N` or the issue's URL. We are stricter than
GitHub where it protects the task: a bare `#N` never links; neither does a reference inside a
fenced or inline code block, an HTML comment or a `>` quote (someone quoting another PR's text);
and a reference counts only for the repository the PR itself belongs to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KEYWORDS = (
    "close",
    "closes",
    "closed",
    "fix",
    "fixes",
    "fixed",
    "resolve",
    "resolves",
    "resolved",
)

_REPO = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}"
# Keyword, optional colon, whitespace, then one of the three reference forms. The lookbehind
# keeps "prefix" or "unfixed" from matching; the lookahead keeps "#12abc" or "#12/x" out.
CLOSING_RE = re.compile(
    r"(?<![\w/#-])(?P<keyword>" + "|".join(KEYWORDS) + r")\s*:?[ \t]+"
    r"(?:"
    r"https?://github\.com/(?P<url_repo>" + _REPO + r")/issues/(?P<url_number>\d+)(?![\w/])"
    r"|(?P<repo>" + _REPO + r")?#(?P<number>\d+)(?![\w-])"
    r")",
    re.IGNORECASE,
)

_FENCE_RE = re.compile(r"^[ ]{0,3}(`{3,}|~{3,})")
_INLINE_CODE_RE = re.compile(r"(`+)(?:(?!\1).)+?\1", re.DOTALL)
_HTML_COMMENT_RE = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)


@dataclass(frozen=True)
class ClosingRef:
    """One closing reference: the keyword as written, the repository it names (the PR's own
    repository for `#N`) as written, and the issue number."""

    keyword: str
    repo: str
    number: int

    def points_at(self, repo: str, number: int) -> bool:
        return self.number == number and self.repo.lower() == repo.lower()

    def to_json(self) -> dict[str, str | int]:
        """For a delivery's safe summary: keyword, repo and number, never the text around."""
        return {"keyword": self.keyword, "repo": self.repo, "number": self.number}

    @classmethod
    def from_json(cls, data: dict) -> ClosingRef:
        return cls(str(data["keyword"]), str(data["repo"]), int(data["number"]))


def visible_text(text: str) -> str:
    """The text with code blocks, inline code, HTML comments and quoted lines blanked out, so
    references inside them are never read (each is replaced by spaces or an empty line, which
    keeps a reference on either side from gluing onto the next word)."""
    text = _HTML_COMMENT_RE.sub(" ", text)
    kept: list[str] = []
    fence: str | None = None
    for line in text.splitlines():
        marker = _FENCE_RE.match(line)
        if fence is not None:
            if marker and marker.group(1)[0] == fence[0] and len(marker.group(1)) >= len(fence):
                fence = None
            kept.append("")
            continue
        if marker:
            fence = marker.group(1)
            kept.append("")
            continue
        if line.lstrip().startswith(">"):
            kept.append("")
            continue
        kept.append(line)
    return _INLINE_CODE_RE.sub(" ", "\n".join(kept))


def closing_references(text: str, own_repo: str) -> tuple[ClosingRef, ...]:
    """Every closing reference in the visible part of `text`, in order, duplicates removed.
    `own_repo` is the repository of the PR (what `#N` means)."""
    found: list[ClosingRef] = []
    for match in CLOSING_RE.finditer(visible_text(text or "")):
        if match.group("url_number"):
            ref = ClosingRef(
                match.group("keyword"), match.group("url_repo"), int(match.group("url_number"))
            )
        else:
            ref = ClosingRef(
                match.group("keyword"), match.group("repo") or own_repo, int(match.group("number"))
            )
        if not any(r.points_at(ref.repo, ref.number) for r in found):
            found.append(ref)
    return tuple(found)


def pull_request_references(title: str, body: str, repo: str) -> tuple[ClosingRef, ...]:
    """The closing references of a PR in `repo`, from its title then its body."""
    refs = list(closing_references(title, repo))
    for ref in closing_references(body, repo):
        if not any(r.points_at(ref.repo, ref.number) for r in refs):
            refs.append(ref)
    return tuple(refs)


def closes_issue(refs: tuple[ClosingRef, ...], pr_repo: str, issue_repo: str, number: int) -> bool:
    """Whether a PR in `pr_repo` with these references links to issue `number` of
    `issue_repo`: only a PR of the issue's own repository, naming that repository."""
    if pr_repo.lower() != issue_repo.lower():
        return False
    return any(ref.points_at(issue_repo, number) for ref in refs)
