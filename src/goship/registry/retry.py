"""Bounded retries with exponential backoff and jitter.

Retried: HTTP 408, 429 and 5xx except 501/505, and transport failures (connection refused or
reset, timeouts, a connection closed mid-response). Everything is bounded: ``attempts`` tries
per request, ``connect_attempts`` when the registry cannot be reached at all, and each wait is
at most ``max_delay`` (``Retry-After`` is honoured up to ``max_retry_after``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504, 507, 509, 520, 521, 522, 523, 524})


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. The defaults keep an unreachable registry under ~20 s."""

    attempts: int = 5
    """Tries per request (1 = no retry) when the registry answers but fails."""
    connect_attempts: int = 3
    """Tries per request when no connection can be made at all."""
    base_delay: float = 0.5
    multiplier: float = 2.0
    max_delay: float = 8.0
    jitter: float = 0.5
    """Each wait is ``delay * (1 - jitter * U[0,1))``: spreads clients apart, never grows."""
    max_retry_after: float = 30.0
    connect_timeout: float = 5.0
    read_timeout: float = 60.0
    write_timeout: float = 60.0

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.connect_attempts < 1:
            raise ValueError("attempts must be at least 1")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError("jitter must be within [0, 1]")


def is_retryable_status(status: int) -> bool:
    return status in RETRYABLE_STATUS or (500 <= status < 600 and status not in (501, 505))


def backoff_delay(policy: RetryPolicy, retry: int, rng: random.Random) -> float:
    """Seconds to wait before retry number ``retry`` (1 = first retry)."""
    if retry < 1:
        raise ValueError("retry numbers start at 1")
    ceiling = min(policy.max_delay, policy.base_delay * policy.multiplier ** (retry - 1))
    return ceiling * (1.0 - policy.jitter * rng.random())


def backoff_schedule(
    policy: RetryPolicy, rng: random.Random, attempts: int | None = None
) -> list[float]:
    """The waits between ``attempts`` tries (one fewer than the tries)."""
    total = policy.attempts if attempts is None else attempts
    return [backoff_delay(policy, n, rng) for n in range(1, total)]


def parse_retry_after(value: str | None, cap: float) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP date), capped; else None."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        from datetime import UTC, datetime

        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    return max(0.0, min(seconds, cap))
