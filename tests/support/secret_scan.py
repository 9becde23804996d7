"""No secrets in the repository: every file we would commit, scanned by detect-secrets.

A finding fails unless `.secrets-allowlist.toml` names it (path, detector and the SHA-1 that
detect-secrets records instead of the value) with the reason it is no secret, e.g. a test
fixture's made-up password. An entry that matches nothing any more fails too, so the list
stays short and true.

Used by tests/test_no_secrets.py and by the pre-commit hook (`.pre-commit-config.yaml`):

    python -m tests.support.secret_scan          # exit 1 and the findings when any is new

The files are those git would commit (`git ls-files --cached --others --exclude-standard`)
or, without git (CI runs the suite from a copy of the work tree that has no .git), every file
under the root but the folders below.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from detect_secrets.core.secrets_collection import SecretsCollection
from detect_secrets.settings import default_settings

ROOT = Path(__file__).resolve().parents[2]
ALLOWLIST = ".secrets-allowlist.toml"
# Never scanned when walking a tree without git: environments, caches, local data, outputs.
SKIPPED_FOLDERS = frozenset(
    {
        ".git",
        ".venv",
        "venv",
        "data",
        "node_modules",
        "__pycache__",
        ".pytest_cache",
        ".ruff_cache",
        "build",
        "dist",
        "screenshots",
        "results",
    }
)
# The allowlist holds SHA-1 digests, which look like secrets themselves.
SKIPPED_FILES = frozenset({ALLOWLIST})


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    type: str
    hashed_secret: str
    line: int = 0

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.path, self.type, self.hashed_secret)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.type} (hashed_secret {self.hashed_secret})"


@dataclass(frozen=True)
class Allowed:
    path: str
    type: str
    hashed_secret: str
    reason: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.path, self.type, self.hashed_secret)


def files_to_scan(root: Path = ROOT) -> list[str]:
    """Paths relative to root of every file that would be committed."""
    if (root / ".git").exists() and shutil.which("git"):
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root,
            check=True,
            capture_output=True,
        ).stdout.decode()
        paths = [p for p in listed.split("\0") if p]
    else:
        paths = [
            path.relative_to(root).as_posix()
            for path in root.rglob("*")
            if path.is_file() and not _skipped(path.relative_to(root).parts)
        ]
    return sorted(p for p in paths if Path(p).name not in SKIPPED_FILES and (root / p).is_file())


def _skipped(parts: tuple[str, ...]) -> bool:
    folders = parts[:-1]
    return (
        bool(SKIPPED_FOLDERS.intersection(folders))
        or any(folder.endswith(".egg-info") for folder in folders)
        or parts[-1].endswith(".pyc")
    )


def scan(paths: Iterable[str], root: Path = ROOT) -> list[Finding]:
    """What detect-secrets' default detectors and filters find in these files."""
    with default_settings():
        collection = SecretsCollection(root=str(root))
        for path in paths:
            collection.scan_file(path)
        return sorted(
            Finding(
                Path(filename).as_posix(),
                secret.type,
                secret.secret_hash,
                secret.line_number or 0,
            )
            for filename, secret in collection
        )


def load_allowlist(root: Path = ROOT) -> list[Allowed]:
    path = root / ALLOWLIST
    if not path.exists():
        return []
    entries = tomllib.loads(path.read_text()).get("allowed", [])
    return [
        Allowed(e["path"], e["type"], e["hashed_secret"], e.get("reason", "").strip())
        for e in entries
    ]


@dataclass(frozen=True)
class Report:
    new: list[Finding]
    stale: list[Allowed]
    unjustified: list[Allowed]

    @property
    def clean(self) -> bool:
        return not (self.new or self.stale or self.unjustified)

    def __str__(self) -> str:
        lines = [f"possible secret: {f}" for f in self.new]
        lines += [f"allowlisted but not found any more: {a.path} {a.type}" for a in self.stale]
        lines += [f"allowlisted without a reason: {a.path} {a.type}" for a in self.unjustified]
        if self.new:
            lines.append(
                f"Remove the secret (and rotate it), or, for a made-up test value, add an "
                f"entry with its reason to {ALLOWLIST}:"
            )
            for finding in self.new:
                lines += [
                    "",
                    "[[allowed]]",
                    f'path = "{finding.path}"',
                    f'type = "{finding.type}"',
                    f'hashed_secret = "{finding.hashed_secret}"',
                    'reason = "..."',
                ]
        return "\n".join(lines)


def check(paths: Iterable[str] | None = None, root: Path = ROOT) -> Report:
    """Findings in `paths` (default: every file to commit) against the allowlist. Stale
    entries are only reported when the whole tree was scanned."""
    whole_tree = paths is None
    scanned = files_to_scan(root) if paths is None else list(paths)
    findings = scan(scanned, root)
    allowlist = load_allowlist(root)
    allowed = {entry.key for entry in allowlist}
    found = {finding.key for finding in findings}
    return Report(
        new=[f for f in findings if f.key not in allowed],
        stale=[a for a in allowlist if whole_tree and a.key not in found],
        unjustified=[a for a in allowlist if len(a.reason.strip(". ")) < 10],
    )


def main(argv: list[str]) -> int:
    # pre-commit passes the staged files; with none, the whole tree is scanned.
    skipped = SKIPPED_FILES
    paths = [p for p in argv if Path(p).name not in skipped and Path(p).is_file()] or None
    if argv and paths is None:
        return 0
    report = check(paths)
    if not report.clean:
        print(report, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
