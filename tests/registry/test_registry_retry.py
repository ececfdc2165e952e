"""Backoff schedule, retryable statuses and Retry-After parsing."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goship.registry.retry import (
    RetryPolicy,
    backoff_delay,
    backoff_schedule,
    is_retryable_status,
    parse_retry_after,
)


def test_schedule_without_jitter_doubles_up_to_cap() -> None:
    policy = RetryPolicy(attempts=7, base_delay=0.5, multiplier=2, max_delay=4, jitter=0)
    assert backoff_schedule(policy, random.Random(1)) == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


@given(seed=st.integers(0, 2**32), retry=st.integers(1, 30), jitter=st.floats(0, 1))
def test_jitter_stays_within_bounds(seed: int, retry: int, jitter: float) -> None:
    policy = RetryPolicy(base_delay=0.2, max_delay=5, jitter=jitter)
    ceiling = min(5.0, 0.2 * 2 ** (retry - 1))
    delay = backoff_delay(policy, retry, random.Random(seed))
    assert ceiling * (1 - jitter) - 1e-9 <= delay <= ceiling + 1e-9


def test_jitter_spreads_clients() -> None:
    policy = RetryPolicy(jitter=0.5)
    delays = {backoff_delay(policy, 3, random.Random(seed)) for seed in range(20)}
    assert len(delays) > 10


def test_schedule_length_is_bounded() -> None:
    policy = RetryPolicy(attempts=3)
    assert len(backoff_schedule(policy, random.Random())) == 2
    assert backoff_schedule(RetryPolicy(attempts=1), random.Random()) == []


def test_policy_validation() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(jitter=1.5)
    with pytest.raises(ValueError):
        backoff_delay(RetryPolicy(), 0, random.Random())


@pytest.mark.parametrize(
    ("status", "retry"),
    [
        (500, True),
        (502, True),
        (503, True),
        (504, True),
        (429, True),
        (408, True),
        (501, False),
        (505, False),
        (400, False),
        (401, False),
        (404, False),
        (416, False),
    ],
)
def test_retryable_statuses(status: int, retry: bool) -> None:
    assert is_retryable_status(status) is retry


def test_retry_after() -> None:
    assert parse_retry_after("3", cap=30) == 3.0
    assert parse_retry_after("300", cap=30) == 30.0
    assert parse_retry_after("-4", cap=30) == 0.0
    assert parse_retry_after(None, cap=30) is None
    assert parse_retry_after("soon", cap=30) is None
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=10), usegmt=True)
    parsed = parse_retry_after(when, cap=30)
    assert parsed is not None and 5 <= parsed <= 10
