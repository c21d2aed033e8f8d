"""Comment and registration limits hold across web processes: the count lives in the database."""

from __future__ import annotations

import pytest

from broadsheet.web.ratelimit import Limit, RateLimited, SharedRateLimiter

LIMITS = {
    "comment-user": Limit(3, 10, "You are commenting faster than this site allows"),
    "login-ip": Limit(2, 30, "Too many login attempts from your address"),
}


def test_two_processes_share_one_comment_limit(engine):
    clock = [1000.0]
    first, second = (SharedRateLimiter(engine, LIMITS, clock=lambda: clock[0]) for _ in range(2))
    first.hit("comment-user", "7")
    second.hit("comment-user", "7")
    first.hit("comment-user", "7")
    with pytest.raises(RateLimited) as refused:  # the fourth in the window, whichever process takes it
        second.hit("comment-user", "7")
    assert "Please wait" in str(refused.value) and 0 < refused.value.retry_after <= 30
    second.hit("comment-user", "8")  # another user has their own count
    clock[0] += 30  # the next window
    first.hit("comment-user", "7")


def test_login_limits_stay_with_the_login_limiter(engine):
    first, second = SharedRateLimiter(engine, LIMITS), SharedRateLimiter(engine, LIMITS)
    first.hit("login-ip", "10.0.0.1")
    first.hit("login-ip", "10.0.0.1")
    second.hit("login-ip", "10.0.0.1")  # counted per process, as the login throttling decides
    with pytest.raises(RateLimited):
        first.hit("login-ip", "10.0.0.1")
