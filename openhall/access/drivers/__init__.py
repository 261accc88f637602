"""Lock drivers: one contract (base.LockDriver), one shared contract test suite."""

from openhall.access.drivers.base import LockDriver, LockError


def driver_for(door) -> LockDriver:
    if door.driver == "mqtt":
        from openhall.access.drivers.mqtt import MqttDriver

        return MqttDriver()
    if door.driver == "ttlock":
        from openhall.access.drivers.ttlock import TTLockDriver

        return TTLockDriver()
    from openhall.access.drivers.simulator import SimulatorDriver

    return SimulatorDriver()


__all__ = ["LockDriver", "LockError", "driver_for"]
