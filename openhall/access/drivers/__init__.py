"""Lock drivers: one contract (base.LockDriver), one shared contract test suite."""

from openhall.access.drivers.base import Lock, LockDriver, LockError


def driver_for(lock: Lock) -> LockDriver:
    if lock.driver == "mqtt":
        from openhall.access.drivers.mqtt import MqttDriver

        return MqttDriver()
    if lock.driver == "ttlock":
        from openhall.access.drivers.ttlock import TTLockDriver

        return TTLockDriver()
    from openhall.access.drivers.simulator import SimulatorDriver

    return SimulatorDriver()


__all__ = ["Lock", "LockDriver", "LockError", "driver_for"]
