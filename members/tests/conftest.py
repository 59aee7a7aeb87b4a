import pytest


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth's rate limits count in the cache; each test starts with none used."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
