import pytest

from openhall.access.tests.lock_faults import FAULTS


@pytest.fixture(autouse=True)
def no_faults():
    """Every access test starts with healthy simulated locks, whatever the last one injected."""
    FAULTS.clear()
    yield
    FAULTS.clear()
