from django.contrib import admin

from openhall.core.models import AuditEntry, Center, District, StaffMembership, Street

admin.site.site_header = "OpenHall"
admin.site.register(District)
admin.site.register(Street)
admin.site.register(Center)
admin.site.register(StaffMembership)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_label", "center", "action", "object_repr", "ip"]
    list_filter = ["action"]

    # The log is append-only, here as everywhere.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
