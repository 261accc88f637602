from django.contrib import admin

from openhall.notifications.models import ConsoleSms, Delivery


@admin.register(ConsoleSms)
class ConsoleSmsAdmin(admin.ModelAdmin):
    """In development the `console` SMS backend's messages (sign-in codes) are read here."""

    list_display = ["created_at", "mobile", "text"]
    search_fields = ["mobile"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """The outbox: what went out on which channel, how often it was tried, and why it failed."""

    list_display = ["created_at", "channel", "status", "attempts", "last_error", "sent_at"]
    list_filter = ["channel", "status"]
    readonly_fields = [f.name for f in Delivery._meta.fields]
