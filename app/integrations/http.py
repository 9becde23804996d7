"""The request loop both clients share: a timeout per attempt, rate-limit waits, bounded retries.

Each client owns a `ServiceTransport` built on the process's one `aiohttp.ClientSession` and
gives it a function that turns a failed response into one of our named errors. The transport
decides what to do with that error:

- `RateLimited`: wait as long as the service asked, when that is at most `max_wait_seconds`;
  a longer wait is raised to the caller so the job queue can reschedule instead of holding a
  worker.
- `TransientError` (5xx, timeout, dropped connection): back off exponentially and try again, but
  only for requests that are safe to repeat. A POST that timed out may have been applied, so it is
  raised at once; the job layer looks for its result (the issue marker) before trying again.
- anything else: raised at once.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp

from app.integrations.errors import (
    IntegrationError,
    RateLimited,
    TransientError,
    UnexpectedResponse,
)

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 4  # tries per call, the first one included
BACKOFF_BASE_SECONDS = 1.0  # waits 1 s, 2 s, 4 s between 5xx retries
MAX_WAIT_SECONDS = 60.0  # the longest in-process wait; longer Retry-After goes to the job queue
TIMEOUT_SECONDS = 20.0  # per attempt, connect + send + read

# Methods the HTTP spec calls idempotent: repeating them after an unclear failure is harmless.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    """How long one call may take and how hard it tries; tests shrink the waits."""

    max_attempts: int = MAX_ATTEMPTS
    backoff_base_seconds: float = BACKOFF_BASE_SECONDS
    max_wait_seconds: float = MAX_WAIT_SECONDS
    timeout_seconds: float = TIMEOUT_SECONDS
    # Injected so tests can record the waits a client asks for instead of sleeping through them.
    sleep: Sleep = field(default=asyncio.sleep, compare=False)


class Authorizer(Protocol):
    """Gives the `Authorization` header value for the next request."""

    async def authorization(self) -> str: ...


class BearerToken:
    """A fixed token sent as `Authorization: Bearer <token>`; its repr never shows the value."""

    def __init__(self, token: str) -> None:
        if not token:
            raise ValueError("an empty token cannot authenticate")
        self._token = token

    async def authorization(self) -> str:
        return f"Bearer {self._token}"

    def __repr__(self) -> str:
        return "BearerToken(<hidden>)"


@dataclass(frozen=True)
class Response:
    """A successful response: its status, headers and JSON body (None when empty)."""

    status: int
    headers: Mapping[str, str]
    body: Any


# (status, headers, parsed body or None, "METHOD /path") -> the error to raise or retry
ErrorInterpreter = Callable[[int, Mapping[str, str], Any, str], IntegrationError]
# (service, outcome) after every attempt; outcome is the HTTP status, "timeout" or "error".
# The app counts calls with it for /metrics (app/integrations/clients.py sets it).
CallObserver = Callable[[str, str], Awaitable[None]]


class ServiceTransport:
    """Sends JSON requests to one service with its authorization, retries and error mapping."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        *,
        service: str,
        authorizer: Authorizer,
        interpret_error: ErrorInterpreter,
        policy: RetryPolicy,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.service = service
        self.policy = policy
        self._authorizer = authorizer
        self._interpret_error = interpret_error
        self._headers = dict(headers or {})
        self.observer: CallObserver | None = None

    def __repr__(self) -> str:
        return f"ServiceTransport({self.service!r}, {self.base_url!r})"

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json_body: Any = None,
        safe_to_repeat: bool | None = None,
    ) -> Response:
        """Send one logical call, retrying as the policy allows; raise a named error otherwise."""
        if safe_to_repeat is None:
            safe_to_repeat = method in IDEMPOTENT_METHODS
        where = f"{method} {path}"
        policy = self.policy
        for attempt in range(1, policy.max_attempts + 1):
            outcome = await self._attempt(method, path, params, json_body, where)
            if isinstance(outcome, Response):
                return outcome
            error = outcome
            if not error.retryable or attempt == policy.max_attempts:
                raise error
            if isinstance(error, RateLimited):
                if error.retry_after > policy.max_wait_seconds:
                    raise error
                wait = error.retry_after
            elif safe_to_repeat:
                wait = min(
                    policy.backoff_base_seconds * 2 ** (attempt - 1), policy.max_wait_seconds
                )
            else:
                raise error
            logger.warning(
                "%s call will be retried",
                self.service,
                extra={
                    "service": self.service,
                    "call": where,
                    "attempt": attempt,
                    "status": error.status,
                    "wait_seconds": wait,
                },
            )
            await policy.sleep(wait)
        raise AssertionError("unreachable: the loop returns or raises")

    async def _attempt(
        self,
        method: str,
        path: str,
        params: Mapping[str, str | int] | None,
        json_body: Any,
        where: str,
    ) -> Response | IntegrationError:
        outcome = await self._send(method, path, params, json_body, where)
        if self.observer is not None:
            label = str(outcome.status) if isinstance(outcome, Response) else _label(outcome)
            try:
                await self.observer(self.service, label)
            except Exception:
                # Counting is for dashboards; it never fails the call it counts.
                logger.warning("could not count an outbound call", exc_info=True)
        return outcome

    async def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, str | int] | None,
        json_body: Any,
        where: str,
    ) -> Response | IntegrationError:
        headers = {**self._headers, "Authorization": await self._authorizer.authorization()}
        timeout = aiohttp.ClientTimeout(total=self.policy.timeout_seconds)
        try:
            async with self.session.request(
                method,
                self.base_url + path,
                params=params,
                json=json_body,
                headers=headers,
                timeout=timeout,
            ) as response:
                raw = await response.read()
                status = response.status
                response_headers = response.headers
        except TimeoutError:
            return TransientError(f"{where} timed out", service=self.service)
        except aiohttp.ClientError as exc:
            # aiohttp's messages name the host and the OS error, never our headers.
            return TransientError(f"{where} failed: {exc}", service=self.service)
        body = _parse_json(raw)
        if 200 <= status < 300:
            if body is _UNREADABLE:
                return UnexpectedResponse(
                    f"{where} answered {status} with a body that is not JSON",
                    service=self.service,
                    status=status,
                )
            return Response(status, response_headers, body)
        return self._interpret_error(
            status, response_headers, None if body is _UNREADABLE else body, where
        )


_UNREADABLE = object()


def _label(error: IntegrationError) -> str:
    if error.status is not None:
        return str(error.status)
    return "timeout" if "timed out" in str(error) else "error"


def _parse_json(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return _UNREADABLE


def parse_retry_after(value: str | None) -> float | None:
    """Read a `Retry-After` header given in seconds; None when absent or unreadable."""
    # Reference: https://www.rfc-editor.org/rfc/rfc9110#field.retry-after
    # Both services send delay-seconds; an HTTP-date form is treated as absent.
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return max(seconds, 0.0)
