"""The strict closing-reference parser, one row per case."""

from __future__ import annotations

import pytest

from app.pipeline.links import closes_issue, pull_request_references

REPO = "acme/web"

LINKS = [
    ("closes", "Closes #12"),
    ("fixes", "Fixes #12"),
    ("resolves", "Resolves #12"),
    ("close", "close #12"),
    ("closed", "closed #12"),
    ("fix", "fix #12"),
    ("fixed", "FIXED #12"),
    ("resolve", "resolve #12"),
    ("resolved", "Resolved #12"),
    ("colon", "Fixes: #12"),
    ("colon-no-space-before", "closes:  #12"),
    ("mixed-case", "cLoSeS #12"),
    ("owner-repo", "Closes acme/web#12"),
    ("owner-repo-other-case", "Closes ACME/Web#12"),
    ("issue-url", "Fixes https://github.com/acme/web/issues/12"),
    ("end-of-sentence", "This PR closes #12."),
    ("in-a-list", "- Fixes #12"),
    ("in-parentheses", "(fixes #12)"),
    ("after-other-text-lines", "Adds the page.\n\nCloses #12"),
    ("opencode-agent-body", "Implements the login page.\n\nCloses #12"),
    ("after-a-closed-fence", "```\ncode\n```\nCloses #12"),
]

NO_LINKS = [
    ("bare-number", "See #12"),
    ("other-keyword", "Addresses #12"),
    ("keyword-inside-word", "prefixes #12"),
    ("keyword-as-suffix", "unfixed #12"),
    ("number-glued-to-text", "Closes #12abc"),
    ("other-number", "Closes #13"),
    ("fenced-code", "```\nCloses #12\n```"),
    ("tilde-fence", "~~~\nFixes #12\n~~~"),
    ("unclosed-fence", "```\nFixes #12"),
    ("inline-code", "Use `Closes #12` in your PR"),
    ("double-backtick-code", "Use ``Closes #12`` in your PR"),
    ("quote", "> Closes #12"),
    ("indented-quote", "  > Fixes #12"),
    ("html-comment", "<!-- Closes #12 -->"),
    ("other-repo-short", "Closes acme/api#12"),
    ("other-repo-url", "Fixes https://github.com/acme/api/issues/12"),
    ("pull-url", "Fixes https://github.com/acme/web/pull/12"),
    ("no-space", "Closes#12"),
    ("keyword-then-newline", "Closes\n#12"),
    ("empty", ""),
]


@pytest.mark.parametrize("body", [b for _, b in LINKS], ids=[i for i, _ in LINKS])
def test_a_closing_keyword_links_the_issue(body):
    refs = pull_request_references("Add a login page", body, REPO)
    assert closes_issue(refs, REPO, REPO, 12)


@pytest.mark.parametrize("body", [b for _, b in NO_LINKS], ids=[i for i, _ in NO_LINKS])
def test_anything_else_never_links(body):
    refs = pull_request_references("Add a login page", body, REPO)
    assert not closes_issue(refs, REPO, REPO, 12)


def test_the_title_counts_too():
    refs = pull_request_references("Fix #12: login page", "", REPO)
    assert closes_issue(refs, REPO, REPO, 12)


def test_a_pr_in_another_repository_never_links_even_naming_ours():
    refs = pull_request_references("", "Closes acme/web#12", "acme/api")
    assert not closes_issue(refs, "acme/api", REPO, 12)


def test_references_are_listed_once_in_order():
    refs = pull_request_references("Fixes #3", "Closes #3 and fixes acme/api#4, resolves #5", REPO)
    assert [(r.repo, r.number) for r in refs] == [(REPO, 3), ("acme/api", 4), (REPO, 5)]
    assert refs[0].keyword == "Fixes"
