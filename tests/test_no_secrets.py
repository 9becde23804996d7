"""No secrets in the repository, ever: the tracked files are scanned with detect-secrets, and
.gitignore keeps local data, keys and env files out (but not the example env files)."""

from __future__ import annotations

import fnmatch
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support import secret_scan

ROOT = secret_scan.ROOT

# Made up at run time so that this file holds no token-shaped literal itself.
FAKE_GITHUB_TOKEN = "ghp_" + "Zq7Xw2Rt9Lp4" + "Mn8Vb3Kd6Hs1" + "Jf5Gc0Ya2Ue7"
FAKE_AWS_KEY_ID = "AKIA" + "QX7ZR2LM4TN8VB3K"


def test_no_file_we_would_commit_holds_a_secret():
    report = secret_scan.check()
    assert report.clean, f"\n{report}"


def test_the_scan_covers_the_code_tests_docs_and_deployment_files():
    files = set(secret_scan.files_to_scan())
    for expected in ("app/main.py", "tests/conftest.py", "README.md", "compose.yaml"):
        assert expected in files
    assert not any(path.startswith((".venv/", "data/")) for path in files)


@pytest.mark.skipif(
    not ((ROOT / ".git").exists() and shutil.which("git")), reason="git and .git needed"
)
def test_without_git_the_scan_sees_the_same_files_as_with_git(tmp_path):
    # What .ci/run does: a copy of the files to commit, no .git, then an install beside them.
    for path in secret_scan.files_to_scan():
        write(tmp_path, path, (ROOT / path).read_text(errors="replace"))
    allowlist = secret_scan.ALLOWLIST
    write(tmp_path, allowlist, (ROOT / allowlist).read_text())
    write(tmp_path, "autoflow.egg-info/PKG-INFO", (ROOT / "README.md").read_text())
    write(tmp_path, ".venv/lib/site.py", f'TOKEN = "{FAKE_GITHUB_TOKEN}"\n')
    assert secret_scan.files_to_scan(tmp_path) == secret_scan.files_to_scan()
    assert secret_scan.check(root=tmp_path).clean


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_a_committed_token_is_found_even_without_git(tmp_path):
    write(tmp_path, "app/config.py", f'GITHUB_TOKEN = "{FAKE_GITHUB_TOKEN}"\n')
    write(tmp_path, "deploy/notes.md", f"aws_access_key_id = {FAKE_AWS_KEY_ID}\n")
    write(tmp_path, "README.md", "Nothing to see.\n")

    report = secret_scan.check(root=tmp_path)

    assert not report.clean
    found = {(finding.path, finding.type) for finding in report.new}
    assert ("app/config.py", "GitHub Token") in found
    assert ("deploy/notes.md", "AWS Access Key") in found
    assert FAKE_GITHUB_TOKEN not in str(report)  # the report names it by hash only


def test_local_environments_and_data_are_not_scanned_without_git(tmp_path):
    for folder in (".venv/lib", "data/postgres", "node_modules/x", "tests/screenshots"):
        write(tmp_path, f"{folder}/leak.py", f'TOKEN = "{FAKE_GITHUB_TOKEN}"\n')
    assert secret_scan.check(root=tmp_path).clean


def allowlist_for(root: Path, path: str, reason: str) -> str:
    return "\n".join(
        f'[[allowed]]\npath = "{path}"\ntype = "{f.type}"\n'
        f'hashed_secret = "{f.hashed_secret}"\nreason = "{reason}"\n'
        for f in secret_scan.scan([path], root)
    )


def test_an_allowlisted_fixture_passes_with_a_reason(tmp_path):
    write(tmp_path, "tests/test_x.py", f'TOKEN = "{FAKE_GITHUB_TOKEN}"\n')
    write(
        tmp_path,
        secret_scan.ALLOWLIST,
        allowlist_for(tmp_path, "tests/test_x.py", "a made-up token for a test"),
    )
    assert secret_scan.check(root=tmp_path).clean


def test_an_allowlisted_fixture_without_a_real_reason_fails(tmp_path):
    write(tmp_path, "tests/test_x.py", f'TOKEN = "{FAKE_GITHUB_TOKEN}"\n')
    write(tmp_path, secret_scan.ALLOWLIST, allowlist_for(tmp_path, "tests/test_x.py", "..."))
    report = secret_scan.check(root=tmp_path)
    assert not report.clean
    assert {entry.path for entry in report.unjustified} == {"tests/test_x.py"}


def test_an_allowlist_entry_that_matches_nothing_any_more_fails(tmp_path):
    write(tmp_path, "README.md", "Nothing to see.\n")
    write(
        tmp_path,
        secret_scan.ALLOWLIST,
        '[[allowed]]\npath = "gone.py"\ntype = "Secret Keyword"\n'
        'hashed_secret = "0000000000000000000000000000000000000000"\n'
        'reason = "a fixture that was deleted since"\n',
    )
    report = secret_scan.check(root=tmp_path)
    assert [entry.path for entry in report.stale] == ["gone.py"]


# -- .gitignore ------------------------------------------------------------------------------


def gitignore_patterns() -> list[str]:
    lines = (ROOT / ".gitignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def ignored(path: str, patterns: list[str]) -> bool:
    """A small reading of gitignore rules (the last matching pattern wins; `!` re-includes;
    `dir/` matches a folder at any depth; a pattern without `/` matches any path component)."""
    parts = path.split("/")
    result = False
    for raw in patterns:
        negate = raw.startswith("!")
        pattern = raw[1:] if negate else raw
        folder_only = pattern.endswith("/")
        pattern = pattern.rstrip("/")
        candidates = parts[:-1] if folder_only else parts
        if "/" in pattern:
            matched = fnmatch.fnmatch(path, pattern.lstrip("/")) or fnmatch.fnmatch(
                path, pattern.lstrip("/") + "/*"
            )
        else:
            matched = any(fnmatch.fnmatch(part, pattern) for part in candidates)
        if matched:
            result = not negate
    return result


NEVER_COMMITTED = [
    "data/postgres/PG_VERSION",
    "data/master.key",
    "master.key",
    "secret.key",
    "retired-master-keys/abc.key",
    ".env",
    ".env.production",
    "deploy/prod.env",
    "deploy/staging.env",
    "secrets/database_url",
    "secrets/postgres_password",
    "backups/autoflow-2026-11-25.dump",
    "server.pem",
]
COMMITTED = ["deploy/prod.env.example", "deploy/staging.env.example", "compose.yaml", "Caddyfile"]


@pytest.mark.parametrize("path", NEVER_COMMITTED)
def test_gitignore_keeps_data_keys_and_env_files_out(path):
    assert ignored(path, gitignore_patterns())


@pytest.mark.parametrize("path", COMMITTED)
def test_gitignore_keeps_the_example_env_files_and_deployment_files_in(path):
    assert not ignored(path, gitignore_patterns())


@pytest.mark.skipif(
    not ((ROOT / ".git").exists() and shutil.which("git")), reason="git and .git needed"
)
def test_git_itself_agrees_with_the_reading_of_gitignore():
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", "--stdin"],
        cwd=ROOT,
        input="\n".join(NEVER_COMMITTED + COMMITTED),
        capture_output=True,
        text=True,
    )
    assert set(result.stdout.split()) == set(NEVER_COMMITTED)


PLACEHOLDER_VALUES = {
    "AUTOFLOW_DOMAIN": lambda v: v.endswith("example.com"),
    "ACME_EMAIL": lambda v: v.endswith("@example.com"),
    "AUTOFLOW_IMAGE": lambda v: "your-org" in v,
}


def env_example_values() -> list[tuple[str, str, str]]:
    values = []
    for example in sorted((ROOT / "deploy").glob("*.env.example")):
        for line in example.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                name, _, value = line.partition("=")
                values.append((example.name, name, value))
    return values


def test_there_is_an_example_env_file_for_staging_and_for_prod():
    names = {file for file, _, _ in env_example_values()}
    assert names == {"staging.env.example", "prod.env.example"}


def test_the_example_env_files_hold_placeholders_only():
    for file, name, value in env_example_values():
        if any(word in name for word in ("TOKEN", "PASSWORD", "SECRET", "_KEY")):
            assert value == "", f"{file}: {name} must be empty in the example"
        if name in PLACEHOLDER_VALUES:
            assert PLACEHOLDER_VALUES[name](value), f"{file}: {name}={value} is no placeholder"
