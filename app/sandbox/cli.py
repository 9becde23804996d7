"""`python -m app.sandbox`: run both sandboxes until interrupted.

It prints the base URLs to give clients in place of the real ones, the tokens the sandbox
accepts and the seeded ids, so the sandbox can be explored with curl or the official client
libraries. `main(argv)` is what a console command wraps.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Sequence

from app.sandbox.runner import (
    ASANA_TOKEN,
    GITHUB_APP_TOKEN,
    GITHUB_READER_TOKEN,
    GITHUB_TOKEN,
    Sandbox,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autoflow sandbox",
        description="Serve fake Asana and GitHub APIs (state in memory) for demos and tests.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--asana-port", type=int, default=8701, help="Asana port (0: any free)")
    parser.add_argument("--github-port", type=int, default=8702, help="GitHub port (0: any free)")
    parser.add_argument(
        "--autopilot",
        action="store_true",
        help="the agent's pull requests merge and CI passes by themselves (docs/sandbox.md)",
    )
    return parser


def describe_lines(sandbox: Sandbox) -> list[str]:
    """URLs, tokens, seeded ids and the autopilot's state, for a person to copy from."""
    seed = sandbox.seed
    autopilot = sandbox.github.autopilot.settings
    state = (
        f"on (merge after {autopilot.merge_delay_seconds:g} s, "
        f"CI after {autopilot.ci_delay_seconds:g} s, failure rate {autopilot.failure_rate:g})"
        if autopilot.enabled
        else 'off (POST /_sandbox/autopilot {"enabled": true} turns it on)'
    )
    return [
        f"  Asana API:        {sandbox.asana.base_url}",
        f"  GitHub API:       {sandbox.github.base_url}",
        f"  Asana control:    {sandbox.asana.control_url}",
        f"  GitHub control:   {sandbox.github.control_url}",
        f"  Agent autopilot:  {state}",
        "  Tokens (sandbox only):",
        f"    Asana:              {ASANA_TOKEN}",
        f"    GitHub admin:       {GITHUB_TOKEN}  ({seed.github_admin})",
        f"    GitHub read-only:   {GITHUB_READER_TOKEN}  ({seed.github_reader})",
        f"    GitHub App (bot):   {GITHUB_APP_TOKEN}  ({seed.github_app})",
        "  Seeded world:",
        f"    Asana workspace {seed.workspace_gid}, project {seed.project_gid}",
        f"    Asana users: admin {seed.asana_user_gid}, person {seed.asana_person_gid}",
        f"    AutoTask field {seed.autotask_field_gid} "
        f"(Yes: {seed.autotask_yes_gid}, No: {seed.autotask_no_gid})",
        f"    Repo field {seed.repo_field_gid} ({seed.repo}: {seed.repo_option_gid})",
        f"    Status field {seed.status_field_gid}",
        f"    GitHub repository {seed.repo}",
        f"  Everything above as JSON: curl {sandbox.github.control_url}",
    ]


def describe(sandbox: Sandbox) -> str:
    return "\n".join(["Auto-Flow sandbox is running (Ctrl+C to stop).", *describe_lines(sandbox)])


async def serve(host: str, asana_port: int, github_port: int, autopilot: bool = False) -> None:
    sandbox = Sandbox()
    sandbox.github.autopilot.configure(enabled=autopilot)
    await sandbox.start(host, asana_port=asana_port, github_port=github_port)
    print(describe(sandbox), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await sandbox.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the sandbox until SIGINT/SIGTERM; returns the process exit status."""
    args = build_parser().parse_args(argv)
    try:
        asyncio.run(serve(args.host, args.asana_port, args.github_port, args.autopilot))
    except OSError as exc:  # typically: the port is taken
        print(f"sandbox: cannot start: {exc}", file=sys.stderr)
        return 1
    return 0
