from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "openhall.access"
    verbose_name = _("Door access")
    api_router = "openhall.access.api.router"  # mounted under /api/v1 by openhall/api.py

    def ready(self):
        from openhall.access import checks, subscribers  # noqa: F401 — checks register themselves

        subscribers.connect()

        from openhall.access import simulated_locks
        from openhall.access.drivers import simulator

        simulator.use_memory(simulated_locks)

        from openhall.access.grants import grant_repair_sweep
        from openhall.access.lock_events import ttlock_poll
        from openhall.access.models import LockCredential
        from openhall.access.reconcile import sweep
        from openhall.core.metrics import register_gauge
        from openhall.core.sweeps import register_sweep

        register_sweep("access", grant_repair_sweep, sweep, optional=(ttlock_poll,))
        register_gauge(
            "openhall_lock_credentials_failed",
            "Lock credentials given up on: a door that does not hold what its grants say.",
            lambda: LockCredential.objects.filter(status=LockCredential.Status.FAILED).count(),
        )
