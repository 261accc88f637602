from django.contrib import admin

from openhall.notifications.models import ConsoleSms


@admin.register(ConsoleSms)
class ConsoleSmsAdmin(admin.ModelAdmin):
    """In development the `console` SMS backend's messages (sign-in codes) are read here."""

    list_display = ["created_at", "mobile", "text"]
    search_fields = ["mobile"]
