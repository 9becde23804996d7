"""A load generator run as its own process: bounded concurrency, bounded duration, loopback
only. Prints one JSON line of results. Used by tests/bench/ingest.py."""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid

import aiohttp

from tests.support.github_payloads import PAYLOADS, signed

MAX_REQUESTS = 200_000  # a hard stop whatever the duration


async def run(url: str, mode: str, secret: str, concurrency: int, duration: float) -> dict:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    deadline = time.perf_counter() + duration
    sent = 0
    # The signature covers the body only: sign once, vary the delivery id per request, so the
    # sender spends its CPU on sending, not on HMACs.
    body, base_headers = signed("issue_comment", PAYLOADS["issue_comment"], secret)

    async def one_sender(session: aiohttp.ClientSession) -> None:
        nonlocal errors, sent
        while time.perf_counter() < deadline and sent < MAX_REQUESTS:
            sent += 1
            started = time.perf_counter()
            try:
                if mode == "trivial":
                    async with session.get(f"{url}/healthz") as response:
                        await response.read()
                        status = response.status
                else:
                    headers = {**base_headers, "X-GitHub-Delivery": str(uuid.uuid4())}
                    async with session.post(url, data=body, headers=headers) as response:
                        await response.read()
                        status = response.status
            except aiohttp.ClientError:
                errors += 1
                continue
            latencies.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1

    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=30)
    began = time.perf_counter()
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(one_sender(session) for _ in range(concurrency)))
    elapsed = time.perf_counter() - began
    latencies.sort()

    def percentile(p: float) -> float:
        return (
            latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else 0.0
        )

    return {
        "mode": mode,
        "requests": len(latencies),
        "elapsed": elapsed,
        "per_second": len(latencies) / elapsed if elapsed else 0.0,
        "p50_ms": percentile(0.50),
        "p99_ms": percentile(0.99),
        "statuses": statuses,
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--mode", choices=["trivial", "webhook"], required=True)
    parser.add_argument("--secret", default="")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--duration", type=float, default=10.0)
    args = parser.parse_args()
    if not args.url.startswith(("http://127.", "http://localhost")):
        raise SystemExit("the load generator only targets this machine's loopback")
    result = asyncio.run(run(args.url, args.mode, args.secret, args.concurrency, args.duration))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
