import pytest


@pytest.fixture(autouse=True)
def _sms_outbox():
    """Every test starts with an empty SMS outbox."""
    from members.sms import LocmemBackend

    LocmemBackend.outbox = []
    yield LocmemBackend.outbox


@pytest.fixture
def sms_outbox(_sms_outbox):
    return _sms_outbox
