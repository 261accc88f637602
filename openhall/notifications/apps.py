from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "openhall.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from openhall.notifications import subscribers

        subscribers.connect()

        from django.db.models import Count

        from openhall.core.metrics import register_gauge
        from openhall.core.sweeps import register_sweep
        from openhall.notifications import services
        from openhall.notifications.models import Delivery

        register_sweep(
            "notifications", services.deliveries_retry_due, services.deliveries_flag_stuck
        )

        def failed_by_channel() -> dict[str, int]:
            # Every channel, 0 included: an alert on a rise needs the series to exist before.
            failed = dict(
                Delivery.objects.filter(status=Delivery.Status.FAILED)
                .order_by()
                .values_list("channel")
                .annotate(n=Count("pk"))
                .values_list("channel", "n")
            )
            return {channel: failed.get(channel, 0) for channel in Delivery.Channel.values}

        register_gauge(
            "openhall_notification_deliveries_failed",
            "Messages that failed for good, by channel (site inbox, WeChat, SMS).",
            failed_by_channel,
            label="channel",
        )
