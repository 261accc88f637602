import pytest

from openhall.access.drivers import simulator


@pytest.fixture(autouse=True)
def no_faults():
    """Every access test starts with healthy simulated locks, whatever the last one injected."""
    simulator.FAULTS.clear()
    yield
    simulator.FAULTS.clear()
