from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "openhall.core"
    label = "core"
    verbose_name = _("Core")
    api_router = "openhall.core.api.router"  # mounted under /api/v1 by openhall/api.py

    def ready(self) -> None:
        from huey.contrib.djhuey import HUEY
        from huey.signals import SIGNAL_ERROR

        from openhall.core import (
            checks,  # noqa: F401 — registers the deploy checks
            metrics,
            outbox,
        )
        from openhall.core.sweeps import register_sweep

        HUEY.signal(SIGNAL_ERROR)(metrics.count_task_failure)
        HUEY.on_startup()(metrics.start_worker_exporter)
        register_sweep("outbox", outbox.relay)
