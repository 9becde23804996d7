"""The project's retry policy: 3 attempts in all, exponential backoff, and only for errors
that say they are worth retrying."""

from __future__ import annotations

from procrastinate.jobs import Job
from procrastinate.retry import BaseRetryStrategy, RetryDecision

MAX_ATTEMPTS = 3
# Waits between attempts: 15 s, then 60 s (BACKOFF_BASE * BACKOFF_FACTOR ** attempt).
BACKOFF_BASE_SECONDS = 15
BACKOFF_FACTOR = 4
# A rate-limited call may ask for a longer wait (Retry-After); never wait longer than this.
MAX_WAIT_SECONDS = 15 * 60


class Retryable(Exception):
    """Raise (or subclass) for a failure that may pass on a later attempt."""

    retryable = True

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


def is_retryable(error: BaseException) -> bool:
    return bool(getattr(error, "retryable", False))


class RetryableOnly(BaseRetryStrategy):
    def __init__(
        self, max_attempts: int = MAX_ATTEMPTS, base_seconds: float = BACKOFF_BASE_SECONDS
    ):
        self.max_attempts = max_attempts
        self.base_seconds = base_seconds

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        # job.attempts counts the attempts before this one.
        if not is_retryable(exception) or job.attempts + 1 >= self.max_attempts:
            return None
        wait = self.base_seconds * BACKOFF_FACTOR**job.attempts
        retry_after = getattr(exception, "retry_after", None)
        if retry_after:
            wait = max(wait, float(retry_after))
        return RetryDecision(retry_in={"seconds": int(min(wait, MAX_WAIT_SECONDS))})


DEFAULT_RETRY = RetryableOnly()
