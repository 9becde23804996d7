"""The sandbox runs on its own: `python -m app.sandbox`."""

import asyncio
import re
import signal
import sys

import aiohttp

from app.sandbox.cli import build_parser


def test_the_command_takes_host_and_port_options():
    args = build_parser().parse_args(
        ["--host", "127.0.0.1", "--asana-port", "0", "--github-port", "0"]
    )

    assert (args.host, args.asana_port, args.github_port) == ("127.0.0.1", 0, 0)


async def test_the_command_prints_its_urls_and_tokens_and_serves_them():
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.sandbox",
        "--host",
        "127.0.0.1",
        "--asana-port",
        "0",
        "--github-port",
        "0",
        "--autopilot",
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        lines = []
        while not any("as JSON" in line for line in lines):
            line = (await asyncio.wait_for(process.stdout.readline(), 20)).decode()
            if not line:  # the command ended before printing its banner
                raise AssertionError(f"the sandbox exited: {''.join(lines)!r}")
            lines.append(line)
        banner = "".join(lines)
        asana_url = re.search(r"Asana API:\s+(\S+)", banner).group(1)
        github_url = re.search(r"GitHub API:\s+(\S+)", banner).group(1)
        control_url = re.search(r"GitHub control:\s+(\S+)", banner).group(1)
        assert "asana-sandbox-token" in banner and "github-sandbox-token" in banner
        assert "Agent autopilot:  on" in banner

        async with aiohttp.ClientSession() as session:
            async with session.get(
                f"{asana_url}/workspaces", headers={"Authorization": "Bearer asana-sandbox-token"}
            ) as response:
                assert response.status == 200
            async with session.get(
                f"{github_url}/user", headers={"Authorization": "Bearer github-sandbox-token"}
            ) as response:
                assert (await response.json())["login"] == "sandbox-admin"
            async with session.get(control_url) as response:
                described = await response.json()
            assert described["github_api"] == github_url and described["autopilot"]["enabled"]
            assert described["seed"]["repo"] == "sandbox-org/demo"
    finally:
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), 20) == 0
