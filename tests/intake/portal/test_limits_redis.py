"""The rate-limit counters and the once-only challenge on the production cache (a real Redis)."""

import pytest
from django.core.cache import cache

from kefu.intake.portal import limits


@pytest.fixture
def redis_cache(settings, redis_url):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    }
    cache.clear()
    yield
    cache.clear()


def test_counters_count_in_redis_per_identity(redis_cache):
    for _ in range(3):
        limits.hit("submit-ip", "10.0.0.1")
    limits.hit("submit-ip", "10.0.0.2")

    assert limits.count("submit-ip", "10.0.0.1") == 3
    assert limits.over("submit-ip", "10.0.0.1", 3) and not limits.over("submit-ip", "10.0.0.2", 3)


def test_a_solved_challenge_is_accepted_once_in_redis(redis_cache):
    challenge = limits.new_challenge()
    a, b = (int(x) for x in challenge["question"].split(" + "))

    assert limits.challenge_passed(challenge["token"], a + b)
    assert not limits.challenge_passed(challenge["token"], a + b)
