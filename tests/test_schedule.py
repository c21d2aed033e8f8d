from datetime import UTC, datetime, timedelta

from broadsheet.ingest.schedule import GONE_INTERVAL, MAX_INTERVAL, MIN_INTERVAL, adaptive_interval, failure_delay
from broadsheet.model import UNHEALTHY_AFTER, health_state

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def _every(minutes: int, count: int) -> list[datetime]:
    return [NOW - timedelta(minutes=minutes * i) for i in range(count)]


def test_interval_follows_publishing_rate_within_bounds():
    assert adaptive_interval(_every(10, 30), NOW) == MIN_INTERVAL  # busy feed: every 5 minutes
    assert adaptive_interval(_every(120, 20), NOW) == timedelta(hours=1)  # every 2 h: poll hourly
    assert adaptive_interval(_every(7 * 24 * 60, 3), NOW) == MAX_INTERVAL  # weekly: once a day
    assert adaptive_interval([None, None], NOW) == timedelta(hours=1)  # undated: hourly


def test_quiet_feed_slows_down():
    busy_last_week = [NOW - timedelta(days=3, minutes=10 * i) for i in range(20)]
    assert adaptive_interval(busy_last_week, NOW) > timedelta(hours=12)


def test_failures_back_off_then_unhealthy_then_gone():
    base = timedelta(minutes=5)
    delays = [failure_delay(n, base) for n in range(1, UNHEALTHY_AFTER + 1)]
    assert delays[0] < delays[1] < delays[2] < delays[3]
    assert delays[-1] >= timedelta(hours=21)  # unhealthy: about daily (jitter)
    assert failure_delay(1, base, status=410) == GONE_INTERVAL
    assert failure_delay(1, base, status=429, retry_after=3600) >= timedelta(hours=1)


def test_health_states():
    assert [health_state(0, 200), health_state(2, 500), health_state(UNHEALTHY_AFTER, 500), health_state(1, 410)] == [
        "healthy",
        "failing",
        "unhealthy",
        "gone",
    ]
